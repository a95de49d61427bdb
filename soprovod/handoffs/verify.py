"""`soprovod verify`, hand-offs: each agreement round's stored due time, warning instant and
elapsed clock time against their recomputation from its submission, calendar and target
(`actions.deadlines`, `sla.agreement.between`), e.g. after a holiday was added."""

from __future__ import annotations

from soprovod.core.verify import Difference, Report, Tally
from soprovod.handoffs.actions import deadlines, do_repair_round
from soprovod.handoffs.models import HandoffRound
from soprovod.sla import agreement as agreement_clock

FIX_REASON = "verify --fix"


def recomputed(agreement: HandoffRound) -> dict:
    warn_at, due_at = deadlines(
        agreement.calendar, agreement.submitted_at, agreement.target_seconds
    )
    elapsed = (
        agreement_clock.between(agreement.calendar, agreement.submitted_at, agreement.answered_at)
        if agreement.answered_at is not None
        else None
    )
    return {"due_at": due_at, "warn_at": warn_at, "elapsed_seconds": elapsed}


def check_handoff_rounds(report: Report, *, fix: bool = False, actor=None) -> Tally:
    tally = Tally()
    rounds = HandoffRound.objects.select_related("calendar").order_by("pk")
    for agreement in rounds.iterator(chunk_size=2000):
        tally.checked += 1
        wrong = {
            name: value
            for name, value in recomputed(agreement).items()
            if getattr(agreement, name) != value
        }
        for name, value in wrong.items():
            subject = f"hand-off #{agreement.handoff_id} round {agreement.number}"
            report(Difference(subject, name, getattr(agreement, name), value))
        if wrong and fix:
            do_repair_round(actor, agreement, reason=FIX_REASON, **wrong)
            tally.fixed += len(wrong)
    return tally
