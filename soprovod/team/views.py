"""The team pages (issue 12): the head's view of the department, each person's roles,
absences and training; giving and taking roles, recording absences with a deputy, handing
work over, keeping training records. Who may: `team.permissions`; writes: `accounts.actions`
(roles, absences) and `team.actions` (training, handing work over)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from soprovod.accounts import actions as people
from soprovod.accounts.models import Absence
from soprovod.accounts.permissions import can_manage_team, can_see_team, require
from soprovod.knowledge import queries as knowledge_queries
from soprovod.lib.periods import calendar_month
from soprovod.quality import queries as quality_queries
from soprovod.team import actions, queries
from soprovod.team.forms import (
    GIVEN_ROLES,
    AbsenceForm,
    CompletionForm,
    ReassignForm,
    RoleForm,
    TrainingItemForm,
)
from soprovod.team.models import TrainingItem
from soprovod.team.permissions import get_person_or_404, people_visible_to


def _error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    """The head's team page; anyone else in the department lands on their own page."""
    user = request.user
    require(can_see_team(user))
    if not can_manage_team(user):
        return redirect("team:person", pk=user.pk)
    now = timezone.now()
    today = timezone.localdate(now)
    month = calendar_month(today.replace(day=1))
    rows = queries.person_rows(list(people_visible_to(user)), month, now)
    quality_months, quality_rows, quality_team = quality_queries.trend_table(today)
    context = {
        "rows": rows,
        "month": month,
        "today": today,
        "quality_months": quality_months,
        "quality_rows": quality_rows,
        "quality_team": quality_team,
    }
    return render(request, "team/people.html", context)


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = get_person_or_404(user, pk)
    manage = can_manage_team(user)
    now = timezone.now()
    row = queries.person_rows([member], now=now)[0]
    held = member.role_codes
    return render(
        request,
        "team/person.html",
        {
            "member": member,
            "row": row,
            "manage": manage,
            "roles_held": [(v, label) for v, label in GIVEN_ROLES if v in held],
            "roles_free": [(v, label) for v, label in GIVEN_ROLES if v not in held],
            "absences": queries.absences_of(member),
            "training": queries.training_of(member),
            "rules": knowledge_queries.read_status(member),
            "absence_form": AbsenceForm(person=member) if manage else None,
            "reassign_form": ReassignForm(person=member) if manage else None,
            "today": timezone.localdate(now),
        },
    )


def _managed_person(request: HttpRequest, pk: int):
    require(can_manage_team(request.user))
    return get_person_or_404(request.user, pk)


@login_required
@require_POST
def role(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_person(request, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["role"]
        try:
            if request.POST.get("action") == "take":
                people.do_revoke_role(request.user, member, code)
                messages.success(request, _("Role taken away."))
            else:
                people.do_grant_role(request.user, member, code)
                messages.success(request, _("Role given."))
        except ValidationError as error:
            _error(request, error)
    else:
        messages.error(request, _("Choose a role."))
    return redirect("team:person", pk=member.pk)


@login_required
@require_POST
def absence_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_person(request, pk)
    form = AbsenceForm(request.POST, person=member)
    if form.is_valid():
        try:
            people.do_record_absence(request.user, member, **form.cleaned_data)
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(request, _("Absence recorded."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("team:person", pk=member.pk)


@login_required
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_manage_team(request.user))
    absence = get_object_or_404(Absence, pk=pk, cancelled_at__isnull=True)
    try:
        people.do_cancel_absence(request.user, absence)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Absence called off."))
    return redirect("team:person", pk=absence.person_id)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_person(request, pk)
    form = ReassignForm(request.POST, person=member)
    if form.is_valid():
        try:
            moved_tickets, moved_clients = actions.do_reassign_work(
                request.user,
                member,
                form.cleaned_data["colleague"],
                tickets=form.cleaned_data["tickets"],
                clients=form.cleaned_data["clients"],
            )
        except ValidationError as error:
            _error(request, error)
        else:
            messages.success(
                request,
                _("Handed over: %(tickets)s tickets, %(clients)s clients.")
                % {"tickets": moved_tickets, "clients": moved_clients},
            )
    else:
        messages.error(request, _("Choose a colleague."))
    return redirect("team:person", pk=member.pk)


@login_required
def training(request: HttpRequest) -> HttpResponse:
    """Rules and courses, how many completed each; the head adds new ones."""
    require(can_see_team(request.user))
    manage = can_manage_team(request.user)
    form = TrainingItemForm(request.POST or None) if manage else None
    if request.method == "POST":
        require(manage)
        if form.is_valid():
            try:
                item = actions.do_add_training_item(request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Added. Everyone still has to complete it."))
                return redirect("team:training_item", pk=item.pk)
    if not manage:
        return redirect("team:person", pk=request.user.pk)
    return render(
        request,
        "team/training.html",
        {
            "items": queries.training_items(),
            "form": form,
            "team_size": queries.team_members().count(),
        },
    )


@login_required
def training_item(request: HttpRequest, pk: int) -> HttpResponse:
    """One rule or course: who completed it and when, who still has to; the head records
    a completion."""
    require(can_manage_team(request.user))
    item = get_object_or_404(TrainingItem, pk=pk)
    form = CompletionForm(request.POST or None, initial={"completed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_completion(
                request.user, item, form.cleaned_data["person"], form.cleaned_data["completed_on"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Completion recorded."))
            return redirect("team:training_item", pk=item.pk)
    return render(
        request,
        "team/training_item.html",
        {
            "item": item,
            "records": item.records.select_related("person").order_by("completed_on"),
            "pending": queries.still_to_complete(item),
            "form": form,
        },
    )
