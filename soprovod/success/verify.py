"""`soprovod verify`, customer success: each claim's stored response deadline against its
recomputation from the receipt date and the term (`deadlines.response_due`); each client
lost by a churn case is churned."""

from __future__ import annotations

from soprovod.clients.models import ClientStatus
from soprovod.core.verify import Difference, Report, Tally
from soprovod.success import deadlines
from soprovod.success.actions import do_repair_claim_deadline
from soprovod.success.models import ChurnCase, ChurnOutcome, Claim

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


def check_churn_statuses(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """A client whose churn case ended «lost» is churned, on the outcome date or before (a
    later status change may have brought it back only if a later case saved it). Reported,
    never fixed: which is right — the case or the status — is a person's call."""
    tally = Tally()
    lost = (
        ChurnCase.objects.filter(outcome=ChurnOutcome.LOST)
        .select_related("client")
        .order_by("client_id", "-outcome_on", "-pk")
    )
    seen: set[int] = set()
    for case in lost.iterator(chunk_size=2000):
        if case.client_id in seen:
            continue
        seen.add(case.client_id)
        tally.checked += 1
        later = ChurnCase.objects.filter(
            client_id=case.client_id, outcome_on__gt=case.outcome_on
        ).exclude(outcome=ChurnOutcome.LOST)
        if later.exists() or case.client.status == ClientStatus.CHURNED:
            continue
        report(
            Difference(
                f"client {case.client.external_id or case.client_id}",
                "status",
                case.client.status,
                ClientStatus.CHURNED.value,
            )
        )
    return tally
