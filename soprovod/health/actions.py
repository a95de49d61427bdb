"""Every write of the health app: the scores (nightly and when an input changes), the
settings (versioned, audited) and the success manager's sentiment (audited).

A day's score is a cache of the rule (`scoring`) applied to the inputs (`inputs`) as of that
day: recomputing it replaces the client's row of the day, so the nightly run and the
recomputations after an input changed are idempotent per client and day. A drop into red is
judged against the client's last score of an earlier day, so recomputing a day again never
invents a second drop; when one happens, a churn case is opened (success) on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from soprovod.audit import recorder
from soprovod.clients.models import Client
from soprovod.core.errors import StaleObjectError
from soprovod.health import config as health_config
from soprovod.health import inputs, scoring, tasks
from soprovod.health.models import ClientSentiment, HealthConfig, HealthScore
from soprovod.success.actions import do_open_churn_case
from soprovod.success.models import ChurnSource

SCORE_FIELDS = [
    "computed_at",
    "score",
    "band",
    "dropped_from",
    "config_version",
    "measures",
    "flags",
    "facts",
]


def compute(
    day: dt.date,
    client_ids: Iterable[int] | None = None,
    settings: health_config.Settings | None = None,
) -> dict[int, dict]:
    """``{client_id: field values of its HealthScore}`` as of ``day`` (not saved)."""
    settings = settings or health_config.current()
    gathered = inputs.gather(day, client_ids)
    result = {}
    for pk, item in gathered.items():
        scored = scoring.combine(item.raw, settings.weights, settings.points)
        result[pk] = {
            "score": scored.score,
            "band": settings.band(scored.score),
            "config_version": settings.version,
            "measures": [m.as_json() for m in scored.measures],
            "flags": item.flags,
            "facts": item.facts,
        }
    return result


def _previous_bands(day: dt.date, client_ids: list[int]) -> dict[int, str]:
    """Each client's band on its last scored day before ``day``, within a year (one query,
    a window function)."""
    rows = (
        HealthScore.objects.filter(
            day__lt=day, day__gte=day - dt.timedelta(days=366), client_id__in=client_ids
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("client_id")], order_by=[F("day").desc()])
        )
        .filter(rank=1)
        .values_list("client_id", "band")
    )
    return dict(rows)


@dataclass
class Recomputed:
    day: dt.date
    scored: int  # clients whose row was written
    dropped_into_red: list[int]  # client ids


def open_churn_cases(client_ids: list[int]) -> None:
    """A drop into red opens a churn case (issue 11), one per client: `do_open_churn_case`
    returns the open one when there is one already."""
    for client in Client.objects.filter(pk__in=client_ids).select_related("success_manager"):
        do_open_churn_case(client, source=ChurnSource.HEALTH, actor=None)


def do_recompute(day: dt.date | None = None, client_ids: Iterable[int] | None = None) -> Recomputed:
    """Compute and store the scores of every scored client (or of ``client_ids``) for ``day``
    (today by default), in a fixed number of queries."""
    day = day or timezone.localdate()
    now = timezone.now()
    ids = None if client_ids is None else sorted(set(client_ids))
    with transaction.atomic():
        values = compute(day, ids)
        previous = _previous_bands(day, list(values))
        rows = []
        dropped = []
        for pk, fields in values.items():
            before = previous.get(pk, "")
            drop = fields["band"] == scoring.RED and before not in ("", scoring.RED)
            if drop:
                dropped.append(pk)
            rows.append(
                HealthScore(
                    client_id=pk,
                    day=day,
                    computed_at=now,
                    dropped_from=before if drop else "",
                    **fields,
                )
            )
        if rows:
            HealthScore.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["client", "day"],
                update_fields=SCORE_FIELDS,
            )
        # A churn case opens for today's drops (a backfill of past days is history only),
        # once the scores are saved; a failure there is logged, the scores stay.
        if dropped and day == timezone.localdate():
            transaction.on_commit(lambda: open_churn_cases(dropped), robust=True)
    return Recomputed(day, len(rows), dropped)


# ---- settings ------------------------------------------------------------------------------


def do_update_settings(
    actor,
    *,
    weights: dict[str, float],
    points: dict[str, list],
    red_below: int,
    green_from: int,
    comment: str = "",
    expected_version: int | None = None,
) -> HealthConfig:
    """Save a new version of the settings (the old ones stay, each score names its version),
    audited with what changed; then recompute today's scores with it."""
    with transaction.atomic():
        latest = HealthConfig.objects.select_for_update().order_by("-version").first()
        current_version = latest.version if latest is not None else 0
        if expected_version is not None and expected_version != current_version:
            raise StaleObjectError(latest)
        before = health_config.current()
        row = HealthConfig.objects.create(
            version=current_version + 1,
            weights={k: float(v) for k, v in weights.items()},
            points={k: [list(p) for p in v] for k, v in points.items()},
            red_below=red_below,
            green_from=green_from,
            comment=comment,
            created_by=actor,
        )
        changes = {}
        for key in scoring.MEASURE_KEYS:
            old_w, new_w = before.weights.get(key), row.weights.get(key)
            if old_w != new_w:
                changes[f"weight.{key}"] = [_plain(old_w), _plain(new_w)]
            old_p = scoring.format_points(before.points.get(key, []))
            new_p = scoring.format_points(row.points.get(key, []))
            if old_p != new_p:
                changes[f"bands.{key}"] = [old_p, new_p]
        if before.red_below != red_below:
            changes["red_below"] = [before.red_below, red_below]
        if before.green_from != green_from:
            changes["green_from"] = [before.green_from, green_from]
        recorder.record(actor, row, "update", changes, reason=comment)
        transaction.on_commit(lambda: _recompute_today())
    return row


def _plain(number: float | None):
    """15.0 → 15 in the audit trail (a weight with decimals stays as written)."""
    if number is None:
        return None
    return int(number) if float(number).is_integer() else str(number)


def _recompute_today() -> None:
    tasks.recompute_all.delay()


# ---- sentiment -----------------------------------------------------------------------------


def do_set_sentiment(actor, client, *, score: int, note: str = "", version: int | None = None):
    """The success manager's sentiment about ``client`` (1–5), audited; ``version`` is the
    one the form was opened with (a stale save is refused)."""
    with transaction.atomic():
        current = ClientSentiment.objects.select_for_update().filter(client=client).first()
        if current is None:
            if version not in (None, 0):
                raise StaleObjectError(client)
            row = ClientSentiment.objects.create(
                client=client, score=score, note=note, updated_by=actor
            )
            recorder.record(
                actor, row, "create", {"score": [None, score], "note": [None, note]}, parent=client
            )
            return row
        if version is not None and version != current.version:
            raise StaleObjectError(current)
        changes = recorder.diff(
            {"score": current.score, "note": current.note}, {"score": score, "note": note}
        )
        if not changes:
            return current
        current.score, current.note = score, note
        current.updated_by, current.updated_at = actor, timezone.now()
        current.version += 1
        current.save()
        recorder.record(actor, current, "update", changes, parent=client)
        return current
