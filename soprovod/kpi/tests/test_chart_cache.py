"""The dashboard's charts are drawn once per distinct data and language and then served from
the cache: the same data is not drawn again, a changed value, target or language is, and the
page reads the same either way."""

import datetime as dt
import re

import pygal
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from soprovod.kpi import charts
from soprovod.kpi.tests import fixtures
from soprovod.kpi.tests.test_dashboard import OCTOBER_QUERY, as_user, frozen_now

department = fixtures.department
__all__ = ["as_user", "department", "frozen_now"]

MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def drawn(monkeypatch):
    """Counts pygal's drawings (every chart's SVG comes from ``render_tree``)."""
    calls = []
    real = pygal.Line.render_tree

    def spy(chart, *args, **kwargs):
        calls.append(chart.title)
        return real(chart, *args, **kwargs)

    monkeypatch.setattr(pygal.Line, "render_tree", spy)
    return calls


def chart(values, *, target=0.95, language="en"):
    with translation.override(language):
        return charts.line_chart(
            "SLA",
            {"All": list(zip(MONTHS, values, strict=True))},
            "share",
            target=target,
            scale=100,
            y_range=(0, 100),
            key="sla.all",
        )


def test_the_same_data_is_drawn_once(drawn):
    first = chart([0.9] * 12)
    second = chart([0.9] * 12)
    assert len(drawn) == 1
    assert second == first


def test_a_changed_value_target_or_language_is_drawn_again(drawn):
    base = chart([0.9] * 12)
    changed = chart([0.9] * 11 + [0.97])
    assert len(drawn) == 2
    assert changed.svg != base.svg
    chart([0.9] * 12, target=0.85)
    assert len(drawn) == 3
    russian = chart([0.9] * 12, language="ru")
    assert len(drawn) == 4
    assert "Цель" in russian.svg and "Цель" not in base.svg
    # Back to the first data: served from the cache, the same as drawn.
    assert chart([0.9] * 12) == base
    assert len(drawn) == 4


def without_ids(svg: str) -> str:
    """pygal gives every drawing a new random id (its CSS is scoped to it)."""
    return re.sub(r"chart-[0-9a-f-]{36}", "chart-ID", svg)


def test_a_cached_chart_is_the_drawn_one(drawn):
    drawn_now = chart([0.5, None, 0.99] * 4)
    cached = chart([0.5, None, 0.99] * 4)
    assert cached == drawn_now
    cache.clear()
    drawn_again = chart([0.5, None, 0.99] * 4)
    assert len(drawn) == 2
    assert without_ids(drawn_again.svg) == without_ids(cached.svg)
    assert drawn_again.rows == cached.rows and drawn_again.months == cached.months


def test_an_unreachable_cache_draws_every_time(drawn, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(charts.cache, "get", down)
    monkeypatch.setattr(charts.cache, "set", down)
    first, second = chart([0.9] * 12), chart([0.9] * 12)
    assert len(drawn) == 2
    assert without_ids(first.svg) == without_ids(second.svg)


def page(client) -> str:
    html = client.get(reverse("kpi:dashboard") + OCTOBER_QUERY).content.decode()
    # Each response masks the CSRF token differently.
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[A-Za-z0-9]+', r"\1", html)


def test_the_dashboard_draws_its_charts_once_and_reads_the_same(staff, department, as_user, drawn):
    c = as_user(staff.head)
    first = page(c)
    assert len(drawn) == 7
    second = page(c)
    assert len(drawn) == 7
    assert second == first
    cache.clear()
    assert without_ids(page(c)) == without_ids(first)
    assert len(drawn) == 14
    cache.clear()
    assert first.count("<svg") >= 7
    # Another language: drawn again, in that language.
    russian = page(as_user(staff.head, language="ru"))
    assert len(drawn) == 21
    assert "SLA compliance by ticket type" in first
    assert "SLA compliance by ticket type" not in russian
    assert "Соблюдение SLA по типам обращений" in russian
