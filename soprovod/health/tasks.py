"""Background jobs of the health score: a thin wrapper around `actions.do_recompute`,
idempotent per client and day (a run replaces the day's rows). A client whose input changed is
recomputed on commit of that change (`signals`), not here."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from soprovod.health import actions


@shared_task(name="health.recompute_all", acks_late=True)
def recompute_all(day: str | None = None) -> int:
    """Nightly (and after the settings change): every scored client, for today."""
    return actions.do_recompute(dt.date.fromisoformat(day) if day else None).scored
