"""The head's weekly meetings and their action items (domain.md «Meeting / ActionItem»).

A `MeetingSeries` is the template of a recurring meeting: the weekly team meeting
(планёрка) and the weekly meeting with the heads of sales and development. It says when the
meeting is held (weekday, time in the department's zone, duration), who chairs it, who takes
part and which agenda sections it has. `Meeting` rows are generated ahead from it, one per
series and date (the natural key).

The agenda is built from the data by the sections of ``meetings.agenda``; when the meeting
starts it is stored (``agenda``, with ``agenda_at``), so a later look shows what was
discussed, not today's data. An `ActionItem` (поручение) has an owner, a due date and
optionally the record it is about (``record_kind`` + ``record_id``, see ``meetings.links``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingKind(models.TextChoices):
    TEAM = "team", _("Team meeting")
    CROSS = "cross", _("Meeting with sales and development")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")


class MeetingSeries(models.Model):
    """A recurring meeting and its template."""

    kind = models.CharField(_("kind"), max_length=8, choices=MeetingKind.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    start_time = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration, minutes"),
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), blank=True, related_name="+"
    )
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    # The agenda sections of this meeting, in order (keys of meetings.agenda's registry).
    sections = models.JSONField(_("agenda sections"), default=list, blank=True)
    # The skeleton the minutes start from.
    minutes_template = models.TextField(_("minutes template"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", pgettext_lazy("meeting", "In progress")
    CLOSED = "closed", _("Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")


def new_uid() -> str:
    return f"{uuid.uuid4()}@soprovod"


class Meeting(models.Model):
    """One meeting of a series: its time, participants, agenda snapshot and minutes."""

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    # The date the series planned it for: the natural key of the generator.
    occurs_on = models.DateField(_("planned for"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participants"),
        blank=True,
        related_name="meetings",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    started_at = models.DateTimeField(pgettext_lazy("meeting", "started"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("meeting", "closed"), null=True, blank=True)
    # The agenda as of ``agenda_at`` (meetings.agenda.Agenda.as_json), stored at the start.
    agenda = models.JSONField(null=True, blank=True)
    agenda_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(pgettext_lazy("meeting", "minutes"), blank=True)
    # The calendar event (RFC 5545): one UID for the meeting, SEQUENCE raised per change.
    ical_uid = models.CharField(max_length=100, unique=True, default=new_uid)
    ical_sequence = models.PositiveIntegerField(default=0)
    # Mail markers (idempotent sending): the sequence last mailed, when the minutes went out.
    invited_sequence = models.IntegerField(default=-1)
    minutes_mailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "occurs_on"], name="one_meeting_a_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.starts_at):%d.%m.%Y}"

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED


class ActionItem(models.Model):
    """An action item (поручение) given at a meeting: owner, due date, the record it is
    about, and the result it was closed with. kpi.md «team.tasks_on_time» counts them."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("action item"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_on = models.DateField(_("due"))
    # The record it is about: a kind of meetings.links and its primary key; the label is
    # what the record was called when the item was given (shown without a query per row).
    record_kind = models.CharField(_("about"), max_length=24, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    record_label = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Closed: the instant, its date in the department's zone (what «on time» compares with
    # the due date), who closed it and the result.
    closed_at = models.DateTimeField(pgettext_lazy("meeting", "closed"), null=True, blank=True)
    closed_on = models.DateField(_("done on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("result"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, closed_on__isnull=True)
                | models.Q(closed_at__isnull=False, closed_on__isnull=False),
                name="closed_item_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(record_kind="", record_id__isnull=True)
                | (~models.Q(record_kind="") & models.Q(record_id__isnull=False)),
                name="action_item_record_pair",
            ),
        ]
        indexes = [
            # kpi.md «team.tasks_on_time»: items due in a period.
            models.Index(fields=["due_on"]),
            models.Index(fields=["owner", "closed_at"]),
            models.Index(fields=["closed_at", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
