"""`soprovod verify`, customer success: each claim's stored response deadline against its
recomputation from the receipt date and the term (`deadlines.response_due`)."""

from __future__ import annotations

from soprovod.core.verify import Difference, Report, Tally
from soprovod.success import deadlines
from soprovod.success.actions import do_repair_claim_deadline
from soprovod.success.models import Claim

FIX_REASON = "verify --fix"


def check_claim_deadlines(report: Report, *, fix: bool = False, actor=None) -> Tally:
    tally = Tally()
    claims = Claim.objects.only("pk", "number", "received_on", "response_days", "response_due_on")
    for claim in claims.order_by("pk").iterator(chunk_size=2000):
        tally.checked += 1
        expected = deadlines.response_due(claim.received_on, claim.response_days)
        if claim.response_due_on == expected:
            continue
        report(
            Difference(f"claim {claim.number}", "response_due_on", claim.response_due_on, expected)
        )
        if fix:
            do_repair_claim_deadline(actor, claim, reason=FIX_REASON)
            tally.fixed += 1
    return tally
