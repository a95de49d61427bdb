"""The report archive (interfaces.md «Web»: /reports/): the list with downloads, a form to
generate a report for a chosen period in the background with its progress, the head's
commentary, regeneration. The head manages reports; the CEO reads and downloads them;
everyone else gets 403 on the archive and 404 on any one report or file.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from soprovod.accounts.models import User
from soprovod.accounts.permissions import can_manage_reports, can_read_reports, require
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.lib.periods import PeriodError
from soprovod.reports import actions, review
from soprovod.reports.generator import build_report_data
from soprovod.reports.kinds import parse_period, period_code, period_label
from soprovod.reports.models import Report, ReportKind
from soprovod.reports.pdf import CONTENT_TYPE as PDF_CONTENT_TYPE
from soprovod.reports.pdf import render_html
from soprovod.reports.permissions import get_report_or_404
from soprovod.reports.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE

# ---- who gets in -------------------------------------------------------------------------
# Reports hold the department's figures for the CEO: the head and the CEO read them, only
# the head writes.


def _require_manager(request: HttpRequest) -> None:
    require(can_manage_reports(request.user))


# ---- forms -------------------------------------------------------------------------------


def period_choices(today: dt.date) -> list:
    """The periods one can pick, newest first: 24 months, 8 quarters, 5 years (each up to the
    current one, which is still in progress)."""
    months, quarters, years = [], [], []
    month = today.replace(day=1)
    for _i in range(24):
        months.append(f"{month:%Y-%m}")
        month = (month - dt.timedelta(days=1)).replace(day=1)
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _i in range(8):
        quarters.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    years = [str(today.year - i) for i in range(5)]

    def options(kind: str, codes: list[str]) -> list[tuple[str, str]]:
        return [(f"{kind}:{code}", period_label(kind, parse_period(kind, code))) for code in codes]

    return [
        (_("Months"), options(ReportKind.MONTHLY, months)),
        (_("Quarters"), options(ReportKind.QUARTERLY, quarters)),
        (_("Years"), options(ReportKind.ANNUAL, years)),
    ]


class GenerateForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"))

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices(today)
        # The usual one: last month, the first working days of this one.
        self.fields[
            "period"
        ].initial = f"monthly:{(today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"

    def clean_period(self):
        kind, _sep, code = self.cleaned_data["period"].partition(":")
        try:
            return ReportKind(kind), parse_period(kind, code)
        except (ValueError, PeriodError) as error:
            raise forms.ValidationError(_("Choose a period from the list.")) from error


class CommentaryForm(forms.Form):
    commentary = forms.CharField(
        label=gettext_lazy("Head's commentary"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Goes into the PDF and the XLSX; the files are made again when you save it."
        ),
    )


class SendForm(forms.Form):
    """The head sends a finished report now: to whom (the CEO, or their stand-in, unless
    chosen otherwise) and a cover note. ``key`` is the form's own: a double-click or a
    resubmission names the mailing already queued."""

    recipients = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Recipients"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one recipient.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Cover note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Goes at the top of the mail; the PDF and the XLSX are attached."),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = actions.default_recipients()
        staff = users_with_role([role for role in Role if role != Role.CLIENT_CONTACT])
        self.fields["recipients"].queryset = (
            User.objects.filter(
                Q(pk__in=staff.values("pk")) | Q(pk__in=[user.pk for user in defaults])
            )
            .exclude(email="")
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["recipients"].label_from_instance = _recipient_label
        if not self.is_bound:
            self.initial = {"recipients": [user.pk for user in defaults], "key": uuid.uuid4().hex}


def _recipient_label(user) -> str:
    return f"{user.get_full_name() or user.username} <{user.email}>"


# ---- pages -------------------------------------------------------------------------------


@login_required
def archive(request: HttpRequest) -> HttpResponse:
    """Every report, newest period first, with downloads; the head also gets the form."""
    require(can_read_reports(request.user))
    can_manage = can_manage_reports(request.user)
    today = timezone.localdate()
    form = None
    if can_manage:
        form = GenerateForm(request.POST if request.method == "POST" else None, today=today)
        if request.method == "POST" and form.is_valid():
            kind, period = form.cleaned_data["period"]
            # No flash message: the report page's status card says it is being made and
            # updates itself when the files are ready (a message would outlive that).
            report = actions.do_request_report(request.user, kind, period)
            return redirect("reports:detail", pk=report.pk)
    elif request.method == "POST":
        raise PermissionDenied
    reports = Report.objects.select_related("created_by").order_by(
        "-period_start", "-period_end", "kind"
    )
    return render(
        request,
        "reports/archive.html",
        {"reports": reports, "form": form, "can_manage": can_manage},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    can_manage = can_manage_reports(request.user)
    form = CommentaryForm(initial={"commentary": report.commentary}) if can_manage else None
    return _detail_page(request, report, form)


def _review_fields(report: Report) -> tuple[list, list]:
    """The review sections' commentary fields (name, title, text), and for an annual report
    each person's grade and assessment fields (person, grade field, assessment field)."""
    texts = report.section_commentary
    sections = [
        (key, str(review.SECTION_TITLES[key]), texts.get(key, ""))
        for key in review.sections_of(report.kind)
    ]
    people = []
    if report.kind == ReportKind.ANNUAL:
        people = [
            (
                person,
                (f"grade.{person.pk}", texts.get(f"grade.{person.pk}", "")),
                (f"assessment.{person.pk}", texts.get(f"assessment.{person.pk}", "")),
            )
            for person in review.people()
        ]
    return sections, people


