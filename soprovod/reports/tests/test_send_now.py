"""Issue 16 «Reports»: the head sends a finished report to the CEO now, with a cover note,
instead of waiting for the mailing on the first working day; the report page lists who
received which version, when, by schedule or by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.lib.periods import parse_month
from soprovod.reports import actions
from soprovod.reports.models import DeliveryStatus, Report, ReportDelivery, ReportStatus

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NOVEMBER = parse_month("2026-11")


@pytest.fixture
def people(db):
    return {
        "ceo": UserFactory(
            username="ceo",
            first_name="Олег",
            last_name="Гендиров",
            email="ceo@example.test",
            roles=[Role.CEO],
        ),
        "head": UserFactory(username="head", email="head@example.test", roles=[Role.HEAD]),
        "support": UserFactory(
            username="support", email="support@example.test", roles=[Role.SUPPORT_MANAGER]
        ),
    }


def make_files(report: Report, pdf: bytes, xlsx: bytes, at: dt.datetime) -> Report:
    """The files of a new version, written the way generation writes them."""
    actions._store_files(report, pdf, xlsx, at)
    report.refresh_from_db()
    return report


@pytest.fixture
def ready(people):
    report = Report.objects.create(
        kind="monthly",
        period_start=NOVEMBER.start,
        period_end=NOVEMBER.end,
        created_by=people["head"],
    )
    return make_files(report, b"%PDF-1 first", b"PK first", dt.datetime(2026, 12, 1, 9, tzinfo=MSK))


def send(client, report, note="Коротко: SLA в плане.", key="k1", recipients=None, people=None):
    data = {"note": note, "key": key}
    if recipients is not None:
        data["recipients"] = [user.pk for user in recipients]
    return client.post(reverse("reports:send", args=[report.pk]), data)


def test_the_form_defaults_to_the_ceo(client, people, ready):
    client.force_login(people["head"])
    page = client.get(reverse("reports:detail", args=[ready.pk])).content.decode()
    form = page[page.index('id="report-send"') :]
    form = form[: form.index("</form>")]
    ceo = form.index(f'value="{people["ceo"].pk}"')
    assert "checked" in form[ceo : form.index(">", ceo)]
    support = form.index(f'value="{people["support"].pk}"')
    assert "checked" not in form[support : form.index(">", support)]
    assert "за Ноябрь" not in page and "за ноябрь 2026" in page
    assert "<h1>Ежемесячный отчёт отдела сопровождения за ноябрь 2026</h1>" in page


def test_send_now_sends_once_with_the_note(
    client, people, ready, django_capture_on_commit_callbacks
):
    client.force_login(people["head"])
    with django_capture_on_commit_callbacks(execute=True):
        first = send(client, ready, recipients=[people["ceo"]])
        again = send(client, ready, recipients=[people["ceo"]])  # a double-click: same form
    assert first.status_code == 302 and again.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ceo@example.test"] and message.cc == ["head@example.test"]
    assert message.body.startswith("Коротко: SLA в плане.")
    assert message.subject == "Ежемесячный отчёт отдела сопровождения за ноябрь 2026"
    assert {name: content for name, content, _type in message.attachments} == {
        "soprovod-report-2026-11.pdf": b"%PDF-1 first",
        "soprovod-report-2026-11.xlsx": b"PK first",
    }
    delivery = ReportDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.by_hand
    # A retried task sends nothing more.
    assert actions.do_deliver(delivery.pk) is False
    assert len(mail.outbox) == 1
    ready.refresh_from_db()
    assert ready.sent_at == delivery.sent_at  # the scheduled mailing will not send it again
    assert actions.run_monthly_schedule(now=dt.datetime(2026, 12, 2, 9, tzinfo=MSK)) == (
        actions.ScheduleOutcome.ALREADY_SENT
    )
    assert len(mail.outbox) == 1


def test_the_history_shows_who_got_which_version_when_and_the_note(
    client, people, ready, django_capture_on_commit_callbacks
):
    client.force_login(people["head"])
    with django_capture_on_commit_callbacks(execute=True):
        send(client, ready, recipients=[people["ceo"]], note="Первая версия")
    newer = make_files(
        ready, b"%PDF-1 second", b"PK second", dt.datetime(2026, 12, 3, 9, tzinfo=MSK)
    )
    assert newer.version == 2
    with django_capture_on_commit_callbacks(execute=True):
        send(client, newer, recipients=[people["ceo"]], note="Исправлены цифры", key="k2")
    assert len(mail.outbox) == 2
    assert mail.outbox[1].attachments[0][1] == b"%PDF-1 second"
    first, second = ReportDelivery.objects.order_by("pk")
    assert (first.version, second.version) == (1, 2)

    page = client.get(reverse("reports:detail", args=[ready.pk])).content.decode()
    history = page[page.index("report-deliveries") :]
    history = history[: history.index("</table>")]
    rows = history.split('<tr id="delivery-')[1:]
    assert len(rows) == 2
    assert "версия 2" in rows[0] and "Исправлены цифры" in rows[0]
    assert "версия 1" in rows[1] and "Первая версия" in rows[1]
    assert all("ceo@example.test" in row and "вручную" in row for row in rows)

    # The CEO reads the history too, without the form.
    client.force_login(people["ceo"])
    page = client.get(reverse("reports:detail", args=[ready.pk])).content.decode()
    assert "Исправлены цифры" in page and 'id="report-send"' not in page


def test_the_scheduled_mailing_is_listed_as_such(people):
    report = Report.objects.create(
        kind="monthly", period_start=NOVEMBER.start, period_end=NOVEMBER.end
    )
    make_files(report, b"%PDF", b"PK", dt.datetime(2026, 12, 1, 9, tzinfo=MSK))
    assert actions.do_send_report(report)
    delivery = ReportDelivery.objects.get()
    assert not delivery.by_hand and delivery.sent_by is None
    assert delivery.to == ["ceo@example.test"] and delivery.version == 1


@pytest.mark.parametrize("who", ["ceo", "support"])
def test_only_the_head_may_send(client, people, ready, who, django_capture_on_commit_callbacks):
    client.force_login(people[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, ready, recipients=[people["ceo"]])
    # The CEO reads reports (403 on a write); others may not see the report at all (404).
    assert response.status_code == (403 if who == "ceo" else 404)
    assert mail.outbox == [] and not ReportDelivery.objects.exists()


@pytest.mark.parametrize(
    "state", [ReportStatus.PENDING, ReportStatus.GENERATING, ReportStatus.FAILED]
)
def test_a_report_not_ready_cannot_be_sent(
    client, people, ready, state, django_capture_on_commit_callbacks
):
    Report.objects.filter(pk=ready.pk).update(status=state)
    client.force_login(people["head"])
    page = client.get(reverse("reports:detail", args=[ready.pk])).content.decode()
    assert 'id="report-send"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, ready, recipients=[people["ceo"]])
    assert response.status_code == 302
    assert mail.outbox == [] and not ReportDelivery.objects.exists()


def test_a_report_never_made_cannot_be_sent(client, people):
    report = Report.objects.create(
        kind="monthly", period_start=NOVEMBER.start, period_end=NOVEMBER.end
    )
    with pytest.raises(actions.ReportNotReadyError):
        actions.do_request_delivery(people["head"], report, [people["ceo"]], "")


def test_a_version_replaced_before_the_mail_went_out_is_not_sent(people, ready):
    delivery = actions.do_request_delivery(people["head"], ready, [people["ceo"]], "note")
    make_files(ready, b"%PDF new", b"PK new", dt.datetime(2026, 12, 4, 9, tzinfo=MSK))
    assert actions.do_deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.error
    assert mail.outbox == []


def test_an_interim_version_sent_by_hand_leaves_the_schedule_to_send_the_final_one(people):
    report = Report.objects.create(
        kind="monthly", period_start=NOVEMBER.start, period_end=NOVEMBER.end
    )
    make_files(report, b"%PDF", b"PK", dt.datetime(2026, 11, 20, 9, tzinfo=MSK))
    delivery = actions.do_request_delivery(people["head"], report, [people["ceo"]], "промежуточный")
    assert actions.do_deliver(delivery.pk)
    report.refresh_from_db()
    assert report.sent_at is None  # not final: the first working day still sends the month


def test_the_card_that_polls_brings_the_form_when_the_files_are_ready(client, people, ready):
    """The page updates itself when the files are ready (htmx swaps the status card): the
    head's «Send now» form comes with the ready card, without a reload."""
    Report.objects.filter(pk=ready.pk).update(status=ReportStatus.GENERATING)
    client.force_login(people["head"])
    url = reverse("reports:status", args=[ready.pk])
    busy = client.get(url, HTTP_HX_REQUEST="true").text
    assert 'hx-trigger="load delay:2s"' in busy and 'id="report-send"' not in busy
    assert "Отчёт за ноябрь 2026 формируется" in busy
    Report.objects.filter(pk=ready.pk).update(status=ReportStatus.READY)
    done = client.get(url, HTTP_HX_REQUEST="true").text
    assert "hx-trigger" not in done and "формируется" not in done
    assert 'id="report-send"' in done and "csrfmiddlewaretoken" in done
    client.force_login(people["ceo"])
    assert 'id="report-send"' not in client.get(url, HTTP_HX_REQUEST="true").text


def test_while_the_ceo_is_away_the_form_defaults_to_their_deputy(client, people, ready):
    from django.utils import timezone

    from soprovod.accounts.models import Absence

    deputy = UserFactory(username="deputy", email="deputy@example.test", roles=[Role.SALES])
    today = timezone.localdate()
    Absence.objects.create(person=people["ceo"], starts_on=today, ends_on=today, deputy=deputy)
    assert [user.pk for user in actions.default_recipients()] == [deputy.pk]
    client.force_login(people["head"])
    page = client.get(reverse("reports:detail", args=[ready.pk])).content.decode()
    form = page[page.index('id="report-send"') :]
    at = form.index(f'value="{deputy.pk}"')
    assert "checked" in form[at : form.index(">", at)]
