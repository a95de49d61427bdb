"""Each measure's raw value from hand-counted rows, all clients in a fixed number of queries.

Client A, as of Monday 16 November 2026 (days before today):

    day   type       SLA       CSAT  repeat
      1   standard   pending
      2   standard   met        5
      5   standard   breached   3
     10   emergency  breached                 (6 November: this month)
     20   standard   met              yes
     40   emergency  met        4
     60   standard   met
     85   standard   breached         yes
    100   standard   met                      (before the 90-day window)
    110   standard   met
    130   standard   met        1             (outside every window)

- sla: 4 met of 7 decided (the pending one left out) = 0.5714
- emergency breaches: 1 (of 2 emergencies)
- CSAT: (5 + 3 + 4) ÷ 3 = 4.0
- NPS: answers 0 (400 days ago: too old), 9 (200 days), 4 (50 days): the latest, 4
- volume: 5 tickets in the last 30 days ÷ 30, against 5 in the 90 before ÷ 90 = 3.0
- repeats: 2 of 8 = 0.25
- open claims: 1 (П-1, 20 days ago; П-0 was answered 300 days ago)
- renewal: contract ends in 45 days; implementation: go-live passed → overdue
- flags: MRR 85 000 now against 100 000 ninety days ago (−15 %); an emergency breach this
  month; an open claim
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soprovod.clients.tests.factories import ClientFactory
from soprovod.health import inputs
from soprovod.health.tests.conftest import claim
from soprovod.health.tests.helpers import TODAY, ticket


def test_raw_values_of_the_worked_client(story):
    result = inputs.gather(TODAY)
    a = result[story.a.pk]
    assert a.raw["sla"] == pytest.approx(4 / 7)
    assert a.raw["emergency_breaches"] == 1
    assert a.raw["csat"] == pytest.approx(4.0)
    assert a.raw["nps"] == 4
    assert a.raw["volume_trend"] == pytest.approx(3.0)
    assert a.raw["repeat_rate"] == pytest.approx(0.25)
    assert a.raw["renewal"] == 45
    assert a.raw["implementation"] == "overdue"
    assert a.raw["open_claims"] == 1
    assert sorted(a.flags) == ["emergency_breach", "mrr_down", "open_claim"]


def test_a_client_without_data_has_no_values_and_churned_clients_are_not_scored(story):
    result = inputs.gather(TODAY)
    assert story.c.pk not in result
    b = result[story.b.pk]
    assert all(value is None for value in b.raw.values())
    assert b.flags == []


def test_open_claims_count_when_the_register_knows_the_client(companies, frozen):
    """No data without a claim in the year; a claim answered within it counts as 0 open; an
    old claim still open counts."""
    claim(companies.b, "П-2", days=100, outcome="satisfied")
    assert inputs.gather(TODAY)[companies.b.pk].raw["open_claims"] == 0
    claim(companies.b, "П-3", days=500)
    assert inputs.gather(TODAY)[companies.b.pk].raw["open_claims"] == 1
    assert inputs.gather(TODAY)[companies.a.pk].raw["open_claims"] is None


def test_emergency_breaches_need_an_emergency_ticket(companies, frozen):
    ticket(companies.b, 3)
    raw = inputs.gather(TODAY)[companies.b.pk].raw
    assert raw["emergency_breaches"] is None
    assert raw["sla"] == 1.0
    assert raw["volume_trend"] is None  # nothing in the 90 days before: no trend


def test_gathering_costs_the_same_queries_for_few_and_many_clients(story):
    with CaptureQueriesContext(connection) as few:
        inputs.gather(TODAY)
    for _ in range(6):
        client = ClientFactory()
        ticket(client, 3, type="emergency", outcome="breached", csat=2)
        ticket(client, 50)
    with CaptureQueriesContext(connection) as many:
        assert len(inputs.gather(TODAY)) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
