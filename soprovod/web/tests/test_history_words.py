"""Issue 16, words and numbers in the histories and notices a client or the head reads:
dates and money formatted (08.11.2023, 73 500 ₽), never raw ISO text or decimals; an
extension and an escalation named as such, not «действие»; the portal's acknowledgement
does not ask to reply to an email; the portfolio's MRR leaves out churned clients and
says so."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from soprovod.clients import actions as client_actions
from soprovod.clients.models import ClientStatus
from soprovod.clients.tests.factories import ClientFactory
from soprovod.tickets import actions, mail
from soprovod.tickets.models import Channel, Escalation, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def _squeezed(html: str) -> str:
    return " ".join(html.replace("\xa0", " ").replace("\u202f", " ").split())


def test_client_history_shows_dates_and_money_formatted(client, staff, companies):
    alfa = companies.a
    client_actions.do_update_client(
        staff.head,
        alfa,
        contract_start=dt.date(2023, 11, 8),
        mrr_rub=Decimal("73500.00"),
        mrr_reason="upsell",
        reason="Договор продлён",
    )
    client.force_login(staff.head)
    page = _squeezed(client.get(reverse("clients:detail", args=[alfa.pk])).content.decode())
    history = page[page.index("audit") :]
    assert "08.11.2023" in history
    assert "2023-11-08" not in history
    assert "73 500 ₽" in history
    assert "73500.00" not in history and "25000.00" not in history
    assert "25 000 ₽" in history


@pytest.fixture
def ticket(companies):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=MSK), tick=False):
        return actions.do_create_ticket(
            companies.client1,
            client=companies.a,
            contact=companies.contact_a,
            subject="Не открывается шлагбаум",
            body="Шлагбаум не реагирует на пропуск.",
            type=TicketType.STANDARD,
            channel=Channel.PORTAL,
            category=CategoryFactory(),
        )


def test_ticket_history_names_extension_and_escalation(client, staff, ticket):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=MSK), tick=False):
        due = ticket.clocks.get(metric="resolution").due_at
        actions.do_extend_due(staff.head, ticket, due + dt.timedelta(hours=3), "Ждём запчасть")
        actions.do_escalate(staff.support, ticket, Escalation.Level.HEAD, "Клиент недоволен")
        client.force_login(staff.head)
        page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    section = page[page.index('class="audit"') :]
    history = _squeezed(re.sub(r"<[^>]+>", " ", section[: section.index("</ul>\n  </div>")]))
    assert "продление срока решения" in history
    assert "эскалация" in history
    assert "действие" not in history
    assert not re.search(r"\d{4}-\d\d-\d\dT", history)  # no raw ISO moments
    assert "05.03.2026" in history or "04.03.2026" in history  # the new due, formatted


def test_the_portal_acknowledgement_does_not_ask_to_reply_to_an_email(ticket, companies):
    text = mail.acknowledgement_text(ticket)
    assert "ответьте на это письмо" not in text
    assert "портал" in text
    by_mail = actions.do_create_ticket(
        None,
        client=companies.a,
        contact=companies.contact_a,
        subject="Письмо",
        body="Текст",
        type=TicketType.STANDARD,
        channel=Channel.EMAIL,
    )
    assert "ответьте на это письмо" in mail.acknowledgement_text(by_mail)


def test_portfolio_mrr_counts_only_clients_not_churned_and_says_so(client, staff, companies):
    ClientFactory(status=ClientStatus.CHURNED, churned_at="2026-02-01", mrr_rub=Decimal("9000"))
    client.force_login(staff.head)
    page = _squeezed(client.get(reverse("clients:list")).content.decode())
    assert "суммарный MRR без ушедших клиентов 50 000 ₽" in page  # A 25 000 + B 25 000


def test_history_lines_agree_whatever_they_are_about(client, staff, companies):
    """«создан контактное лицо» was the line for a new contact: the verb agrees with the
    thing now — «создано контактное лицо», «создан объект», «изменено контактное лицо»."""
    contact = client_actions.do_save_contact(staff.head, companies.a, full_name="Петров Пётр")
    client_actions.do_save_contact(
        staff.head, companies.a, contact=contact, full_name="Петров Пётр", phone="+7 900 000-00-00"
    )
    client_actions.do_save_site(staff.head, companies.a, name="Склад на Южной")
    client.force_login(staff.head)
    page = _squeezed(client.get(reverse("clients:detail", args=[companies.a.pk])).content.decode())
    assert "создано контактное лицо «Петров Пётр»" in page
    assert "изменено контактное лицо «Петров Пётр»" in page
    assert "создан объект «Склад на Южной»" in page
    assert "создан контактное" not in page and "создание:" not in page


def test_the_new_ticket_button_says_contacts_in_the_nominative(client, staff):
    client.force_login(staff.support)
    page = client.get(reverse("tickets:create")).content.decode()
    assert "Показать объекты и контактные лица" in page


def test_a_month_inside_a_sentence_is_lower_case_and_the_sentence_is_not():
    """«за ноябрь 2026», never «за Ноябрь»; and a sentence does not start with a lower-case
    month («ноябрь 2026 на сегодня…» was the head's KPI card)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ru"):
        text = render_to_string(
            "web/blocks/kpi_month.html",
            {"data": {"month": dt.date(2026, 11, 1), "dashboard": "/kpi/"}},
        )
    assert "За ноябрь 2026 на сегодня" in text
    assert "Ноябрь" not in text
