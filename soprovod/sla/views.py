"""The SLA pages: work calendars and SLA policies (sla.md).

The support department reads them; only the head (or a superuser) changes them, and every
change goes through ``soprovod.sla.actions`` (atomic, audited, version bumped, open tickets
recomputed). Anyone else — client contacts, sales, development, the CEO — gets 404, as if
the pages did not exist.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from soprovod.accounts.permissions import can_edit_sla, can_read_sla, require
from soprovod.audit.recorder import trail_for
from soprovod.clients.models import Client
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted, resubmission
from soprovod.sla import actions
from soprovod.sla.calendars import (
    business_calendar,
    coverage_message,
    coverage_warning,
    data_end,
    data_warning,
    day_minutes,
)
from soprovod.sla.forms import (
    CalendarDayForm,
    CalendarForm,
    CalendarImportForm,
    ClientPolicyForm,
    PolicyForm,
    RuleForm,
    time_zone_choices,
)
from soprovod.sla.imports import import_calendar
from soprovod.sla.models import (
    CalendarDay,
    Metric,
    PolicyRule,
    SlaPolicy,
    SlaTarget,
    TicketType,
    WorkCalendar,
)
from soprovod.sla.terms import policy_lines

AUDIT_LIMIT = 30

# ---- who gets in -------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    require(can_read_sla(request.user))


def _require_editor(request: HttpRequest) -> None:
    """404 for those who may not even read the page, 403 for a reader who may not edit."""
    _require_reader(request)
    require(can_edit_sla(request.user))


def _add_errors(form, error: ValidationError) -> None:
    """Show an action's refusal on the form: on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error)


def _tell_recompute(request: HttpRequest, recompute: actions.Recompute) -> None:
    if recompute == actions.Recompute.INLINE:
        messages.info(request, _("The due times of open tickets were recalculated."))
    elif recompute == actions.Recompute.BACKGROUND:
        messages.info(
            request,
            _("The due times of open tickets are being recalculated in the background."),
        )


# ---- durations as people read them ----------------------------------------------------------


def business_duration(minutes: int) -> str:
    """A target in business time: ``4 h``, ``1 h 30 min``, ``15 min``."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_("%(hours)s h") % {"hours": hours})
    if rest or not hours:
        parts.append(_("%(minutes)s min") % {"minutes": rest})
    return " ".join(parts)


def calendar_duration(minutes: int) -> str:
    """A ceiling in calendar time: ``5 days``, ``2 days 4 h``, ``1 h 30 min``."""
    days, rest = divmod(minutes, 24 * 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if rest or not days:
        parts.append(business_duration(rest))
    return " ".join(parts)


# ---- reads shared by the pages --------------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    """Working days and hours of one calendar year, as the engine counts them."""

    year: int
    working_days: int
    working_hours: float
    from_data: bool  # False: past the calendar's data, the Labour Code rules are used


def year_summaries(calendar: WorkCalendar, years: list[int]) -> list[YearSummary]:
    """sla.md «Business time»: each local day's business minutes from the engine (overrides,
    short days and the art. 112 fallback included); a day with any working time counts as a
    working day."""
    engine = business_calendar(calendar)
    zone = ZoneInfo(calendar.timezone)
    span = CalendarDay.objects.filter(calendar=calendar).aggregate(
        first=Min("date"), last=Max("date")
    )
    summaries = []
    for year in years:
        day = dt.date(year, 1, 1)
        midnight = dt.datetime(year, 1, 1, tzinfo=zone)
        days = 0
        minutes = 0.0
        while day.year == year:
            following = day + dt.timedelta(days=1)
            next_midnight = dt.datetime(following.year, following.month, following.day, tzinfo=zone)
            worked = engine.between(midnight, next_midnight)
            if worked > 0:
                days += 1
                minutes += worked
            day, midnight = following, next_midnight
        from_data = not calendar.russian_fallback or (
            span["first"] is not None and span["first"].year <= year <= span["last"].year
        )
        summaries.append(YearSummary(year, days, round(minutes / 60, 2), from_data))
    return summaries


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    css: str  # holiday, day_off, working_day, short_day, weekend, workday
    explicit: bool  # an override stored on the calendar (not the Labour Code fallback)
    title: str


def _year_grid(calendar: WorkCalendar, year: int, explicit: dict[dt.date, CalendarDay]):
    """Twelve months of weeks (Monday first) with each day's kind, for the year view."""
    spec = business_calendar(calendar).spec
    derived = spec.overrides_for_year(year)
    kind_labels = dict(CalendarDay.Kind.choices)
    today = timezone.localdate()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                kind = derived.get(day)
                if kind:
                    css = kind
                    title = str(kind_labels[kind])
                    if day in explicit and explicit[day].note:
                        title += f": {explicit[day].note}"
                elif spec.hours_on(day):
                    css, title = "workday", _("Working day")
                else:
                    css, title = "weekend", _("Day off")
                if day == today:
                    css += " today"
                cells.append(DayCell(day, css, day in explicit, title))
            weeks.append(cells)
        months.append({"name": MONTHS[month], "weeks": weeks})
    return months


