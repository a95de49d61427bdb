"""The ticket page and its forms, attachment downloads, the staff «new ticket» form and the
notification list: what each role may see and do, and what is refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soprovod.core.models import Notification
from soprovod.sla.models import Metric, SlaClock, SlaPolicy
from soprovod.sla.tests.helpers import premium_policy
from soprovod.tickets import actions
from soprovod.tickets.models import (
    Channel,
    Escalation,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


NOW = msk(2026, 3, 2, 12, 0)  # Monday noon


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read the English source strings, whatever the Russian catalogue says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ticket(companies):
    """Company A's standard ticket, opened through the portal at 10:00."""
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(),
        attachments=[SimpleUploadedFile("photo.png", b"\x89PNG...", content_type="image/png")],
        created_at=msk(2026, 3, 2, 10, 0),
    )


def url(name, ticket_or_number, *args):
    number = getattr(ticket_or_number, "pk", ticket_or_number)
    return reverse(f"tickets:{name}", args=[number, *args])


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# ---- the ticket page -----------------------------------------------------------------------


def test_staff_see_the_conversation_timers_and_forms(client, ticket, staff):
    actions.do_add_message(staff.support, ticket, "Проверю журнал событий", internal=True)
    client.force_login(staff.support)
    response = client.get(url("detail", ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Шлагбаум на въезде" in html and "Проверю журнал событий" in html
    assert 'class="internal"' in html  # internal notes look different
    assert url("reply", ticket) in html and url("extend", ticket) in html
    assert 'hx-trigger="every 30s"' in html
    assert "02.03.2026 14:00" in html  # first response due, Moscow time
    assert "07.03.2026 10:00" in html  # the resolution ceiling: 5 calendar days
    attachment = ticket.messages.first().attachments.get()
    assert reverse("tickets:attachment", args=[attachment.pk]) in html


def test_ceo_reads_the_ticket_but_gets_no_forms(client, ticket, staff):
    client.force_login(staff.ceo)
    response = client.get(url("detail", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("reply", ticket) not in html and url("status", ticket) not in html


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_colleagues_outside_support_get_404(client, ticket, staff, who):
    client.force_login(getattr(staff, who))
    assert client.get(url("detail", ticket)).status_code == 404
    assert client.get(url("timers", ticket)).status_code == 404


def test_client_contact_is_sent_to_their_portal_page(client, ticket, companies):
    client.force_login(companies.client1)
    response = client.get(url("detail", ticket))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket", args=[ticket.pk])


def test_other_company_contact_gets_404(client, ticket, companies):
    client.force_login(companies.client2)
    assert client.get(url("detail", ticket)).status_code == 404
    assert client.get(url("timers", ticket)).status_code == 404


def test_missing_ticket_is_404(client, staff):
    client.force_login(staff.support)
    assert client.get(url("detail", 999999)).status_code == 404


def test_internal_ticket_without_a_client(client, staff):
    ticket = actions.do_create_ticket(
        staff.support,
        subject="Обновить шаблон пропуска",
        body="Для всех объектов",
        type=TicketType.CONSULTATION,
        channel=Channel.INTERNAL,
    )
    client.force_login(staff.support)
    response = client.get(url("detail", ticket))
    assert response.status_code == 200
    assert response.context["client_panel"].client is None


def test_repeat_ticket_links_to_the_earlier_one(client, ticket, companies, staff):
    actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED, at=NOW)
    repeat = actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        subject="Снова шлагбаум",
        body="Опять не открывается",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=ticket.category,
        created_at=NOW + dt.timedelta(hours=1),
    )
    client.force_login(staff.support)
    html = client.get(url("detail", repeat)).content.decode()
    assert f'href="{url("detail", ticket)}"' in html


def test_client_panel_and_audit_trail(client, ticket, companies, staff):
    actions.do_assign(staff.head, ticket, staff.engineer)
    client.force_login(staff.head)
    response = client.get(url("detail", ticket))
    panel = response.context["client_panel"]
    assert panel.client == companies.a and panel.open_count == 1 and panel.recent == []
    assert response.context["trail"]  # created + assigned
    assert str(staff.engineer) in response.content.decode()


def test_detail_query_count_does_not_grow_with_messages(client, ticket, companies, staff):
    client.force_login(staff.support)

    def measure():
        client.get(url("detail", ticket))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("detail", ticket)).status_code == 200
        return len(ctx.captured_queries)

    few = measure()
    for i in range(8):
        actions.do_add_message(
            staff.support if i % 2 else companies.client1,
            ticket,
            f"Сообщение {i}",
            internal=bool(i % 4 == 1),
            attachments=[SimpleUploadedFile(f"log{i}.txt", b"log", content_type="text/plain")],
        )
        actions.do_create_ticket(
            companies.client1,
            client=companies.a,
            subject=f"Другое обращение {i}",
            body="…",
            type=TicketType.CONSULTATION,
            channel=Channel.PORTAL,
        )
    actions.do_assign(staff.head, ticket, staff.engineer)
    assert measure() == few


def test_timers_fragment(client, ticket, staff):
    client.force_login(staff.ceo)
    response = client.get(url("timers", ticket), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="sla-timers"' in html and "2 h 00 min" in html  # first response: 2 h left


def test_timers_show_a_paused_resolution_clock(client, ticket, staff):
    actions.do_change_status(staff.support, ticket, TicketStatus.WAITING_CLIENT)
    client.force_login(staff.support)
    views = {c.clock.metric: c for c in client.get(url("timers", ticket)).context["clocks"]}
    assert views[Metric.RESOLUTION].is_paused
    assert views[Metric.RESOLUTION_CEILING].is_paused  # sla.md: the ceiling waits too


# ---- replying -----------------------------------------------------------------------------------


def test_public_reply_with_files_stops_the_first_response_clock(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(
        url("reply", ticket),
        {
            "body": "Перезагрузите контроллер",
            "kind": "public",
            "version": ticket.version,
            "attachments": [
                SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf"),
                SimpleUploadedFile("b.txt", b"hello", content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    message = ticket.messages.get(body="Перезагрузите контроллер")
    assert message.from_staff and message.kind == TicketMessage.Kind.PUBLIC
    assert sorted(message.attachments.values_list("filename", flat=True)) == ["a.pdf", "b.txt"]
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert clock.stopped_at == NOW


def test_internal_note_does_not_stop_the_clock(client, ticket, staff):
    client.force_login(staff.engineer)
    client.post(
        url("reply", ticket), {"body": "Похоже на прошивку", "kind": "internal", "version": 1}
    )
    note = ticket.messages.get(body="Похоже на прошивку")
    assert note.kind == TicketMessage.Kind.INTERNAL
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).stopped_at is None


def test_stale_reply_keeps_the_text_and_saves_nothing(client, ticket, staff):
    opened_with = ticket.version
    actions.do_add_message(staff.engineer, ticket, "Коллега ответил первым")
    client.force_login(staff.support)
    response = client.post(
        url("reply", ticket),
        {"body": "Мой ответ, набранный долго", "kind": "public", "version": opened_with},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in html
    assert "Мой ответ, набранный долго" in html  # still in the form
    assert "Коллега ответил первым" in html  # the page shows what changed
    assert not ticket.messages.filter(body="Мой ответ, набранный долго").exists()
    # The form now carries the saved version: sending again is a deliberate choice.
    assert response.context["reply_form"]["version"].value() == str(fresh(ticket).version)


def test_empty_reply_is_refused(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(url("reply", ticket), {"body": "  ", "kind": "public", "version": 1})
    assert "Write a message or attach a file." in response.content.decode()
    assert ticket.messages.count() == 1


def test_refused_file_type_names_the_file(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(
        url("reply", ticket),
        {
            "body": "Вот программа",
            "kind": "public",
            "version": 1,
            "attachments": [SimpleUploadedFile("tool.exe", b"MZ")],
        },
    )
    assert "tool.exe" in response.content.decode()
    assert ticket.messages.count() == 1


def test_ceo_cannot_reply(client, ticket, staff):
    client.force_login(staff.ceo)
    response = client.post(url("reply", ticket), {"body": "x", "kind": "public", "version": 1})
    assert response.status_code == 403
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_outsiders_cannot_reply(client, ticket, staff, who):
    client.force_login(getattr(staff, who))
    response = client.post(url("reply", ticket), {"body": "x", "kind": "public", "version": 1})
    assert response.status_code == 404


def test_client_contacts_cannot_use_the_staff_reply(client, ticket, companies):
    client.force_login(companies.client2)
    data = {"body": "x", "kind": "internal", "version": 1}
    assert client.post(url("reply", ticket), data).status_code == 404
    client.force_login(companies.client1)
    assert client.post(url("reply", ticket), data).status_code == 403
    assert ticket.messages.count() == 1


# ---- status, assignee, type ---------------------------------------------------------------------


def test_status_buttons_walk_the_workflow(client, ticket, staff):
    client.force_login(staff.support)

    def press(status):
        return client.post(
            url("status", ticket), {"status": status, "version": fresh(ticket).version}
        )

    press("waiting_client")
    assert fresh(ticket).status == TicketStatus.WAITING_CLIENT
    press("open")
    assert fresh(ticket).status == TicketStatus.OPEN
    press("resolved")
    assert fresh(ticket).status == TicketStatus.RESOLVED
    press("open")  # reopen
    reopened = fresh(ticket)
    assert reopened.status == TicketStatus.OPEN and reopened.reopened_count == 1
    press("resolved")
    press("closed")
    assert fresh(ticket).status == TicketStatus.CLOSED


def test_refused_status_change_says_why(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(
        url("status", ticket), {"status": "closed", "version": ticket.version}, follow=True
    )
    assert "cannot go from" in response.content.decode()
    assert fresh(ticket).status == TicketStatus.NEW


def test_stale_status_change_is_refused(client, ticket, staff):
    client.force_login(staff.support)
    actions.do_assign(staff.head, ticket, staff.engineer)
    response = client.post(
        url("status", ticket), {"status": "resolved", "version": ticket.version}, follow=True
    )
    assert "changed by someone else" in response.content.decode()
    assert fresh(ticket).status == TicketStatus.NEW


def test_ceo_cannot_change_status(client, ticket, staff):
    client.force_login(staff.ceo)
    response = client.post(url("status", ticket), {"status": "resolved", "version": 1})
    assert response.status_code == 403
    assert fresh(ticket).status == TicketStatus.NEW


def test_assign_and_change_type_and_category(client, ticket, staff):
    other = CategoryFactory(name="Мобильное приложение")
    client.force_login(staff.support)
    client.post(
        url("update", ticket),
        {
            "assignee": staff.engineer.pk,
            "type": TicketType.EMERGENCY,
            "category": other.pk,
            "version": ticket.version,
        },
    )
    saved = fresh(ticket)
    assert (saved.assignee, saved.type, saved.category) == (
        staff.engineer,
        TicketType.EMERGENCY,
        other,
    )
    # The type change recomputed the clocks: an emergency is due in 15 minutes, 24/7.
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert clock.due_at == msk(2026, 3, 2, 10, 15)


def test_assignee_must_be_support_staff(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(
        url("update", ticket),
        {"assignee": staff.sales.pk, "type": ticket.type, "version": ticket.version},
    )
    assert response.status_code == 200  # the form comes back with the error
    assert fresh(ticket).assignee is None


@pytest.mark.parametrize(("who", "code"), [("ceo", 403), ("dev", 404), ("sales", 404)])
def test_update_is_refused(client, ticket, staff, who, code):
    client.force_login(getattr(staff, who))
    response = client.post(
        url("update", ticket), {"assignee": staff.support.pk, "type": "standard", "version": 1}
    )
    assert response.status_code == code
    assert fresh(ticket).assignee is None


# ---- extending the due time, escalating -----------------------------------------------------


def test_extend_due_within_the_ceiling(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(
        url("extend", ticket),
        {"new_due": "2026-03-06T12:00", "reason": "Ждём запчасть от производителя"},
    )
    assert response.status_code == 302
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.due_at == msk(2026, 3, 6, 12, 0)


def test_extension_past_the_ceiling_is_refused_with_the_reason(client, ticket, staff):
    before = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION).due_at
    client.force_login(staff.support)
    response = client.post(
        url("extend", ticket), {"new_due": "2026-03-09T12:00", "reason": "Долго"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "past the ceiling (07.03.2026 10:00)" in html
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION).due_at == before


def test_extension_needs_a_reason(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(url("extend", ticket), {"new_due": "2026-03-05T12:00", "reason": ""})
    assert response.status_code == 200
    assert response.context["extend_form"].errors["reason"]


def test_ceo_cannot_extend(client, ticket, staff):
    client.force_login(staff.ceo)
    response = client.post(
        url("extend", ticket), {"new_due": "2026-03-05T12:00", "reason": "Потому что"}
    )
    assert response.status_code == 403


def test_escalate_to_the_ceo(client, ticket, staff, django_capture_on_commit_callbacks):
    client.force_login(staff.support)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("escalate", ticket), {"level": "ceo", "reason": "Клиент грозит расторжением"}
        )
    assert response.status_code == 302
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.level == Escalation.Level.CEO and escalation.raised_by == staff.support
    assert Notification.objects.filter(recipient=staff.ceo, key__startswith="escalation:").exists()


def test_escalation_needs_a_reason(client, ticket, staff):
    client.force_login(staff.support)
    response = client.post(url("escalate", ticket), {"level": "head", "reason": ""})
    assert response.status_code == 200
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(("who", "code"), [("ceo", 403), ("dev", 404)])
def test_escalation_is_refused(client, ticket, staff, who, code):
    client.force_login(getattr(staff, who))
    response = client.post(url("escalate", ticket), {"level": "head", "reason": "…"})
    assert response.status_code == code
    assert not Escalation.objects.exists()


# ---- attachments ------------------------------------------------------------------------------


@pytest.fixture
def files(ticket, staff):
    public = ticket.messages.first().attachments.get()
    note = actions.do_add_message(
        staff.support,
        ticket,
        "Схема подключения",
        internal=True,
        attachments=[SimpleUploadedFile("scheme.txt", b"secret", content_type="text/html")],
    )
    return public, note.attachments.get()


def download(client, attachment):
    return client.get(reverse("tickets:attachment", args=[attachment.pk]))


def test_staff_download_as_attachment_with_a_safe_type(client, files, staff):
    public, internal = files
    client.force_login(staff.support)
    response = download(client, public)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Declared as HTML: never served as HTML.
    assert download(client, internal)["Content-Type"] == "text/plain"


def test_client_downloads_their_public_file_but_not_an_internal_one(client, files, companies):
    public, internal = files
    client.force_login(companies.client1)
    assert download(client, public).status_code == 200
    assert download(client, internal).status_code == 404


def test_other_company_cannot_download(client, files, companies):
    client.force_login(companies.client2)
    assert download(client, files[0]).status_code == 404


@pytest.mark.parametrize("who", ["sales", "dev"])
def test_outsiders_cannot_download(client, files, staff, who):
    client.force_login(getattr(staff, who))
    assert download(client, files[0]).status_code == 404


def test_ceo_downloads(client, files, staff):
    client.force_login(staff.ceo)
    assert download(client, files[1]).status_code == 200


# ---- a new ticket from a phone call ---------------------------------------------------------------


def test_new_phone_ticket(client, companies, staff):
    client.force_login(staff.support)
    page = client.get(reverse("tickets:create"))
    assert page.status_code == 200 and 'value="phone" selected' in page.content.decode()
    response = client.post(
        reverse("tickets:create"),
        {
            "client": companies.a.pk,
            "site": companies.site_a.pk,
            "contact": companies.contact_a.pk,
            "type": TicketType.EMERGENCY,
            "category": CategoryFactory().pk,
            "channel": Channel.PHONE,
            "subject": "Не работает турникет",
            "body": "Звонок охраны: турникет заблокирован",
            "attachments": [SimpleUploadedFile("call.txt", b"notes", content_type="text/plain")],
        },
    )
    ticket = Ticket.objects.get(subject="Не работает турникет")
    assert response["Location"] == url("detail", ticket)
    assert (ticket.client, ticket.site, ticket.contact, ticket.channel) == (
        companies.a,
        companies.site_a,
        companies.contact_a,
        Channel.PHONE,
    )
    assert ticket.clocks.count() == 2  # an emergency: first response and resolution
    assert ticket.messages.get().attachments.count() == 1


def test_site_of_another_client_is_refused(client, companies, staff):
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:create"),
        {
            "client": companies.a.pk,
            "site": companies.site_b.pk,
            "type": TicketType.STANDARD,
            "channel": Channel.PHONE,
            "subject": "Чужой объект",
            "body": "…",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["site"]
    assert not Ticket.objects.exists()


def test_sites_and_contacts_follow_the_client(client, companies, staff):
    client.force_login(staff.support)
    response = client.get(reverse("tickets:client_options"), {"client": companies.b.pk})
    html = response.content.decode()
    assert companies.site_b.name in html and companies.site_a.name not in html
    # Without JavaScript: the «show sites and contacts» button re-renders the form.
    response = client.post(reverse("tickets:create"), {"client": companies.a.pk, "refresh": "1"})
    html = response.content.decode()
    assert companies.site_a.name in html and companies.site_b.name not in html
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("who", "code"), [("ceo", 403), ("sales", 403), ("dev", 403)])
def test_new_ticket_form_is_refused(client, staff, who, code):
    client.force_login(getattr(staff, who))
    assert client.get(reverse("tickets:create")).status_code == code
    assert client.get(reverse("tickets:client_options")).status_code == code


def test_new_ticket_form_refuses_client_contacts(client, companies):
    client.force_login(companies.client1)
    response = client.post(reverse("tickets:create"), {"subject": "x"})
    assert response.status_code == 403
    assert not Ticket.objects.exists()


# ---- notifications ------------------------------------------------------------------------------


@pytest.fixture
def notices(staff):
    def notice(user, key, url=""):
        return Notification.objects.create(recipient=user, key=key, text=f"Notice {key}", url=url)

    return {
        "mine": notice(staff.support, "a", "/tickets/1/"),
        "mine2": notice(staff.support, "b"),
        "theirs": notice(staff.engineer, "c"),
    }


def test_notification_list_shows_only_mine_and_the_unread_counter(client, notices, staff):
    client.force_login(staff.support)
    response = client.get(reverse("notifications:list"))
    html = response.content.decode()
    assert "Notice a" in html and "Notice b" in html and "Notice c" not in html
    assert response.context["unread_notifications"] == 2
    assert 'class="notifications-link"' in html


def test_mark_one_and_all_read(client, notices, staff):
    client.force_login(staff.support)
    client.post(reverse("notifications:read"), {"id": notices["mine"].pk})
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("key", flat=True)) == {
        "b",
        "c",
    }
    client.post(reverse("notifications:read"), {"all": "1"})
    assert list(
        Notification.objects.filter(read_at__isnull=True).values_list("key", flat=True)
    ) == ["c"]


def test_cannot_mark_or_open_someone_elses_notification(client, notices, staff):
    client.force_login(staff.support)
    client.post(reverse("notifications:read"), {"id": notices["theirs"].pk})
    notices["theirs"].refresh_from_db()
    assert notices["theirs"].read_at is None
    assert client.get(reverse("notifications:open", args=[notices["theirs"].pk])).status_code == 404


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, notices, staff):
    client.force_login(staff.support)
    response = client.get(reverse("notifications:open", args=[notices["mine"].pk]))
    assert response["Location"] == "/tickets/1/"
    notices["mine"].refresh_from_db()
    assert notices["mine"].read_at == NOW


def test_unread_counter_is_one_query_and_none_for_fragments(client, notices, staff):
    client.force_login(staff.support)
    client.get(reverse("tickets:queue"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("tickets:queue"), headers={"HX-Request": "true"})
    assert not [q for q in ctx.captured_queries if "core_notification" in q["sql"]]
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("tickets:queue"))
    assert len([q for q in ctx.captured_queries if "core_notification" in q["sql"]]) == 1


def test_notifications_need_a_login(client, db):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_type_explanations_quote_the_policy(client, staff):
    client.force_login(staff.support)
    html = client.get(reverse("tickets:create")).content.decode()
    assert "First response within 15 min, around the clock." in html
    assert "First response within 4 h 00 min of business time." in html


@pytest.fixture
def premium_for_a(companies, staff):
    """Company A's own policy (SLA по договору): a standard ticket answered within an hour,
    an emergency within 10 minutes, round the clock."""
    return premium_policy(staff.head, client=companies.a)


PREMIUM_STANDARD = "First response within 1 h 00 min, around the clock."
DEFAULT_STANDARD = "First response within 4 h 00 min of business time."


def test_new_ticket_form_quotes_the_chosen_clients_own_policy(
    client, staff, premium_for_a, companies
):
    client.force_login(staff.support)
    # No client chosen yet: the default policy's times.
    html = client.get(reverse("tickets:create")).content.decode()
    assert DEFAULT_STANDARD in html and PREMIUM_STANDARD not in html
    # Choosing company A (htmx): its own times replace them out of band, the chosen type kept.
    response = client.get(
        reverse("tickets:client_options"), {"client": companies.a.pk, "type": TicketType.EMERGENCY}
    )
    html = response.content.decode()
    assert 'id="ticket-types"' in html and 'hx-swap-oob="true"' in html
    assert PREMIUM_STANDARD in html and DEFAULT_STANDARD not in html
    assert "First response within 10 min, around the clock." in html
    assert f'name="shown_policy" value="{premium_for_a.pk}"' in html
    assert 'value="emergency" checked' in html
    # Without JavaScript: «Show sites and contacts» re-renders the form with them.
    html = client.post(
        reverse("tickets:create"), {"client": companies.a.pk, "refresh": "1"}
    ).content.decode()
    assert PREMIUM_STANDARD in html and DEFAULT_STANDARD not in html


def test_new_ticket_form_quotes_the_default_for_a_client_without_its_own(
    client, staff, premium_for_a, companies
):
    client.force_login(staff.support)
    html = client.get(reverse("tickets:client_options"), {"client": companies.b.pk}).content
    html = html.decode()
    assert DEFAULT_STANDARD in html and PREMIUM_STANDARD not in html
    default = SlaPolicy.objects.get(is_default=True)
    assert f'name="shown_policy" value="{default.pk}"' in html


def _create_post(companies, shown_policy):
    return {
        "client": companies.a.pk,
        "type": TicketType.STANDARD,
        "channel": Channel.PHONE,
        "subject": "Не работает турникет",
        "body": "Звонок охраны",
        "shown_policy": shown_policy.pk,
    }


def test_the_ticket_runs_the_policy_the_form_showed(client, staff, premium_for_a, companies):
    client.force_login(staff.support)
    default = SlaPolicy.objects.get(is_default=True)
    # The form showed the default (company A chosen without the terms being refreshed): the
    # operator may have promised 4 business hours, so nothing is created and the page now
    # shows the client's own times.
    response = client.post(reverse("tickets:create"), _create_post(companies, default))
    assert response.status_code == 200 and not Ticket.objects.exists()
    html = response.content.decode()
    assert "not the ones the form showed" in html
    assert PREMIUM_STANDARD in html
    assert f'name="shown_policy" value="{premium_for_a.pk}"' in html
    # Sent again with the times it now shows: created under that policy, its clock an hour.
    response = client.post(reverse("tickets:create"), _create_post(companies, premium_for_a))
    ticket = Ticket.objects.get()
    assert response["Location"] == url("detail", ticket)
    assert ticket.policy == premium_for_a
    clock = ticket.clocks.get(metric=Metric.FIRST_RESPONSE)
    assert clock.due_at == NOW + dt.timedelta(hours=1)


def test_client1_gets_404_for_company_b_ticket_and_attachment(client, companies):
    ticket_b = actions.do_create_ticket(
        companies.client2,
        client=companies.b,
        contact=companies.contact_b,
        subject="Турникет на проходной",
        body="Не пропускает сотрудников",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        attachments=[SimpleUploadedFile("b.png", b"\x89PNG", content_type="image/png")],
    )
    attachment_b = ticket_b.messages.get().attachments.get()
    client.force_login(companies.client1)
    assert client.get(url("detail", ticket_b)).status_code == 404
    assert download(client, attachment_b).status_code == 404
    client.force_login(companies.client2)
    assert download(client, attachment_b).status_code == 200


def test_staff_and_portal_downloads_answer_alike(client, files, staff, companies):
    """One attachment_response: the same type whitelist, nosniff, sandbox and disposition."""
    public, _internal = files
    client.force_login(staff.support)
    by_staff = download(client, public)
    client.force_login(companies.client1)
    by_portal = client.get(reverse("portal:attachment", args=[public.pk]))
    headers = ("Content-Type", "Content-Disposition", "X-Content-Type-Options")
    assert by_portal.status_code == by_staff.status_code == 200
    assert [by_portal[h] for h in headers] == [by_staff[h] for h in headers]
    assert by_portal["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert by_portal["Content-Security-Policy"] == by_staff["Content-Security-Policy"]


def _paused_without_a_due_time(ticket):
    """A paused resolution clock with no due time, as an older generator left it: data
    `soprovod verify` reports, never what the rules write."""
    actions.do_change_status(ticket.assignee or None, ticket, TicketStatus.WAITING_CLIENT)
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.RESOLUTION)
    assert clock.paused_since is not None
    SlaClock.objects.filter(pk=clock.pk).update(due_at=None)


def test_a_paused_clock_without_a_due_time_is_shown_not_a_500(client, ticket, staff, companies):
    _paused_without_a_due_time(ticket)
    client.force_login(staff.support)
    for name in ("detail", "timers"):
        response = client.get(url(name, ticket))
        assert response.status_code == 200, name
        assert "due time not calculated" in response.content.decode()
    client.force_login(companies.client1)
    assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 200
