"""Every write of the quality review (architecture.md «A write»): the weekly sample, the
rubric's versions, the scores, the settings."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.lib.periods import Period
from soprovod.quality.models import (
    Criterion,
    ReviewItem,
    ReviewScore,
    ReviewSettings,
    ReviewWeek,
    Rubric,
)
from soprovod.sla.models import ClockStatus, SlaClock
from soprovod.tickets.models import Ticket


class QualityError(ValueError):
    """A change the review rules refuse; the message says why."""


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_week_start(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return week_start_of(today) - dt.timedelta(days=7)


def settings_row() -> ReviewSettings:
    row, _created = ReviewSettings.objects.get_or_create(pk=1)
    return row


def default_criteria() -> list[tuple[str, str, int]]:
    return [
        (_("Correct answer"), _("The answer solves the client's problem."), 5),
        (_("Complete"), _("Nothing the client asked is left unanswered."), 5),
        (_("Tone"), _("Polite, clear, in the client's words."), 5),
        (_("SLA communicated"), _("The client knew what happens next and when."), 5),
        (_("Documented"), _("Category, notes and links are filled in."), 5),
    ]


@transaction.atomic
def current_rubric(actor=None) -> Rubric:
    """The rubric in force: the latest version (the first one, with the usual criteria,
    is made on first use)."""
    rubric = Rubric.objects.order_by("-version").first()
    if rubric is None:
        rubric = do_save_rubric(actor, default_criteria())
    return rubric


@transaction.atomic
def do_save_rubric(actor, criteria: list[tuple[str, str, int]]) -> Rubric:
    """A new version of the rubric: earlier reviews keep the criteria they were scored on."""
    criteria = [(t.strip(), d.strip(), int(m)) for t, d, m in criteria if t.strip()]
    if not criteria:
        raise QualityError(_("A rubric needs at least one criterion."))
    if any(not 1 <= m <= 100 for _t, _d, m in criteria):
        raise QualityError(_("A criterion's maximum score is from 1 to 100."))
    latest = Rubric.objects.select_for_update().order_by("-version").first()
    rubric = Rubric.objects.create(
        version=(latest.version + 1) if latest else 1,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Criterion.objects.bulk_create(
        [
            Criterion(rubric=rubric, position=i, title=t, description=d, max_score=m)
            for i, (t, d, m) in enumerate(criteria)
        ]
    )
    record(
        actor,
        rubric,
        AuditEvent.Action.CREATED,
        {"criteria": ["", ", ".join(t for t, _d, _m in criteria)]},
    )
    return rubric


@transaction.atomic
def do_save_settings(actor, *, reviewer, random_count: int) -> ReviewSettings:
    row = ReviewSettings.objects.select_for_update().get(pk=settings_row().pk)
    before = {"reviewer": str(row.reviewer or ""), "random_count": str(row.random_count)}
    row.reviewer = reviewer
    row.random_count = random_count
    row.save()
    after = {"reviewer": str(row.reviewer or ""), "random_count": str(row.random_count)}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record(actor, row, AuditEvent.Action.UPDATED, changes)
    return row


def sample_candidates(week_start: dt.date):
    """Tickets resolved in the week (Monday to Sunday, department time), each with the
    rules that take it: rated 3 or below, SLA breached, reopened."""
    period = Period(week_start, week_start + dt.timedelta(days=6))
    breached = SlaClock.objects.filter(ticket=OuterRef("pk"), status=ClockStatus.BREACHED)
    return (
        Ticket.objects.filter(
            resolved_at__gte=period.start_at,
            resolved_at__lt=period.end_at,
            merged_into__isnull=True,
        )
        .annotate(is_breached=Exists(breached))
        .order_by("pk")
    )


@transaction.atomic
def do_build_week(week_start: dt.date, *, reviewer=None) -> ReviewWeek:
    """The week's sample: every ticket resolved in it that was rated 3 or below, breached
    its SLA or was reopened, plus ``random_count`` random ones of the rest. Idempotent: a
    second run adds the tickets the rules take that are not there yet (a late rating), never
    a second random draw; the random draw is seeded by the week, so it is repeatable."""
    week_start = week_start_of(week_start)
    options = settings_row()
    week, created = ReviewWeek.objects.get_or_create(
        week_start=week_start, defaults={"reviewer": reviewer or options.reviewer}
    )
    week = ReviewWeek.objects.select_for_update().get(pk=week.pk)
    have = set(week.items.values_list("ticket_id", flat=True))
    rows = list(
        sample_candidates(week_start).values_list(
            "pk", "assignee_id", "csat_score", "is_breached", "reopened_count"
        )
    )
    new = []
    rest = []
    for pk, agent, csat, breached, reopened in rows:
        low = csat is not None and csat <= 3
        if low or breached or reopened:
            if pk not in have:
                new.append(
                    ReviewItem(
                        week=week,
                        ticket_id=pk,
                        agent_id=agent,
                        low_rating=low,
                        breached=breached,
                        reopened=reopened > 0,
                    )
                )
        elif pk not in have:
            rest.append((pk, agent))
    if not week.items.filter(is_random=True).exists():
        draw = random.Random(week_start.toordinal())  # noqa: S311 - a sample, not a secret
        for pk, agent in draw.sample(rest, min(options.random_count, len(rest))):
            new.append(ReviewItem(week=week, ticket_id=pk, agent_id=agent, is_random=True))
    ReviewItem.objects.bulk_create(new, ignore_conflicts=True)
    if created or new:
        record(None, week, AuditEvent.Action.UPDATED, {"tickets": ["", str(len(new))]})
    return week


@transaction.atomic
def do_score(actor, item: ReviewItem, scores: dict[int, int], comment: str = "") -> ReviewItem:
    """Score a sampled ticket on each criterion of the rubric (the one in force for a first
    review; the item's own rubric when it is scored again)."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    rubric = item.rubric or current_rubric(actor)
    criteria = list(rubric.criteria.all())
    missing = [c.title for c in criteria if c.pk not in scores]
    if missing:
        raise QualityError(_("Score every criterion: %(names)s.") % {"names": ", ".join(missing)})
    for criterion in criteria:
        value = scores[criterion.pk]
        if not 0 <= value <= criterion.max_score:
            raise QualityError(
                _("«%(name)s» is scored from 0 to %(max)s.")
                % {"name": criterion.title, "max": criterion.max_score}
            )
    ReviewScore.objects.filter(item=item).delete()
    ReviewScore.objects.bulk_create(
        [ReviewScore(item=item, criterion=c, score=scores[c.pk]) for c in criteria]
    )
    item.rubric = rubric
    item.comment = comment
    item.reviewed_at = timezone.now()
    item.reviewed_by = actor if getattr(actor, "pk", None) else None
    item.save()
    record(
        actor,
        item,
        AuditEvent.Action.UPDATED,
        {"scores": ["", ", ".join(f"{c.title}: {scores[c.pk]}" for c in criteria)]},
        reason=comment,
    )
    return item