def _detail_page(
    request: HttpRequest, report: Report, form, *, send_form=None, status: int = 200
) -> HttpResponse:
    sections, people = _review_fields(report)
    can_manage = can_manage_reports(request.user)
    if can_manage and send_form is None and report.is_ready and not report.is_busy:
        send_form = SendForm()
    context = {
        "send_form": send_form if can_manage else None,
        "deliveries": report.deliveries.select_related("sent_by"),
        "report": report,
        "code": period_code(report.kind, report.period),
        "form": form,
        "can_manage": can_manage_reports(request.user),
        "review_sections": sections,
        "review_people": people,
    }
    return render(request, "reports/detail.html", context, status=status)


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the pages poll while a report is being generated."""
    report = get_report_or_404(request.user, pk)
    if request.GET.get("row"):
        return render(request, "reports/_status_row.html", {"report": report})
    # Once the files are ready the card brings the head's «Send now» form with it.
    ready = can_manage_reports(request.user) and report.is_ready and not report.is_busy
    context = {"report": report, "send_form": SendForm() if ready else None}
    return render(request, "reports/_status.html", context)


@login_required
@require_POST
def commentary(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    _require_manager(request)
    form = CommentaryForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, report, form, status=422)
    actions.do_update_commentary(request.user, report, form.cleaned_data["commentary"])
    messages.success(request, _("Commentary saved."))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def section_commentary(request: HttpRequest, pk: int) -> HttpResponse:
    """The head's commentary per review section (and the annual grades and assessments),
    until the report is mailed."""
    report = get_report_or_404(request.user, pk)
    _require_manager(request)
    sections, people = _review_fields(report)
    names = [key for key, _title, _text in sections]
    for _person, grade, assessment in people:
        names += [grade[0], assessment[0]]
    texts = {name: request.POST.get(name, "")[:5000] for name in names if name in request.POST}
    try:
        actions.do_update_section_commentary(request.user, report, texts)
    except actions.ReportFinalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Commentary saved."))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    """The head sends the finished report now, with a cover note (in the background)."""
    report = get_report_or_404(request.user, pk)
    _require_manager(request)
    form = SendForm(request.POST)
    if not form.is_valid():
        commentary_form = CommentaryForm(initial={"commentary": report.commentary})
        return _detail_page(request, report, commentary_form, send_form=form, status=422)
    try:
        actions.do_request_delivery(
            request.user,
            report,
            form.cleaned_data["recipients"],
            form.cleaned_data["note"],
            key=form.cleaned_data["key"],
        )
    except actions.ReportNotReadyError as error:
        messages.error(request, str(error))
        return redirect("reports:detail", pk=report.pk)
    messages.success(request, _("The report is being sent; the mailing is listed below."))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    _require_manager(request)
    actions.do_request_report(request.user, report.kind, report.period)
    return redirect("reports:detail", pk=report.pk)


_FILES = {"pdf": PDF_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


@login_required
@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """The report's PDF or XLSX as an attachment (404 for anyone who may not read it)."""
    report = get_report_or_404(request.user, pk)
    file = getattr(report, fmt, None) if fmt in _FILES else None
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{report.file_stem()}.{fmt}",
        content_type=_FILES[fmt],
    )


@login_required
@require_GET
def view_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a web page: the PDF's own layout, with the figures as they were when
    the files were made."""
    report = get_report_or_404(request.user, pk)
    data = build_report_data(
        report.kind,
        report.period,
        commentary=report.commentary,
        now=report.generated_at,
        language=translation.get_language(),
    )
    return HttpResponse(render_html(data))
