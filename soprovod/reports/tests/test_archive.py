"""/reports/: the head generates, comments and regenerates; the CEO reads and downloads;
everyone else is turned away (403 on the archive, 404 on any one report or file)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from soprovod.audit.models import AuditEvent
from soprovod.kpi.tests.fixtures import NOW, OCTOBER
from soprovod.reports import actions
from soprovod.reports.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_report(department, staff):
    report = Report.objects.create(
        kind="monthly",
        period_start=OCTOBER.start,
        period_end=OCTOBER.end,
        commentary="Итоги октября",
        created_by=staff.head,
    )
    return actions.do_generate_report(report.pk, now=NOW)


def login(client, user):
    client.force_login(user)
    return client


# ---- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["head", "ceo"])
def test_head_and_ceo_see_the_archive(client, staff, ready_report, who):
    response = login(client, getattr(staff, who)).get(reverse("reports:archive"))
    assert response.status_code == 200
    assert reverse("reports:download", args=[ready_report.pk, "pdf"]) in response.text


@pytest.mark.parametrize("who", ["support", "csm", "engineer", "sales", "dev"])
def test_other_staff_are_refused_the_archive(client, staff, ready_report, who):
    login(client, getattr(staff, who))
    assert client.get(reverse("reports:archive")).status_code == 403
    for name, args in [
        ("reports:detail", [ready_report.pk]),
        ("reports:download", [ready_report.pk, "pdf"]),
        ("reports:download", [ready_report.pk, "xlsx"]),
        ("reports:view", [ready_report.pk]),
        ("reports:status", [ready_report.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name


def test_a_client_contact_never_learns_reports_exist(client, companies, ready_report):
    login(client, companies.client1)
    assert client.get(reverse("reports:download", args=[ready_report.pk, "pdf"])).status_code == (
        404
    )
    assert client.get(reverse("reports:detail", args=[ready_report.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, ready_report):
    response = client.get(reverse("reports:download", args=[ready_report.pk, "pdf"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_ceo_reads_but_does_not_write(client, staff, ready_report):
    login(client, staff.ceo)
    page = client.get(reverse("reports:detail", args=[ready_report.pk]))
    assert page.status_code == 200
    assert "Итоги октября" in page.text
    assert "<textarea" not in page.text
    assert client.post(reverse("reports:archive"), {"period": "monthly:2026-10"}).status_code == (
        403
    )
    commentary_url = reverse("reports:commentary", args=[ready_report.pk])
    assert client.post(commentary_url, {"commentary": "x"}).status_code == 403
    regenerate_url = reverse("reports:regenerate", args=[ready_report.pk])
    assert client.post(regenerate_url).status_code == 403
    ready_report.refresh_from_db()
    assert ready_report.commentary == "Итоги октября"


# ---- downloads -----------------------------------------------------------------------------


def test_ceo_downloads_the_pdf_and_the_xlsx(client, staff, ready_report):
    login(client, staff.ceo)
    pdf = client.get(reverse("reports:download", args=[ready_report.pk, "pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="soprovod-report-2026-10.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")

    xlsx = client.get(reverse("reports:download", args=[ready_report.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.worksheets[-1]["A2"].value == "Итоги октября"


def test_unknown_format_or_missing_file_is_404(client, staff, ready_report):
    login(client, staff.head)
    assert client.get(reverse("reports:download", args=[ready_report.pk, "docx"])).status_code == (
        404
    )
    pending = Report.objects.create(
        kind="annual", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)
    )
    assert client.get(reverse("reports:download", args=[pending.pk, "pdf"])).status_code == 404


# ---- generating ----------------------------------------------------------------------------


def test_head_generates_a_report_in_the_background(
    client,
    staff,
    department,
    django_capture_on_commit_callbacks,
):
    login(client, staff.head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:archive"), {"period": "quarterly:2026-Q4"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    # Celery runs eagerly in tests: the task has run by now.
    assert report.status == ReportStatus.READY
    assert (report.period_start, report.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert report.created_by == staff.head
    assert report.pdf.name.endswith(".pdf") and report.xlsx.name.endswith(".xlsx")
    assert AuditEvent.objects.filter(object_id=str(report.pk), actor=staff.head).exists()


def test_a_second_request_for_the_same_period_reuses_the_report(client, staff, ready_report):
    login(client, staff.head)
    client.post(reverse("reports:archive"), {"period": "monthly:2026-10"})
    assert Report.objects.count() == 1
    ready_report.refresh_from_db()
    assert ready_report.status == ReportStatus.PENDING
    assert ready_report.commentary == "Итоги октября"


def test_a_period_not_in_the_list_is_refused(client, staff, db):
    login(client, staff.head)
    for bad in ("monthly:2026-13", "weekly:2026-10", "monthly:1999-01", ""):
        response = client.post(reverse("reports:archive"), {"period": bad})
        assert response.status_code == 200, bad
        assert "errorlist" in response.text
    assert Report.objects.count() == 0


def test_status_fragment_polls_while_busy_and_stops_when_ready(client, staff, ready_report):
    login(client, staff.head)
    Report.objects.filter(pk=ready_report.pk).update(status=ReportStatus.GENERATING, progress=60)
    busy = client.get(reverse("reports:status", args=[ready_report.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="load delay:2s"' in busy.text
    assert 'value="60"' in busy.text
    Report.objects.filter(pk=ready_report.pk).update(status=ReportStatus.READY, progress=100)
    done = client.get(reverse("reports:status", args=[ready_report.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.text
    assert reverse("reports:download", args=[ready_report.pk, "pdf"]) in done.text
    row = client.get(reverse("reports:status", args=[ready_report.pk]) + "?row=1")
    assert row.text.lstrip().startswith("<tr")


def test_failed_generation_says_so_and_can_be_tried_again(client, staff, department, monkeypatch):
    from soprovod.reports import pdf

    def broken(data):
        raise OSError("no fonts")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    report = actions.do_request_report(staff.head, "monthly", OCTOBER)
    report = actions.do_generate_report(report.pk, now=NOW)
    assert report.status == ReportStatus.FAILED
    assert "no fonts" in report.error
    page = login(client, staff.head).get(reverse("reports:detail", args=[report.pk]))
    assert "no fonts" in page.text
    assert f'action="{reverse("reports:regenerate", args=[report.pk])}"' in page.text


# ---- the commentary ------------------------------------------------------------------------


def test_head_edits_the_commentary_and_the_files_are_made_again(
    client, staff, ready_report, django_capture_on_commit_callbacks
):
    login(client, staff.head)
    old_pdf = ready_report.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:commentary", args=[ready_report.pk]),
            {"commentary": "Новый комментарий\r\nв две строки"},
        )
    assert response.status_code == 302
    ready_report.refresh_from_db()
    assert ready_report.commentary == "Новый комментарий\nв две строки"
    assert ready_report.status == ReportStatus.READY
    with ready_report.xlsx.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert book.worksheets[-1]["A2"].value == "Новый комментарий\nв две строки"
    # The old files are gone; only the new ones stay.
    assert not ready_report.pdf.storage.exists(old_pdf) or old_pdf == ready_report.pdf.name
    event = AuditEvent.objects.filter(object_id=str(ready_report.pk), actor=staff.head).latest("at")
    assert event.changes["commentary"] == ["Итоги октября", "Новый комментарий\nв две строки"]


def test_regenerate_keeps_the_commentary(
    client, staff, ready_report, django_capture_on_commit_callbacks
):
    login(client, staff.head)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:regenerate", args=[ready_report.pk]))
    ready_report.refresh_from_db()
    assert ready_report.status == ReportStatus.READY
    assert ready_report.commentary == "Итоги октября"


def test_web_view_is_the_pdf_layout(client, staff, ready_report):
    page = login(client, staff.ceo).get(reverse("reports:view", args=[ready_report.pk]))
    assert page.status_code == 200
    assert "Итоги октября" in page.text
    assert 'data-key="sla.all"' in page.text


def test_archive_costs_a_fixed_number_of_queries(
    client, staff, ready_report, django_assert_max_num_queries
):
    for year in range(2020, 2026):
        Report.objects.create(
            kind="annual",
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            created_by=staff.head,
        )
    login(client, staff.head)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:archive")).status_code == 200


def test_commentary_saved_during_generation_is_picked_up_when_it_ends(
    staff, ready_report, django_capture_on_commit_callbacks
):
    Report.objects.filter(pk=ready_report.pk).update(status=ReportStatus.GENERATING)
    ready_report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.do_update_commentary(staff.head, ready_report, "Дописал")
    assert callbacks == []  # the running generation goes again by itself when it ends
    ready_report.refresh_from_db()
    assert ready_report.status == ReportStatus.GENERATING


def test_commentary_on_a_report_whose_worker_died_queues_it_again(
    staff, ready_report, django_capture_on_commit_callbacks
):
    stale = ready_report.updated_at - actions.STALE_GENERATION * 2
    Report.objects.filter(pk=ready_report.pk).update(
        status=ReportStatus.GENERATING, updated_at=stale
    )
    ready_report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_update_commentary(staff.head, ready_report, "Дописал")
    ready_report.refresh_from_db()
    assert ready_report.status == ReportStatus.READY
