"""Which claims, churn cases and notes a user may read and change (the role capabilities
are in `soprovod.accounts.permissions`). An object the user may not read answers 404; a
change the user may not make, 403."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from soprovod.accounts.permissions import (
    can_log_client_notes,
    can_see_churn_cases,
    can_see_claims,
    can_work_churn_cases,
    can_work_claims,
    can_work_every_claim,
    reads_all_clients,
    require,
)
from soprovod.clients.permissions import clients_visible_to
from soprovod.success.models import CallNote, ChurnCase, Claim


def claims_visible_to(user) -> QuerySet[Claim]:
    """The head, the success managers and the CEO read the whole register; nobody else
    (client contacts, sales, development, support engineers) reads any claim."""
    claims = Claim.objects.all()
    return claims if can_see_claims(user) else claims.none()


def can_edit_claim(user, claim: Claim) -> bool:
    """The head edits every claim; a success manager the claims they own or that concern
    their clients."""
    if can_work_every_claim(user):
        return True
    if not can_work_claims(user):
        return False
    return claim.owner_id == user.pk or claim.client.success_manager_id == user.pk


def claims_editable_by(user) -> Q:
    if can_work_every_claim(user):
        return Q()
    return Q(owner=user) | Q(client__success_manager=user)


def get_claim_or_404(user, pk: int, *, for_update: bool = False) -> Claim:
    claim = (
        claims_visible_to(user)
        .select_related("client", "owner", "client__success_manager")
        .filter(pk=pk)
        .first()
    )
    require(claim is not None, hidden=True)
    require(not for_update or can_edit_claim(user, claim))
    return claim


# ---- churn cases ---------------------------------------------------------------------------


def cases_visible_to(user) -> QuerySet[ChurnCase]:
    """The head, the success managers and the CEO read every churn case; nobody else."""
    cases = ChurnCase.objects.all()
    return cases if can_see_churn_cases(user) else cases.none()


def can_edit_case(user, case: ChurnCase) -> bool:
    """The head works every case; a success manager the cases they own or of their clients."""
    if can_work_every_claim(user):
        return True
    if not can_work_churn_cases(user):
        return False
    return case.owner_id == user.pk or case.client.success_manager_id == user.pk


def get_case_or_404(user, pk: int, *, for_update: bool = False) -> ChurnCase:
    case = (
        cases_visible_to(user)
        .select_related("client", "owner", "reason", "client__success_manager")
        .filter(pk=pk)
        .first()
    )
    require(case is not None, hidden=True)
    require(not for_update or can_edit_case(user, case))
    return case


# ---- notes of calls and meetings -------------------------------------------------------------


def can_log_note_for(user, client) -> bool:
    """Support staff log notes on the clients they may read (all of them, by role)."""
    return can_log_client_notes(user) and clients_visible_to(user).filter(pk=client.pk).exists()


def notes_visible_to(user) -> QuerySet[CallNote]:
    """Notes of the clients the user reads, for the support department and the CEO; sales
    and client contacts read none (they are the department's working notes)."""
    if not reads_all_clients(user):
        return CallNote.objects.none()
    return CallNote.objects.filter(client__in=clients_visible_to(user))
