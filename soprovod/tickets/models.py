from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.sla.models import TicketType


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("In progress")
    WAITING_CLIENT = "waiting_client", _("Waiting for client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_CLIENT)


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    MESSENGER = "messenger", _("Messenger")
    TELEGRAM = "telegram", _("Telegram")
    INTERNAL = "internal", _("Internal")


class Priority(models.TextChoices):
    """How urgent a ticket is to the department (issue 15): set by hand, a macro or a routing
    rule. It orders work; the SLA targets follow the ticket's type, not its priority."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Tag(models.Model):
    """A free label on tickets (e.g. «шлагбаум», «VIP»), set on the ticket page, by a macro
    or a routing rule; the queue filters by it."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """What a ticket is about (passes, barriers and readers, mobile app, billing…)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A request from a client (domain.md «Ticket»). Its number is its primary key."""

    external_id = models.CharField(
        _("external ID"), max_length=64, unique=True, null=True, blank=True
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    site = models.ForeignKey(
        "clients.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    contact = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    requester_email = models.EmailField(_("requester email"), blank=True)
    type = models.CharField(
        _("type"), max_length=16, choices=TicketType.choices, default=TicketType.STANDARD
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    subject = models.CharField(_("subject"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.CharField(
        _("priority"),
        max_length=16,
        choices=Priority.choices,
        default=Priority.NORMAL,
        db_default=Priority.NORMAL,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        blank=True,
        related_name="watched_tickets",
    )
    policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    is_repeat = models.BooleanField(_("repeat"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    # A duplicate merged into another ticket (issue 15): closed, its messages moved there.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    csat_comment = models.TextField(_("CSAT comment"), blank=True)
    csat_at = models.DateTimeField(_("rated"), null=True, blank=True)
    # Optimistic locking: the later of two concurrent saves is refused.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["client", "-created_at"]),
            models.Index(fields=["client", "category", "resolved_at"]),
            models.Index(fields=["type", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["resolved_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat_score__isnull=True)
                | models.Q(csat_score__gte=1, csat_score__lte=5),
                name="csat_between_1_and_5",
            ),
            # A merged ticket is closed and has its merge time; never merged into itself.
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | models.Q(merged_into__isnull=False, merged_at__isnull=False, status="closed"),
                name="merged_ticket_is_closed",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")),
                name="not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


def attachment_path(instance, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{instance.message.ticket_id}/{filename}"


class TicketMessage(models.Model):
    """A public reply or an internal note (domain.md «TicketMessage»)."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        INTERNAL = "internal", _("Internal note")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        PORTAL = "portal", _("Portal")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        TELEGRAM = "telegram", _("Telegram")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        SYSTEM = "system", _("System")
        RESOLUTION = "resolution", _("Resolution notice")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.EmailField(blank=True)
    from_staff = models.BooleanField(default=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PUBLIC)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    # An automatic acknowledgement does not stop the first-response clock (sla.md).
    is_automatic = models.BooleanField(default=False)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)
    # RFC 5322 Message-ID of a mail that came in or went out: threading and exactly-once intake.
    email_message_id = models.CharField(max_length=300, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.body[:50]}"


class Attachment(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Escalation(models.Model):
    """A raised issue to the head or the CEO (domain.md), with a lifecycle: raised →
    acknowledged → resolved with a decision (``outcome``).

    Its subject is a ticket, a client, a cross-department issue with no record, or a record
    of a higher app (a hand-off, a request to development): such an app keeps the link on
    its side and registers its subject kind (``tickets.escalations.register_subject``), so
    this model names none of them."""

    class Level(models.TextChoices):
        HEAD = "head", _("Head of support")
        CEO = "ceo", _("CEO")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Raised by a person")
        SLA_BREACH = "sla_breach", _("SLA breach")
        CEILING = "ceiling", _("Past the ceiling")

    class Status(models.TextChoices):
        RAISED = "raised", _("Raised")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    # The subject kinds this layer knows; higher apps add theirs (escalations.register_subject).
    SUBJECT_TICKET = "ticket"
    SUBJECT_CLIENT = "client"
    SUBJECT_DEPARTMENT = "department"

    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    subject = models.CharField(_("about"), max_length=32, default=SUBJECT_TICKET)
    level = models.CharField(_("to"), max_length=8, choices=Level.choices)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who received it when raised: the head or the CEO, or the deputy standing in for them.
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations_received",
        verbose_name=_("addressed to"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RAISED
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("decision"), blank=True)
    # Natural key of an automatic escalation (ticket, metric, level): raised once only.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["level", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="raised", acknowledged_at__isnull=True)
                | models.Q(
                    status="acknowledged", acknowledged_at__isnull=False, resolved_at__isnull=True
                )
                | models.Q(
                    status="resolved", acknowledged_at__isnull=False, resolved_at__isnull=False
                ),
                name="escalation_status_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.reason[:60]}"


class SavedView(models.Model):
    """A queue view kept under a name (issue 16): its tab, filters, sort and columns as the
    queue's own query string. Personal (only its owner sees it) or shared with everyone who
    reads the queue."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_queue_views",
        verbose_name=pgettext_lazy("saved view", "owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    shared = models.BooleanField(_("shared with the team"), default=False)
    query = models.CharField(_("filters and sort"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved queue view")
        verbose_name_plural = _("saved queue views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_saved_view_name")
        ]

    def __str__(self) -> str:
        return self.name
