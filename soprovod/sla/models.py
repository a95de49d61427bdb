"""SLA storage: work calendars, policies with per-type targets, and per-ticket clocks
(sla.md). The arithmetic lives in `soprovod.lib.businesstime`; clock rules in `clocks.py`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import validate_timezone


class TicketType(models.TextChoices):
    """The kinds of ticket an SLA policy sets targets for (sla.md «Targets»)."""

    EMERGENCY = "emergency", _("Emergency")
    STANDARD = "standard", _("Standard")
    CONSULTATION = "consultation", _("Consultation")


def default_weekly_hours() -> dict[str, list[list[str]]]:
    """Monday–Friday 09:00–18:00, no lunch break (sla.md «Business time»)."""
    return {str(day): [["09:00", "18:00"]] for day in range(5)}


class WorkCalendar(models.Model):
    """Working hours plus dated overrides (holidays, transfers, short days)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    is_24x7 = models.BooleanField(_("24/7"), default=False)
    # {"0": [["09:00", "13:00"], ["14:00", "18:00"]], ...}: weekday 0 = Monday.
    weekly_hours = models.JSONField(_("weekly hours"), default=default_weekly_hours, blank=True)
    # Hours of a working Saturday (a `working_day` override); empty = Friday's hours.
    working_day_hours = models.JSONField(_("hours of a working day-off"), default=list, blank=True)
    # Past the last year of loaded data, follow the Labour Code's art. 112 rules.
    russian_fallback = models.BooleanField(_("Russian production calendar rules"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    # Bumped on every change, so cached tables and open clocks know to recompute.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A dated override of the weekly hours (sla.md: holiday, day_off, working_day, short_day)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        DAY_OFF = "day_off", _("Day off (transferred)")
        WORKING_DAY = "working_day", _("Working day (transferred)")
        SHORT_DAY = "short_day", _("Shortened pre-holiday day")

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="unique_calendar_day")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()}"