def _data_years(calendar: WorkCalendar) -> list[int]:
    """Years worth showing: those with data, this year and the next one."""
    span = CalendarDay.objects.filter(calendar=calendar).aggregate(
        first=Min("date"), last=Max("date")
    )
    this_year = timezone.localdate().year
    first = min(span["first"].year if span["first"] else this_year, this_year)
    last = max(span["last"].year if span["last"] else this_year, this_year + 1)
    return list(range(first, last + 1))


def _weekly_rows(calendar: WorkCalendar) -> list[dict]:
    weekly = calendar.weekly_hours or {}
    rows = []
    for day in range(7):
        intervals = weekly.get(str(day), [])
        minutes = sum(day_minutes(end) - day_minutes(start) for start, end in intervals)
        rows.append(
            {
                "weekday": WEEKDAYS[day],
                "intervals": [f"{start}–{end}" for start, end in intervals],
                "hours": round(minutes / 60, 2),
            }
        )
    return rows


def _trail(obj):
    return list(trail_for(obj, limit=AUDIT_LIMIT))


# ---- the list -------------------------------------------------------------------------------


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    """/sla/: the work calendars and the SLA policies."""
    _require_reader(request)
    calendars = list(
        WorkCalendar.objects.annotate(override_count=Count("days"), last_day=Max("days__date"))
    )
    today = timezone.localdate()
    rows = []
    for calendar in calendars:
        end = (
            dt.date(calendar.last_day.year, 12, 31)
            if calendar.last_day and calendar.russian_fallback and not calendar.is_24x7
            else None
        )
        rows.append(
            {
                "calendar": calendar,
                "data_end": end,
                "warning": coverage_warning(end, today),
            }
        )
    policies = SlaPolicy.objects.annotate(
        target_count=Count("targets", distinct=True), rule_count=Count("rules", distinct=True)
    ).order_by("retired_at", "-is_default", "name")
    return render(
        request,
        "sla/calendars.html",
        {"calendars": rows, "policies": policies, "can_edit": can_edit_sla(request.user)},
    )


# ---- a calendar -----------------------------------------------------------------------------


def _calendar_or_404(pk: int) -> WorkCalendar:
    return get_object_or_404(WorkCalendar, pk=pk)


