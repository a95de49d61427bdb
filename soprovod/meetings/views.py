"""The meeting pages: the list with this week's meetings, one meeting (agenda, minutes,
action items), «my action items», and the head's series settings.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
meetings and items); reads come from ``queries`` and ``agenda``, writes go through
``actions``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soprovod.accounts.permissions import can_run_meetings, can_see_meetings, require
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, posted, resubmission
from soprovod.meetings import actions, links, mail, queries
from soprovod.meetings import agenda as agendas
from soprovod.meetings.forms import (
    ActionItemForm,
    CloseItemForm,
    MinutesForm,
    RescheduleForm,
    SeriesForm,
)
from soprovod.meetings.models import ActionItem, MeetingKind, MeetingSeries, MeetingStatus
from soprovod.meetings.permissions import (
    can_close_action_item,
    can_edit_minutes,
    can_hold_meeting,
    get_action_item_or_404,
    get_meeting_or_404,
    meetings_visible_to,
)


def _require_section(request: HttpRequest) -> None:
    require(can_see_meetings(request.user))


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _week(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    monday = today - dt.timedelta(days=today.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    return start, start + dt.timedelta(days=7)


# ---- the list ------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_section(request)
    now = timezone.now()
    kind = request.GET.get("kind", "")
    if kind not in MeetingKind.values:
        kind = ""
    week_start, week_end = _week(timezone.localdate(now))
    this_week = list(
        meetings_visible_to(request.user)
        .filter(starts_at__gte=week_start, starts_at__lt=week_end)
        .order_by("starts_at", "pk")
    )
    meetings = queries.meeting_list(request.user, kind=kind).filter(starts_at__lt=week_start)
    page = Paginator(meetings, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "this_week": this_week,
        "upcoming": [
            m for m in queries.upcoming(request.user, now, limit=6) if m.starts_at >= week_end
        ],
        "page": page,
        "meetings": page.object_list,
        "kind": kind,
        "kinds": MeetingKind.choices,
        "series": MeetingSeries.objects.order_by("kind") if can_run_meetings(request.user) else [],
        "open_items": queries.my_action_items(request.user, timezone.localdate(now)).count(),
    }
    return render(request, "meetings/list.html", context)


# ---- one meeting ---------------------------------------------------------------------------


def _agenda_rows(agenda: agendas.Agenda, item_urls: dict) -> list[dict]:
    pairs = [(item.kind, item.record_id) for s in agenda.sections for item in s.items]
    urls = links.urls_for(pairs)
    return [
        {
            "section": section,
            "items": [
                {
                    "item": item,
                    "url": item_urls.get(item.record_id)
                    if item.kind == "action_item"
                    else urls.get((item.kind, item.record_id)),
                }
                for item in section.items
            ],
        }
        for section in agenda.sections
    ]


def _detail_context(request: HttpRequest, meeting, **forms) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    agenda, stored = agendas.agenda_of(meeting, now)
    items = list(queries.items_of(meeting, today))
    holding = can_hold_meeting(request.user, meeting)
    editable = can_edit_minutes(request.user, meeting)
    # Agenda items about earlier action items link to them on their own meeting's page.
    earlier_ids = [i.record_id for s in agenda.sections for i in s.items if i.kind == "action_item"]
    item_urls = {
        pk: reverse("meetings:detail", args=[meeting_id]) + f"#item-{pk}"
        for pk, meeting_id in ActionItem.objects.filter(pk__in=earlier_ids).values_list(
            "pk", "meeting_id"
        )
    }
    record_urls = links.urls_for((item.record_kind, item.record_id) for item in items)
    for item in items:
        item.record_url = record_urls.get((item.record_kind, item.record_id), "")
        item.can_close = can_close_action_item(request.user, item)
    next_week = today + dt.timedelta(days=7)
    return {
        "meeting": meeting,
        "agenda": agenda,
        "agenda_stored": stored,
        "agenda_rows": _agenda_rows(agenda, item_urls),
        "items": items,
        "participants": list(meeting.participants.order_by("last_name", "first_name")),
        "can_hold": holding,
        "can_edit_minutes": editable,
        "minutes_form": forms.get("minutes_form")
        or (MinutesForm(initial={"minutes": meeting.minutes, "version": meeting.version})),
        "item_form": forms.get("item_form")
        or (
            ActionItemForm(
                meeting=meeting,
                initial={
                    "due_on": next_week,
                    "record_kind": request.GET.get("kind", ""),
                    "record_id": request.GET.get("record") or None,
                },
            )
            if holding and meeting.status != MeetingStatus.CANCELLED
            else None
        ),
        "stale": forms.get("stale"),
        "previous": queries.previous_meeting(meeting),
        "next": queries.next_meeting(meeting),
        "today": today,
    }


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_section(request)
    meeting = get_meeting_or_404(request.user, pk)
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


@login_required
def this_week(request: HttpRequest, kind: str) -> HttpResponse:
    """This week's meeting of a kind (a bookmark for the head): the page of the meeting, or
    the list when there is none."""
    _require_section(request)
    week_start, week_end = _week(timezone.localdate())
    meeting = (
        meetings_visible_to(request.user)
        .filter(kind=kind, starts_at__gte=week_start, starts_at__lt=week_end)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")
        .first()
    )
    if meeting is None:
        messages.info(request, _("There is no such meeting this week."))
        return redirect("meetings:list")
    return redirect("meetings:detail", meeting.pk)


def _hold(request: HttpRequest, pk: int):
    _require_section(request)
    return get_meeting_or_404(request.user, pk, for_holding=True)


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _hold(request, pk)
    try:
        actions.do_start_meeting(request.user, meeting)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The meeting has started: its agenda is fixed as of now."))
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _hold(request, pk)
    try:
        actions.do_close_meeting(request.user, meeting)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The meeting is closed; the minutes go to the participants."))
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _hold(request, pk)
    try:
        actions.do_cancel_meeting(request.user, meeting)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The meeting is cancelled; the participants are told."))
    return redirect("meetings:detail", meeting.pk)


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _hold(request, pk)
    initial = {
        "starts_at": timezone.localtime(meeting.starts_at).replace(tzinfo=None),
        "duration_minutes": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        "place": meeting.place,
        "version": meeting.version,
    }
    form = RescheduleForm(posted(request), initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_reschedule_meeting(
                request.user,
                meeting,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                expected_version=data["version"],
            )
        except StaleObjectError as stale:
            messages.warning(request, str(stale))
            form = RescheduleForm(resubmission(request, stale.obj))
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Moved; the participants get the updated invitation."))
            return redirect("meetings:detail", meeting.pk)
    return render(request, "meetings/reschedule.html", {"meeting": meeting, "form": form})


@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's calendar event, to add it by hand."""
    _require_section(request)
    meeting = get_meeting_or_404(request.user, pk)
    response = HttpResponse(mail.calendar_for(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
@require_POST
def save_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the minutes: autosaved by htmx while they are written (the answer is the status
    line and the new version), or posted as a form without JavaScript."""
    _require_section(request)
    meeting = get_meeting_or_404(request.user, pk)
    require(can_edit_minutes(request.user, meeting))
    form = MinutesForm(request.POST)
    if not form.is_valid():
        if is_htmx(request):
            return render(request, "meetings/_minutes_status.html", {"error": _("Not saved.")})
        return render(
            request, "meetings/detail.html", _detail_context(request, meeting, minutes_form=form)
        )
    try:
        saved = actions.do_save_minutes(
            request.user,
            meeting,
            minutes=form.cleaned_data["minutes"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleObjectError as stale:
        if is_htmx(request):
            return render(
                request,
                "meetings/_minutes_status.html",
                {"stale": stale, "meeting": stale.obj},
            )
        return render(
            request,
            "meetings/detail.html",
            _detail_context(
                request,
                meeting,
                minutes_form=MinutesForm(resubmission(request, stale.obj)),
                stale=stale,
            ),
        )
    except ValidationError as error:
        if is_htmx(request):
            return render(request, "meetings/_minutes_status.html", {"error": error.messages[0]})
        _refused(request, error)
        return redirect("meetings:detail", meeting.pk)
    if is_htmx(request):
        return render(
            request, "meetings/_minutes_status.html", {"meeting": saved, "saved_at": timezone.now()}
        )
    messages.success(request, _("Minutes saved."))
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _hold(request, pk)
    form = ActionItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = actions.do_add_action_item(
                request.user,
                meeting,
                title=data["title"],
                owner=data["owner"],
                due_on=data["due_on"],
                record_kind=data["record_kind"] or "",
                record_id=data["record_id"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Action item given to %(owner)s.") % {"owner": item.owner})
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#action-items")
    return render(
        request, "meetings/detail.html", _detail_context(request, meeting, item_form=form)
    )


# ---- action items --------------------------------------------------------------------------


@login_required
def my_items(request: HttpRequest) -> HttpResponse:
    """The user's own action items: open ones by due date (overdue marked), then the
    recently closed."""
    _require_section(request)
    today = timezone.localdate()
    open_items = list(queries.my_action_items(request.user, today))
    record_urls = links.urls_for((item.record_kind, item.record_id) for item in open_items)
    for item in open_items:
        item.record_url = record_urls.get((item.record_kind, item.record_id), "")
        item.close_form = CloseItemForm(initial={"version": item.version}, prefix=f"i{item.pk}")
    closed = queries.my_action_items(request.user, today, closed=True)[:30]
    context = {"open_items": open_items, "closed_items": closed, "today": today}
    return render(request, "meetings/my_items.html", context)


@login_required
@require_POST
def close_item(request: HttpRequest, pk: int) -> HttpResponse:
    _require_section(request)
    item = get_action_item_or_404(request.user, pk, for_closing=True)
    form = CloseItemForm(request.POST, prefix=f"i{item.pk}")
    back = request.POST.get("next") or reverse("meetings:my_items")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("meetings:my_items")
    if not form.is_valid():
        messages.error(request, _("Say what was done to close the action item."))
        return redirect(back)
    try:
        actions.do_close_action_item(
            request.user,
            item,
            result=form.cleaned_data["result"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleObjectError:
        messages.warning(request, _("Someone changed this action item meanwhile; look again."))
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Action item closed."))
    return redirect(back)


# ---- series --------------------------------------------------------------------------------


@login_required
def series_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_section(request)
    require(can_run_meetings(request.user))
    series = get_object_or_404(MeetingSeries, pk=pk)
    form = SeriesForm(posted(request), instance=series)
    if form.is_valid():
        try:
            actions.do_save_series(
                request.user,
                series,
                participants=form.cleaned_data["participants"],
                expected_version=form.cleaned_data["version"],
                **form.values(),
            )
        except StaleObjectError as stale:
            messages.warning(request, str(stale))
            series.refresh_from_db()
            form = SeriesForm(resubmission(request, stale.obj), instance=series)
        except ValidationError as error:
            _refused(request, error)
        else:
            actions.do_generate_meetings()
            messages.success(request, _("Saved. Meetings are planned four weeks ahead."))
            return redirect("meetings:list")
    return render(request, "meetings/series_form.html", {"series": series, "form": form})
