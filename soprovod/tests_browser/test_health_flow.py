"""Client health in Chromium: a client whose emergencies breach SLA is red on its success
manager's home page (the at-risk list); the manager opens its health page — the score
explains itself, the history is charted — and records their own sentiment beside it; on a
390 px phone the portfolio by health fits the screen; the head saves new weights, a new
audited version of the settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from soprovod.health import actions
from soprovod.health.models import ClientSentiment, HealthConfig, HealthScore
from soprovod.sla.models import ClockStatus, Metric, SlaClock, WorkCalendar
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.tickets.models import TicketStatus
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

FITS_THE_SCREEN = (
    "(() => { const m = document.querySelector('main');"
    " return m.scrollWidth <= m.clientWidth && m.clientWidth <= window.innerWidth; })()"
)
NOTE = "Директор грозит уйти после аварий на КПП."


def breached_emergency(client, days_ago: int) -> None:
    created = timezone.now() - dt.timedelta(days=days_ago)
    ticket = TicketFactory(
        client=client, type="emergency", created_at=created, status=TicketStatus.RESOLVED,
        resolved_at=created + dt.timedelta(hours=9), csat_score=2, csat_at=created,
    )  # fmt: skip
    calendar = WorkCalendar.objects.order_by("pk").first()
    for metric, status in (
        (Metric.FIRST_RESPONSE, ClockStatus.MET),
        (Metric.RESOLUTION, ClockStatus.BREACHED),
    ):
        SlaClock.objects.create(
            ticket=ticket, metric=metric, calendar=calendar, target_seconds=900,
            started_at=created, due_at=created + dt.timedelta(hours=4),
            stopped_at=created + dt.timedelta(hours=9), status=status,
        )  # fmt: skip


def test_at_risk_client_to_sentiment_and_settings(page, js_errors, staff, companies):
    a = companies.a
    today = timezone.localdate()
    actions.do_recompute(today - dt.timedelta(days=14))  # no data yet then
    for days in (3, 10, 20):
        breached_emergency(a, days)
    actions.do_recompute()
    score = HealthScore.objects.get(client=a, day=today)
    assert score.band == "red"

    # The success manager's home page: A at the top of the at-risk list.
    log_in(page, "csm")
    row = page.locator(f"#home-at-risk tr[data-client='{a.pk}']")
    assert row.is_visible()
    assert "аварийных нарушения" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()

    # The health page: the score with what cost it points, each measure, the chart.
    head = page.locator("#health-score").inner_text()
    assert head.startswith(f"{score.score}\n") or f"{score.score}:" in head
    assert page.locator("#health-measures tr[data-measure='emergency_breaches']").is_visible()
    assert page.locator("#health-history svg").count() == 1

    # The manager's own sentiment, beside the score.
    form = page.locator("#health-sentiment form")
    form.locator("select[name=score]").select_option("2")
    form.locator("input[name=note]").fill(NOTE)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert NOTE in page.locator("#health-sentiment").inner_text()
    sentiment = ClientSentiment.objects.get(client=a)
    assert (sentiment.score, sentiment.updated_by) == (2, staff.csm)

    # The portfolio by health on a phone: red filter, and it fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/health/?band=red")
    assert page.locator(f"#health-portfolio tr[data-client='{a.pk}']").is_visible()
    assert page.locator(f"#health-portfolio tr[data-client='{companies.b.pk}']").count() == 0
    assert page.evaluate(FITS_THE_SCREEN)
    log_out(page)

    # The head saves new weights: a new version, listed with who saved it and why.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "head")
    page.goto("/health/settings/")
    form = page.locator("#health-settings")
    form.locator("input[name=weight_emergency_breaches]").fill("30")
    form.locator("input[name=comment]").fill("Аварии важнее")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Аварии важнее" in page.locator("#health-versions").inner_text()
    config = HealthConfig.objects.get()
    assert (config.version, config.weights["emergency_breaches"], config.created_by) == (
        1, 30.0, staff.head,
    )  # fmt: skip
    js_errors.assert_none()
