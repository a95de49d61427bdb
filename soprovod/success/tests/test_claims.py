import datetime as dt
from decimal import Decimal

import pytest

from soprovod.audit.models import AuditEvent
from soprovod.core.errors import StaleObjectError
from soprovod.core.models import Notification
from soprovod.success import actions, queries
from soprovod.success.models import Claim, ClaimNotice, ClaimOutcome
from soprovod.tickets.models import Escalation

pytestmark = pytest.mark.django_db


def test_create_fills_inn_term_and_deadline(claim, companies):
    assert claim.counterparty_inn == companies.a.inn
    assert claim.response_days == 30
    assert claim.response_due_on == dt.date(2027, 1, 14)
    assert AuditEvent.objects.filter(object_id=str(claim.pk), action="created").exists()


def test_contract_term_of_the_client_overrides_thirty_days(staff, companies):
    actions.do_save_client_profile(staff.head, companies.b, claim_response_days=10)
    claim = actions.do_create_claim(
        staff.csm2, client=companies.b, received_on=dt.date(2026, 2, 25), basis="Счёт"
    )
    assert claim.response_days == 10
    assert claim.response_due_on == dt.date(2026, 3, 7)  # over the end of February
    assert claim.number.startswith("П-")


def test_update_moves_the_deadline_and_checks_version(claim, staff):
    updated = actions.do_update_claim(
        staff.csm, claim, expected_version=1, received_on=dt.date(2026, 12, 20)
    )
    assert updated.response_due_on == dt.date(2027, 1, 19)
    assert updated.version == 2
    with pytest.raises(StaleObjectError):
        actions.do_update_claim(staff.csm, claim, expected_version=1, contract="Д-1")


def test_dates_must_make_sense(staff, companies):
    with pytest.raises(actions.ClaimError):
        actions.do_create_claim(
            staff.csm,
            client=companies.a,
            basis="x",
            sent_on=dt.date(2026, 3, 10),
            received_on=dt.date(2026, 3, 1),
        )


def test_open_claims_for_health(claim, staff, companies):
    other = actions.do_create_claim(staff.csm2, client=companies.b, basis="Другое")
    assert queries.open_claim_counts() == {companies.a.pk: 1, companies.b.pk: 1}
    actions.do_update_claim(staff.csm2, other, outcome=ClaimOutcome.WITHDRAWN)
    assert queries.open_claim_counts([companies.a.pk, companies.b.pk]) == {companies.a.pk: 1}
    assert list(queries.open_claims([companies.a])) == [claim]


def test_warnings_once_each(claim, staff):
    before = dt.date(2027, 1, 6)
    assert actions.do_check_claim_deadlines(before).warnings == 0
    seven = dt.date(2027, 1, 7)
    assert actions.do_check_claim_deadlines(seven).warnings == 1
    assert actions.do_check_claim_deadlines(seven).warnings == 0
    assert actions.do_check_claim_deadlines(dt.date(2027, 1, 9)).warnings == 0
    assert actions.do_check_claim_deadlines(dt.date(2027, 1, 12)).warnings == 1
    assert actions.do_check_claim_deadlines(dt.date(2027, 1, 13)).warnings == 0
    kinds = list(ClaimNotice.objects.filter(claim=claim).values_list("kind", flat=True))
    assert sorted(kinds) == ["warn_2", "warn_7"]
    assert Notification.objects.filter(recipient=staff.csm).count() == 2
    assert not Escalation.objects.exists()


def test_missed_deadline_escalates_once_to_head_and_ceo(claim, staff, companies):
    result = actions.do_check_claim_deadlines(dt.date(2027, 1, 15))
    assert result.missed == 1
    escalations = Escalation.objects.order_by("level")
    assert [(e.level, e.client_id, e.ticket_id) for e in escalations] == [
        ("ceo", companies.a.pk, None),
        ("head", companies.a.pk, None),
    ]
    assert actions.do_check_claim_deadlines(dt.date(2027, 1, 16)).missed == 0
    assert Escalation.objects.count() == 2
    for person in (staff.head, staff.ceo, staff.csm):
        assert Notification.objects.filter(recipient=person, key__endswith=":missed").count() == 1


def test_answered_claims_are_left_alone(claim, staff):
    actions.do_update_claim(staff.csm, claim, replied_on=dt.date(2027, 1, 5))
    assert actions.do_check_claim_deadlines(dt.date(2027, 1, 20)).missed == 0
    assert not Escalation.objects.exists()


def test_claims_to_clients_are_not_escalated(staff, companies):
    actions.do_create_claim(
        staff.csm,
        client=companies.a,
        direction="to_client",
        basis="Долг по оплате",
        principal_rub=Decimal(1000),
        received_on=dt.date(2026, 1, 1),
    )
    assert actions.do_check_claim_deadlines(dt.date(2026, 3, 1)).missed == 0


def test_verify_recomputes_a_wrong_deadline(claim, staff):
    from soprovod.success.verify import check_claim_deadlines

    Claim.objects.filter(pk=claim.pk).update(response_due_on=dt.date(2027, 1, 1))
    found = []
    tally = check_claim_deadlines(found.append, fix=True, actor=staff.head)
    assert [d.recomputed for d in found] == [dt.date(2027, 1, 14)]
    assert tally.fixed == 1
    claim.refresh_from_db()
    assert claim.response_due_on == dt.date(2027, 1, 14)
    found.clear()
    check_claim_deadlines(found.append)
    assert found == []