class SlaPolicy(models.Model):
    """Targets per ticket type and metric, warnings and the escalation chain."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    warning_ratio = models.DecimalField(
        _("warning threshold"),
        max_digits=3,
        decimal_places=2,
        default=0.80,
        validators=[MinValueValidator(0.1), MaxValueValidator(0.99)],
        help_text=_("Share of the allowed time after which the assignee is warned."),
    )
    # A retired policy is assigned to nothing new; the tickets that followed it keep their
    # clocks and outcomes (it is never deleted once a ticket used it).
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class PolicyRule(models.Model):
    """Which policy a client's tickets get (SLA по договору): for one client, or for every
    client of a tariff or a segment. `queries.policy_for` reads them: the client's own rule
    first, then tariff and segment rules in ``position`` order, then the default policy."""

    class Kind(models.TextChoices):
        CLIENT = "client", _("Client")
        TARIFF = "tariff", _("Tariff")
        SEGMENT = "segment", _("Segment")

    kind = models.CharField(_("applies to"), max_length=16, choices=Kind.choices)
    client = models.OneToOneField(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_rule",
    )
    # The tariff or segment, as written on the client (compared without case).
    value = models.CharField(_("value"), max_length=100, blank=True)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="rules"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA assignment rule")
        verbose_name_plural = _("SLA assignment rules")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="client", client__isnull=False, value=""))
                | (
                    models.Q(kind__in=["tariff", "segment"], client__isnull=True)
                    & ~models.Q(value="")
                ),
                name="sla_rule_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CLIENT:
            target = str(self.client) if self.client_id else "?"
        else:
            target = self.value
        return f"{self.get_kind_display()} «{target}» → {self.policy}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    RESOLUTION_CEILING = "resolution_ceiling", _("Resolution ceiling")


class SlaTarget(models.Model):
    """One metric of one ticket type in a policy: a business-time target on its calendar,
    an optional calendar-time ceiling, and who is told at warning and breach."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    ticket_type = models.CharField(_("ticket type"), max_length=16, choices=TicketType.choices)
    metric = models.CharField(
        _("metric"),
        max_length=24,
        choices=[
            (Metric.FIRST_RESPONSE, Metric.FIRST_RESPONSE.label),
            (Metric.RESOLUTION, Metric.RESOLUTION.label),
        ],
    )
    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    target_minutes = models.PositiveIntegerField(
        _("target, business minutes"), validators=[MinValueValidator(1)]
    )
    ceiling_minutes = models.PositiveIntegerField(
        _("ceiling, calendar minutes"),
        null=True,
        blank=True,
        help_text=_("The due time can be extended with a reason, never past this."),
    )
    escalate_to_ceo = models.BooleanField(
        _("escalate a breach to the CEO"),
        default=False,
        help_text=_("Emergencies: a breach is escalated to the CEO as well as to the head."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "ticket_type", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "ticket_type", "metric"], name="unique_sla_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_ticket_type_display()} / {self.get_metric_display()}"

    def clean(self) -> None:
        if self.ceiling_minutes and self.metric != Metric.RESOLUTION:
            raise ValidationError(
                {"ceiling_minutes": _("Only the resolution target has a ceiling.")}
            )


class ClockStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class SlaClock(models.Model):
    """The state of one metric of one ticket (sla.md «Clocks»).

    The due time is ``add(started_at, target + extension + paused_seconds)``; the business
    time run is ``between(started_at, t)`` minus every pause. ``resolution_ceiling`` runs on
    calendar time (``calendar`` is null), pauses with the resolution clock and is never
    earlier than the resolution target (`sla.clocks`, `lib.clockrules`).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    calendar = models.ForeignKey(
        WorkCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    calendar_version = models.PositiveIntegerField(default=0)
    target_seconds = models.PositiveIntegerField()
    extension_seconds = models.PositiveIntegerField(default=0)
    # The latest due time an extension may reach (the ceiling), if any.
    ceiling_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    # Kept while paused (a pause that ends moves it). Null only for a clock written outside
    # sla/clocks.py: pages show «срок не рассчитан» and `soprovod verify` reports it.
    due_at = models.DateTimeField(null=True, blank=True, help_text="null: not calculated")
    paused_since = models.DateTimeField(null=True, blank=True)
    # Business seconds spent in closed pauses (and between a resolution and a reopening)
    # that began on or before the due time: they moved it.
    paused_seconds = models.PositiveIntegerField(default=0)
    # Business seconds of closed pauses that began after the due time: they leave the due
    # time and the breach as they were, yet the clock did not run (sla.md «Pauses and due
    # times»).
    late_paused_seconds = models.PositiveIntegerField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Business seconds the clock ran, set when it stops.
    elapsed_seconds = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ClockStatus.choices, default=ClockStatus.PENDING
    )
    # Set when a closed ticket's outcome is final: recalculation never touches it again.
    frozen = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric"], name="unique_ticket_metric")
        ]
        indexes = [
            # the queue: running clocks by due time ("breaching soon", "breached")
            models.Index(fields=["stopped_at", "due_at"], name="sla_clock_running_due"),
            # the queue, per ticket: its running clock due first (bench/ticket_queue.py)
            models.Index(
                fields=["ticket", "due_at"],
                condition=models.Q(stopped_at__isnull=True, paused_since__isnull=True),
                name="sla_clock_ticket_running_due",
            ),
            models.Index(fields=["metric", "status"]),
            models.Index(fields=["calendar", "frozen"]),
            # KPI: does a ticket have a breached or running clock? (bench/kpi.py; the
            # covering columns are used on PostgreSQL, other databases ignore them)
            models.Index(
                fields=["ticket"],
                include=["status", "due_at", "paused_since", "stopped_at"],
                condition=models.Q(status="breached") | models.Q(stopped_at__isnull=True),
                name="sla_clock_kpi_unsettled",
            ),
            # KPI: the stopped clocks' business minutes per ticket, for the percentiles.
            models.Index(
                fields=["ticket", "metric"],
                include=["elapsed_seconds", "id"],
                condition=models.Q(
                    stopped_at__isnull=False, metric__in=["first_response", "resolution"]
                ),
                name="sla_clock_kpi_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.metric}: {self.status}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_since is None


class SlaPause(models.Model):
    """An interval in which the resolution clock did not run (waiting for the client, or the
    time between a resolution and a reopening)."""

    class Reason(models.TextChoices):
        WAITING_CLIENT = "waiting_client", _("Waiting for the client")
        RESOLVED = "resolved", _("Resolved, then reopened")

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.WAITING_CLIENT)

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["clock", "started_at"])]

    def __str__(self) -> str:
        return f"{self.clock_id}: {self.started_at} – {self.ended_at or '…'}"


class SlaNotification(models.Model):
    """One warning or breach notice per ticket, metric and threshold — the natural key that
    makes the checker idempotent however often it runs or restarts."""

    class Threshold(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="notifications")
    threshold = models.CharField(max_length=16, choices=Threshold.choices)
    # The due time the notice was about: an extension gives a new due time and a new notice.
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "threshold", "due_at"], name="unique_sla_notice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock}: {self.threshold}"
