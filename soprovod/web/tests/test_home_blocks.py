"""Each role's home page is made of blocks (soprovod.core.home + soprovod.web.home_blocks):
who sees which block, what each block's query counts, that every figure links to its records,
that an empty block says what will appear, and that another app can add a block."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from soprovod.accounts.models import Absence
from soprovod.core import home
from soprovod.tickets import actions
from soprovod.tickets.models import Channel, TicketType
from soprovod.tickets.tests.factories import CategoryFactory
from soprovod.web import home_blocks

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 3, 5, 12, 0, tzinfo=MSK)  # Thursday noon
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read the English source strings, in the pages and in the block queries."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def keys(user):
    return [item.block.key for item in home.blocks_for(user, NOW)]


def blocks_on_page(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), re.findall(
        r'data-block="([a-z_]+)"', response.content.decode()
    )


def ticket(
    companies, created, subject="Пропуск не действует", assignee=None, type=TicketType.STANDARD
):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject=subject,
        body="Текст обращения",
        type=type,
        channel=Channel.PORTAL,
        category=CategoryFactory(name="Пропуска"),
        assignee=assignee,
        created_at=created,
    )


# ---- who sees what ---------------------------------------------------------------------------


def test_each_role_starts_the_day_on_its_own_blocks(client, staff, companies, frozen):
    expected = {
        staff.head: {"sla_watch", "escalations", "kpi_month", "agreements_due", "team_load"},
        staff.support: {"my_queue", "breaching_soon", "unassigned", "client_replied"},
        staff.csm: {"at_risk", "health_bands", "renewals", "detractors", "claims_churn"},
        staff.implementation: {"my_projects"},
        staff.sales: {"my_handoffs"},
        staff.dev: {"dev_inbox"},
        staff.ceo: {"kpi_month", "escalations", "latest_reports"},
    }
    for user, wanted in expected.items():
        _html, shown = blocks_on_page(client, user)
        assert wanted <= set(shown), (user.username, shown)
    # And not another role's working list.
    assert "team_load" not in keys(staff.support)
    assert "sla_watch" not in keys(staff.csm)
    assert "kpi_month" not in keys(staff.support)
    assert "my_queue" not in keys(staff.sales) and "my_queue" not in keys(staff.ceo)
    assert "dev_inbox" not in keys(staff.csm)
    assert "renewals" not in keys(staff.sales)


def test_a_client_contact_goes_to_the_portal(client, companies):
    client.force_login(companies.client1)
    assert client.get(reverse("home"))["Location"] == reverse("portal:home")


def test_an_app_registers_a_block_and_the_page_draws_it(client, staff, frozen):
    block = home.Block(
        key="test_incidents",
        title="Active incidents",
        template="web/blocks/_figures.html",
        query=lambda user, now: home_blocks.Figures(
            figures=[home_blocks.Figure("active incidents", 2, "/tickets/?view=open", "bad")]
        ).as_context(),
        visible=home_blocks.HEAD,
        order=11,
    )
    home.register(block)
    try:
        html, shown = blocks_on_page(client, staff.head)
        assert shown.index("test_incidents") == shown.index("sla_watch") + 1  # by its order
        assert "test_incidents" not in keys(staff.support)
        assert 'href="/tickets/?view=open"' in html
    finally:
        home._BLOCKS.pop("test_incidents")


def test_a_block_whose_query_answers_none_is_left_out(staff):
    home.register(
        home.Block(
            "nothing_here", "x", "web/blocks/_figures.html", lambda u, n: None, lambda u: True
        )
    )
    try:
        assert "nothing_here" not in keys(staff.head)
    finally:
        home._BLOCKS.pop("nothing_here")


# ---- what the blocks count ----------------------------------------------------------------


def test_sla_watch_counts_todays_and_this_weeks_breaches_and_those_about_to_happen(
    staff, companies, frozen
):
    # Standard first response: 4 business hours (9–18).
    ticket(companies, dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK))  # due Mon 14:00: this week
    ticket(companies, dt.datetime(2026, 3, 5, 9, 0, tzinfo=MSK))  # due today 13:00: not yet
    ticket(companies, dt.datetime(2026, 3, 4, 16, 0, tzinfo=MSK))  # due today 11:00: today
    ticket(companies, dt.datetime(2026, 2, 24, 10, 0, tzinfo=MSK))  # last week: neither
    data = home_blocks.sla_watch(staff.head, NOW)
    figures = {str(f.label): f for f in data["figures"]}
    assert figures["breached today"].value == 1
    assert figures["breached this week"].value == 2
    assert figures["open and breached"].value == 3
    assert figures["about to breach"].value == 1
    assert figures["about to breach"].url == reverse("tickets:queue") + "?view=soon"
    (row,) = data["rows"]  # the one about to breach, with its business time left
    assert row.text.endswith("Пропуск не действует") and row.tone == "warn"
    assert "1 h 00 min left" in row.meta  # the row timer's own words


def test_the_support_managers_queue_blocks(staff, companies, frozen):
    mine = ticket(companies, dt.datetime(2026, 3, 5, 11, 0, tzinfo=MSK), "Моё", staff.support)
    ticket(companies, dt.datetime(2026, 3, 5, 10, 0, tzinfo=MSK), "Ничьё")
    replied = ticket(
        companies, dt.datetime(2026, 3, 4, 10, 0, tzinfo=MSK), "Ответил клиент", staff.support
    )
    actions.do_add_message(
        staff.support, replied, "Пришлите фото", at=dt.datetime(2026, 3, 4, 11, tzinfo=MSK)
    )
    actions.do_add_message(
        companies.client1, replied, "Вот фото", at=dt.datetime(2026, 3, 5, 9, tzinfo=MSK)
    )
    answered = ticket(
        companies, dt.datetime(2026, 3, 4, 10, 0, tzinfo=MSK), "Уже ответили", staff.support
    )
    actions.do_add_message(
        staff.support, answered, "Готово", at=dt.datetime(2026, 3, 4, 11, tzinfo=MSK)
    )

    my = home.get("my_queue").query(staff.support, NOW)
    assert my["figures"][0].value == 3
    assert {r.url for r in my["rows"]} >= {reverse("tickets:detail", args=[mine.pk])}
    unassigned = home.get("unassigned").query(staff.support, NOW)
    assert unassigned["figures"][0].value == 1 and "Ничьё" in unassigned["rows"][0].text
    waiting = home_blocks.client_replied(staff.support, NOW)
    assert waiting["figures"][0].value == 1
    assert waiting["rows"][0].url == reverse("tickets:detail", args=[replied.pk])
    assert home_blocks.client_replied(staff.engineer, NOW)["figures"][0].value == 0


def test_team_load_counts_open_tickets_per_person_and_who_is_away(staff, companies, frozen):
    for _ in range(2):
        ticket(companies, NOW - dt.timedelta(hours=1), assignee=staff.support)
    Absence.objects.create(
        person=staff.support, starts_on=NOW.date(), ends_on=NOW.date() + dt.timedelta(days=3)
    )
    data = home_blocks.team_load(staff.head, NOW)
    row = next(r for r in data["rows"] if r.url.endswith(f"assignee={staff.support.pk}"))
    assert "2 open" in row.meta and "away until 08.03.2026" in row.meta and row.tone == "warn"
    assert {str(f.label): f.value for f in data["figures"]}["away today"] == 1


def test_renewals_are_the_managers_own_clients_within_90_days(staff, companies, frozen):
    companies.a.contract_end = dt.date(2026, 4, 1)
    companies.a.save()
    companies.b.contract_end = dt.date(2026, 5, 1)
    companies.b.save()
    mine = home_blocks.renewals(staff.csm, NOW)
    assert [r.text for r in mine["rows"]] == [companies.a.name]
    assert mine["figures"][0].value == 1
    everyone = home_blocks.renewals(staff.head, NOW)
    assert everyone["figures"][0].value == 2
    companies.b.contract_end = dt.date(2026, 9, 1)  # past 90 days
    companies.b.save()
    assert home_blocks.renewals(staff.head, NOW)["figures"][0].value == 1


def test_kpi_cards_link_to_their_records_and_show_the_target(client, staff, companies, frozen):
    ticket(companies, dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    data = home_blocks.kpi_month(staff.ceo, NOW)
    sla = next(card for card in data["cards"] if card["url"].startswith("/kpi/drilldown/sla.all/"))
    assert "month=2026-03" in sla["url"]
    assert sla["target"]  # «≥ 95,0 %»


def test_every_figure_on_the_heads_page_links_somewhere_it_may_open(
    client, staff, companies, frozen
):
    ticket(companies, dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    html, _shown = blocks_on_page(client, staff.head)
    links = re.findall(
        r'class="hb-(?:figure|kpi)[^"]*" href="([^"]+)"|href="([^"]+)" class="hb-(?:figure|kpi)',
        html,
    )
    urls = {a or b for a, b in links}
    assert urls
    for url in urls:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_empty_blocks_say_what_will_appear(client, staff, frozen):
    html, _shown = blocks_on_page(client, staff.support)
    assert "No open ticket is assigned to you" in html
    assert "When a client replies on one of your tickets, it appears here." in html
    html, _shown = blocks_on_page(client, staff.head)
    assert "Hand-offs from sales and requests to development appear here" in html