def _year_from(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    if not actions.FIRST_DATA_YEAR <= year <= actions.LAST_DATA_YEAR:
        raise Http404
    return year


@login_required
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The weekly hours, the year view of overrides (``?year=``), working days and hours
    per year, the data-coverage warning, and the change history."""
    _require_reader(request)
    calendar = _calendar_or_404(pk)
    context = {
        "calendar": calendar,
        "can_edit": can_edit_sla(request.user),
        "hide_sla_banner": True,  # this page says it itself, in more detail
        "trail": _trail(calendar),
        "policies": SlaPolicy.objects.filter(targets__calendar=calendar).distinct(),
    }
    if calendar.is_24x7:
        return render(request, "sla/calendar.html", context)
    years = _data_years(calendar)
    year = _year_from(request)
    explicit = {
        day.date: day
        for day in CalendarDay.objects.filter(calendar=calendar, date__year=year).order_by("date")
    }
    end = data_end(calendar)
    warning = data_warning(calendar)
    summaries = year_summaries(calendar, sorted({*years, year}))
    context.update(
        {
            "year": year,
            "years": years,
            "previous_year": year - 1 if year > actions.FIRST_DATA_YEAR else None,
            "next_year": year + 1 if year < actions.LAST_DATA_YEAR else None,
            "summaries": summaries,
            "summary": next(each for each in summaries if each.year == year),
            "months": _year_grid(calendar, year, explicit),
            "weekday_names": [WEEKDAYS_ABBR[day] for day in range(7)],
            "overrides": list(explicit.values()),
            "weekly": _weekly_rows(calendar),
            "working_day_text": actions.format_intervals(calendar.working_day_hours or []),
            "data_end": end,
            "warning": warning,
            "warning_message": coverage_message(warning, end),
            "day_form": CalendarDayForm(initial={"kind": CalendarDay.Kind.HOLIDAY}),
            "import_form": CalendarImportForm(),
            "kinds": CalendarDay.Kind.choices,
        }
    )
    return render(request, "sla/calendar.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The head changes the weekly hours, the time zone and the name."""
    _require_editor(request)
    calendar = _calendar_or_404(pk)
    form = CalendarForm(posted(request), calendar=calendar)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            update = actions.do_update_calendar(
                request.user,
                calendar,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
                **form.values(),
            )
        except StaleObjectError as error:
            # Keep the input, now based on the saved version: saving again is a deliberate
            # choice to replace what the other person saved.
            stale = str(error)
            calendar = error.obj
            data = resubmission(request, calendar)
            form = CalendarForm(data, calendar=calendar)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if update.changes:
                messages.success(request, _("Calendar saved."))
                _tell_recompute(request, update.recompute)
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("sla:calendar", pk=calendar.pk)
    return render(
        request,
        "sla/calendar_form.html",
        {
            "calendar": calendar,
            "form": form,
            "stale": stale,
            "time_zones": time_zone_choices(),
        },
    )


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def calendar_day(request: HttpRequest, pk: int, day: str | None = None) -> HttpResponse:
    """Add a dated override (``day`` from the form) or change the one of ``day``."""
    _require_editor(request)
    calendar = _calendar_or_404(pk)
    if calendar.is_24x7:
        raise Http404
    existing = None
    initial: dict = {"kind": CalendarDay.Kind.HOLIDAY}
    if day is not None:
        date = _parse_day(day)
        existing = CalendarDay.objects.filter(calendar=calendar, date=date).first()
        initial = {"date": date, "kind": existing.kind if existing else "", "note": ""}
        if existing:
            initial["note"] = existing.note
    data = posted(request)
    if data is not None and day is not None:
        data = data.copy()
        data["date"] = day  # the address says which date is edited
    form = CalendarDayForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            applied = actions.do_set_calendar_day(
                request.user,
                calendar,
                form.cleaned_data["date"],
                form.cleaned_data["kind"],
                form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            saved = form.cleaned_data["date"]
            if applied.created or applied.updated:
                messages.success(
                    request,
                    _("%(date)s saved as “%(kind)s”.")
                    % {
                        "date": saved.strftime("%d.%m.%Y"),
                        "kind": CalendarDay.Kind(form.cleaned_data["kind"]).label,
                    },
                )
                _tell_recompute(request, applied.recompute)
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(f"{reverse('sla:calendar', args=[calendar.pk])}?year={saved.year}")
    return render(
        request,
        "sla/day_form.html",
        {"calendar": calendar, "form": form, "existing": existing, "day": day},
    )


@login_required
@require_POST
def calendar_day_delete(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    """Remove the override of ``day``: the date follows the weekly hours again."""
    _require_editor(request)
    calendar = _calendar_or_404(pk)
    date = _parse_day(day)
    recompute = actions.do_delete_calendar_day(request.user, calendar, date)
    messages.success(
        request,
        _("The override of %(date)s was removed.") % {"date": date.strftime("%d.%m.%Y")},
    )
    _tell_recompute(request, recompute)
    return redirect(f"{reverse('sla:calendar', args=[calendar.pk])}?year={date.year}")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a production calendar CSV (``date,kind``) into this calendar."""
    _require_editor(request)
    calendar = _calendar_or_404(pk)
    if calendar.is_24x7:
        raise Http404
    form = CalendarImportForm(posted(request), request.FILES if request.method == "POST" else None)
    result, issues = None, []
    if request.method == "POST" and form.is_valid():
        result, issues = form.run(import_calendar, actor=request.user, calendar=calendar)
    return render(
        request,
        "sla/import.html",
        {
            "calendar": calendar,
            "form": form,
            "result": result,
            "issues": issues,
            "max_megabytes": form.max_megabytes,
        },
    )


# ---- a policy -------------------------------------------------------------------------------


def _target_rows(targets: list[SlaTarget]) -> list[dict]:
    by_key = {(t.ticket_type, t.metric): t for t in targets}
    rows = []
    for ticket_type in TicketType.values:
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
            target = by_key.get((ticket_type, metric))
            rows.append(
                {
                    "type": TicketType(ticket_type).label,
                    "metric": Metric(metric).label,
                    "target": target,
                    "target_text": business_duration(target.target_minutes) if target else "",
                    "ceiling_text": calendar_duration(target.ceiling_minutes)
                    if target and target.ceiling_minutes
                    else "",
                }
            )
    return rows


def _policy_targets(policy: SlaPolicy) -> list[SlaTarget]:
    return list(SlaTarget.objects.filter(policy=policy).select_related("calendar"))


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    targets = _policy_targets(policy)
    return render(
        request,
        "sla/policy.html",
        {
            "policy": policy,
            "rows": _target_rows(targets),
            "warning_percent": int(policy.warning_ratio * 100),
            "ceiling_warnings": actions.ceiling_warnings(targets),
            "can_edit": can_edit_sla(request.user),
            "trail": _trail(policy),
            "rules": PolicyRule.objects.filter(policy=policy).select_related("client"),
            "terms": policy_lines(policy),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    form = PolicyForm(posted(request), policy=policy, targets=_policy_targets(policy))
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            update = actions.do_update_policy(
                request.user,
                policy,
                targets=form.targets,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
                **form.values(),
            )
        except StaleObjectError as error:
            stale = str(error)
            policy = error.obj
            data = resubmission(request, policy)
            form = PolicyForm(data, policy=policy, targets=_policy_targets(policy))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if update.changed:
                messages.success(request, _("Policy saved."))
                for warning in update.warnings:
                    messages.info(request, warning)
                _tell_recompute(request, update.recompute)
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("sla:policy", pk=policy.pk)
    return render(request, "sla/policy_form.html", {"policy": policy, "form": form, "stale": stale})


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest) -> HttpResponse:
    """A new policy (a contract's own terms), its targets prefilled from the default."""
    _require_editor(request)
    default = SlaPolicy.objects.filter(is_default=True).first()
    template = SlaPolicy(name="", warning_ratio=default.warning_ratio if default else 0.8)
    form = PolicyForm(
        posted(request), policy=template, targets=_policy_targets(default) if default else []
    )
    form.fields["version"].required = False
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.do_create_policy(
                request.user,
                targets=form.targets,
                reason=form.cleaned_data.get("reason", ""),
                **form.values(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Policy created. Assign it to clients with a rule."))
            for warning in created.warnings:
                messages.warning(request, warning)
            return redirect("sla:policy", pk=created.policy.pk)
    return render(request, "sla/policy_form.html", {"policy": None, "form": form, "stale": None})


@login_required
@require_POST
def policy_retire(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    try:
        actions.do_retire_policy(request.user, policy, reason=request.POST.get("reason", "")[:500])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "The policy is retired: it can no longer be assigned. Its tickets keep their clocks."
            ),
        )
    return redirect("sla:policy", pk=policy.pk)


@login_required
@require_POST
def policy_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    actions.do_restore_policy(request.user, policy, reason=request.POST.get("reason", "")[:500])
    messages.success(request, _("The policy is in use again: rules may assign it."))
    return redirect("sla:policy", pk=policy.pk)


# ---- assignment rules -----------------------------------------------------------------------


def _rule_values() -> list[str]:
    """Tariffs and segments written on clients, for the value field's suggestions."""
    tariffs = Client.objects.exclude(tariff="").values_list("tariff", flat=True).distinct()
    segments = Client.objects.exclude(segment="").values_list("segment", flat=True).distinct()
    return sorted({*tariffs, *segments})


def _save_rule(request: HttpRequest, form: RuleForm, rule: PolicyRule | None) -> bool:
    """Save a valid rule form (``rule`` None: a new rule) through the audited action; say
    what happened. False when the action refused it: the reasons are on the form."""
    try:
        change = actions.do_save_rule(
            request.user,
            rule,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            policy=form.cleaned_data["policy"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        _add_errors(form, error)
        return False
    if rule is None:
        messages.success(request, _("Rule added."))
    else:
        messages.success(request, _("Rule saved.") if change.changed else _("Nothing changed."))
    _tell_recompute(request, change.recompute)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """/sla/rules/: which clients get which policy: the clients with a policy of their own,
    the tariff and segment rules in order (the first that matches decides), the default."""
    _require_reader(request)
    can_edit = can_edit_sla(request.user)
    form = None
    if can_edit:
        form = RuleForm(posted(request))
    elif request.method == "POST":
        require(False)
    if request.method == "POST" and form.is_valid() and _save_rule(request, form, None):
        return redirect("sla:rules")
    all_rules = list(PolicyRule.objects.select_related("client", "policy"))
    return render(
        request,
        "sla/rules.html",
        {
            "general": [r for r in all_rules if r.kind != PolicyRule.Kind.CLIENT],
            "own": sorted(
                (r for r in all_rules if r.kind == PolicyRule.Kind.CLIENT),
                key=lambda r: r.client.name,
            ),
            "default": SlaPolicy.objects.filter(is_default=True).first(),
            "form": form,
            "can_edit": can_edit,
            "values": _rule_values(),
        },
    )


def _general_rule_or_404(pk: int) -> PolicyRule:
    return get_object_or_404(PolicyRule.objects.exclude(kind=PolicyRule.Kind.CLIENT), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    rule = _general_rule_or_404(pk)
    initial = {"kind": rule.kind, "value": rule.value, "policy": rule.policy_id}
    form = RuleForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid() and _save_rule(request, form, rule):
        return redirect("sla:rules")
    return render(
        request, "sla/rule_form.html", {"rule": rule, "form": form, "values": _rule_values()}
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    rule = get_object_or_404(PolicyRule, pk=pk)
    change = actions.do_delete_rule(request.user, rule)
    messages.success(request, _("Rule removed."))
    _tell_recompute(request, change.recompute)
    if rule.kind == PolicyRule.Kind.CLIENT:
        return redirect("clients:detail", pk=rule.client_id)
    return redirect("sla:rules")


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    rule = _general_rule_or_404(pk)
    change = actions.do_move_rule(request.user, rule, -1 if request.POST.get("to") == "up" else 1)
    _tell_recompute(request, change.recompute)
    return redirect("sla:rules")


@login_required
@require_POST
def client_policy(request: HttpRequest, client_pk: int) -> HttpResponse:
    """The head gives the client a policy of its own (from the client page's SLA panel)."""
    _require_editor(request)
    client = get_object_or_404(Client, pk=client_pk)
    form = ClientPolicyForm(request.POST, client=client)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect("clients:detail", pk=client.pk)
    try:
        change = actions.do_set_client_policy(
            request.user,
            client,
            form.cleaned_data["policy"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if change.changed:
            messages.success(request, _("The client's SLA policy was changed."))
            _tell_recompute(request, change.recompute)
        else:
            messages.info(request, _("Nothing changed."))
    return redirect("clients:detail", pk=client.pk)
