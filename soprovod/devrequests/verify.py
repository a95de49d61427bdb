"""`soprovod verify`, requests to development: each agreement round's stored due time,
warning instant and elapsed clock time against their recomputation from its submission,
calendar and target (`clock`), e.g. after a holiday was added to the calendar."""

from __future__ import annotations

from soprovod.core.verify import Difference, Report, Tally
from soprovod.devrequests import clock
from soprovod.devrequests.actions import do_repair_round
from soprovod.devrequests.models import AgreementRound

FIX_REASON = "verify --fix"


def recomputed(current: AgreementRound) -> dict:
    warn_at, due_at = clock.deadlines(
        current.calendar, current.submitted_at, current.target_seconds
    )
    elapsed = (
        clock.between(current.calendar, current.submitted_at, current.ended_at)
        if current.ended_at is not None
        else None
    )
    return {"due_at": due_at, "warn_at": warn_at, "elapsed_seconds": elapsed}


def check_agreement_rounds(report: Report, *, fix: bool = False, actor=None) -> Tally:
    tally = Tally()
    rounds = AgreementRound.objects.select_related("calendar").order_by("pk")
    for current in rounds.iterator(chunk_size=2000):
        tally.checked += 1
        wrong = {
            name: value
            for name, value in recomputed(current).items()
            if getattr(current, name) != value
        }
        for name, value in wrong.items():
            subject = f"request DEV-{current.request_id} round {current.number}"
            report(Difference(subject, name, getattr(current, name), value))
        if wrong and fix:
            do_repair_round(actor, current, reason=FIX_REASON, **wrong)
            tally.fixed += len(wrong)
    return tally
