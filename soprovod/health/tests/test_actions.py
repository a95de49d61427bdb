"""Storing scores (idempotent per client and day, drops into red), the settings (versioned,
audited) and the success manager's sentiment (audited)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from soprovod.audit.models import AuditEvent
from soprovod.core.errors import StaleObjectError
from soprovod.health import actions
from soprovod.health import config as health_config
from soprovod.health.models import ClientSentiment, HealthConfig, HealthScore
from soprovod.health.tests.helpers import TODAY
from soprovod.success.models import ChurnCase

# test_inputs.py's client A with the default settings, all nine measures (weights 100):
# sla 0.571 → 0 ×20; 1 emergency breach → 60 ×15; CSAT 4.0 → 50 ×15; NPS 4 → 26.67 ×10;
# volume ×3 → 0 ×10; repeats 25 % → 0 ×10; 1 open claim → 40 ×10; renewal 45 d → 48.75 ×5;
# overdue → 0 ×5: (900 + 750 + 266.67 + 400 + 243.75) ÷ 100 = 25.6 → 26, red.
A_SCORE = 26


def test_nightly_run_stores_each_measure_and_explains_itself(story):
    result = actions.do_recompute()
    assert result.scored == 2  # A and B; C has churned
    row = HealthScore.objects.get(client=story.a, day=TODAY)
    assert (row.score, row.band, row.config_version) == (A_SCORE, "red", 0)
    measures = {m["key"]: m for m in row.measures}
    assert measures["csat"] == {
        "key": "csat",
        "raw": 4.0,
        "sub": 50.0,
        "weight": 15.0,
        "share": 0.15,
        "contribution": -7.5,
    }
    assert measures["open_claims"]["raw"] == 1 and measures["open_claims"]["contribution"] == -6
    assert 100 + sum(m["contribution"] for m in row.measures) == pytest.approx(25.6, abs=0.3)
    assert sorted(row.flags) == ["emergency_breach", "mrr_down", "open_claim"]
    b = HealthScore.objects.get(client=story.b, day=TODAY)
    assert (b.score, b.band, b.measures) == (None, "", [])


def test_recomputing_a_day_replaces_its_row(story):
    actions.do_recompute()
    actions.do_recompute()
    assert HealthScore.objects.filter(client=story.a).count() == 1


def test_a_drop_into_red_opens_one_churn_case(story, django_capture_on_commit_callbacks):
    """Judged against an earlier day: recomputing the same day again finds the same drop and
    the same open case, not a second one."""
    HealthScore.objects.create(
        client=story.a, day=TODAY - dt.timedelta(days=1), score=70, band="yellow"
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.do_recompute()
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.do_recompute()
    assert first.dropped_into_red == second.dropped_into_red == [story.a.pk]
    assert HealthScore.objects.get(client=story.a, day=TODAY).dropped_from == "yellow"
    case = ChurnCase.objects.get(client=story.a)
    assert (case.source, case.outcome, case.owner) == ("health", "", story.a.success_manager)
    story.a.refresh_from_db()
    assert story.a.status == "at_risk"  # the churn case marks an active client at risk


def test_a_past_days_drop_is_history_only(story, django_capture_on_commit_callbacks):
    HealthScore.objects.create(
        client=story.a, day=TODAY - dt.timedelta(days=10), score=70, band="yellow"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.do_recompute(TODAY - dt.timedelta(days=3))
    assert result.dropped_into_red == [story.a.pk]
    assert not ChurnCase.objects.exists()


def test_no_drop_when_already_red_or_never_scored(story):
    assert actions.do_recompute().dropped_into_red == []  # never scored before
    HealthScore.objects.filter(client=story.a).update(day=TODAY - dt.timedelta(days=1))
    assert actions.do_recompute().dropped_into_red == []  # red yesterday, red today


def test_settings_edit_adds_an_audited_version_and_rescoring_uses_it(staff, story):
    current = health_config.current()
    weights = {**current.weights, "csat": 0.0}
    points = {**current.points, "sla": [[0.5, 0], [0.6, 100]]}
    row = actions.do_update_settings(
        staff.head, weights=weights, points=points, red_below=20, green_from=80,
        comment="CSAT мало оценок", expected_version=0,
    )  # fmt: skip
    assert row.version == 1
    event = AuditEvent.objects.get(content_type=ContentType.objects.get_for_model(HealthConfig))
    assert event.actor == staff.head
    assert event.reason == "CSAT мало оценок"
    assert event.changes["weight.csat"] == [15, 0]
    assert event.changes["bands.sla"] == [
        "0.7 → 0; 0.85 → 50; 0.95 → 75; 1 → 100",
        "0.5 → 0; 0.6 → 100",
    ]
    assert event.changes["red_below"] == [50, 20]
    actions.do_recompute()
    stored = HealthScore.objects.get(client=story.a, day=TODAY)
    assert stored.config_version == 1
    assert "csat" not in {m["key"] for m in stored.measures}
    # sla 0.5714 on 0.5 → 0, 0.6 → 100 is 71.43, ×20; the rest as before without CSAT
    # (weights 85): (1428.57 + 900 + 266.67 + 400 + 243.75) ÷ 85 = 38.1 → 38, yellow (red
    # below 20)
    assert (stored.score, stored.band) == (38, "yellow")
    with pytest.raises(StaleObjectError):
        actions.do_update_settings(
            staff.head, weights=weights, points=points, red_below=50, green_from=75,
            expected_version=0,
        )  # fmt: skip
    assert HealthConfig.objects.count() == 1


def test_sentiment_is_audited_and_versioned(staff, companies):
    first = actions.do_set_sentiment(staff.csm, companies.a, score=2, note="Жалуются")
    second = actions.do_set_sentiment(staff.csm, companies.a, score=4, version=first.version)
    assert ClientSentiment.objects.get(client=companies.a).score == 4
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(ClientSentiment)
    ).order_by("pk")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["score"] == [2, 4]
    assert events[1].parent_id == str(companies.a.pk)
    with pytest.raises(StaleObjectError):
        actions.do_set_sentiment(staff.csm, companies.a, score=1, version=first.version)
    assert second.version == 2
