"""80 % warning and breach escalation of the agreement clock, once each (as the ticket SLA
checker: tickets/sla_checker.py)."""

import pytest

from soprovod.core.models import Notification
from soprovod.devrequests import actions
from soprovod.devrequests.models import RoundNotice
from soprovod.devrequests.tasks import check_clocks
from soprovod.devrequests.tests.conftest import msk
from soprovod.tickets.models import Escalation

pytestmark = pytest.mark.django_db


def recipients(key: str) -> set[str]:
    return set(Notification.objects.filter(key=key).values_list("recipient__username", flat=True))


def test_nothing_before_80_percent(submitted, time_machine):
    time_machine.move_to(msk(2026, 10, 18, 6, 23), tick=False)  # 38 h 23 min
    assert check_clocks() == {"warnings": 0, "breaches": 0, "failed": 0}


def test_warning_at_80_percent_to_development_and_the_author_once(submitted, time_machine):
    time_machine.move_to(msk(2026, 10, 18, 6, 24), tick=False)  # 38.4 h
    assert check_clocks()["warnings"] == 1
    assert check_clocks()["warnings"] == 0
    key = f"devrequest-round:{submitted.rounds.get().pk}:warning"
    assert recipients(key) == {"dev", "support"}


def test_breach_escalates_to_the_head_once_however_often_it_runs(submitted, tickets, time_machine):
    time_machine.move_to(msk(2026, 10, 18, 16, 0), tick=False)
    assert check_clocks() == {"warnings": 0, "breaches": 1, "failed": 0}
    assert check_clocks() == {"warnings": 0, "breaches": 0, "failed": 0}
    current = submitted.rounds.get()
    assert recipients(f"devrequest-round:{current.pk}:breach") == {"dev", "head"}
    escalation = Escalation.objects.get()
    assert escalation.level == Escalation.Level.HEAD
    assert escalation.ticket == tickets[0]
    assert f"DEV-{submitted.pk}" in escalation.reason
    assert escalation.subject == "devrequest"
    assert escalation.devrequest_link.request == submitted
    # Past the breach, the warning is not sent any more.
    assert list(RoundNotice.objects.values_list("threshold", flat=True)) == ["breach"]


def test_a_decided_round_is_not_warned(staff, submitted, time_machine):
    actions.do_accept(staff.dev, submitted, planned_release="3.14")
    time_machine.move_to(msk(2026, 10, 19, 0, 0), tick=False)
    assert check_clocks() == {"warnings": 0, "breaches": 0, "failed": 0}
