"""The escalation inboxes (issue 12): the CEO's critical escalations, the head's, and a
deputy's while standing in, each oldest first with the time to acknowledge; one escalation's
page with acknowledge and resolve; raising one by hand about a client or a cross-department
issue. Who may do what: ``tickets.permissions`` (escalations part)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from soprovod.accounts.permissions import can_read_escalations, require
from soprovod.audit.recorder import trail_for
from soprovod.core.errors import StaleObjectError
from soprovod.tickets import actions, queries
from soprovod.tickets.escalations import describe, subject_label
from soprovod.tickets.forms import RaiseEscalationForm, ResolveEscalationForm
from soprovod.tickets.permissions import (
    can_answer_escalation,
    can_raise_by_hand,
    can_see_escalation_inbox,
    escalation_levels,
    get_escalation_or_404,
)


def _decorate(rows, now) -> None:
    subjects = describe(rows)
    queries.escalation_waits(rows, now)
    for row in rows:
        row.subject_link = subjects.get(row.pk)
        row.subject_kind = subject_label(row.subject)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    require(can_see_escalation_inbox(user, now))
    view = request.GET.get("view", "open")
    if view not in queries.ESCALATION_VIEWS or (view == "all" and not can_read_escalations(user)):
        view = "open"
    page = Paginator(queries.escalation_inbox(user, view, now), 50).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    _decorate(rows, now)
    tabs = [
        (key, label)
        for key, label in queries.ESCALATION_VIEWS.items()
        if key != "all" or can_read_escalations(user)
    ]
    return render(
        request,
        "tickets/escalations/inbox.html",
        {
            "rows": rows,
            "page": page,
            "view": view,
            "tabs": tabs,
            "levels": escalation_levels(user, now),
            "can_raise": can_raise_by_hand(user),
            "now": now,
        },
    )


def _render_detail(request, escalation, resolve_form=None, status=200):
    now = timezone.now()
    _decorate([escalation], now)
    can_answer = can_answer_escalation(request.user, escalation, now)
    if resolve_form is None:
        resolve_form = ResolveEscalationForm(initial={"version": escalation.version})
    return render(
        request,
        "tickets/escalations/detail.html",
        {
            "escalation": escalation,
            "can_answer": can_answer and escalation.status != escalation.Status.RESOLVED,
            "resolve_form": resolve_form,
            "trail": trail_for(escalation, limit=50),
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_escalation_or_404(request.user, pk))


def _answerable(request: HttpRequest, pk: int):
    escalation = get_escalation_or_404(request.user, pk)
    require(can_answer_escalation(request.user, escalation))
    return escalation


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _answerable(request, pk)
    actions.do_acknowledge_escalation(request.user, escalation)
    messages.success(request, _("Escalation acknowledged."))
    return redirect("escalations:detail", pk=pk)


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _answerable(request, pk)
    form = ResolveEscalationForm(request.POST)
    if form.is_valid():
        try:
            actions.do_resolve_escalation(
                request.user,
                escalation,
                form.cleaned_data["decision"],
                expected_version=form.cleaned_data["version"],
            )
        except (actions.TicketError, StaleObjectError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Escalation resolved."))
            return redirect("escalations:detail", pk=pk)
    return _render_detail(request, escalation, form, status=400)


@login_required
def raise_by_hand(request: HttpRequest) -> HttpResponse:
    """An escalation about a client, or about a cross-department issue with no record."""
    require(can_raise_by_hand(request.user))
    form = RaiseEscalationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = actions.do_raise_escalation(
                request.user,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                client=form.cleaned_data["client"],
            )
        except actions.TicketError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Escalated to: %(level)s.") % {"level": escalation.get_level_display()},
            )
            return redirect("escalations:detail", pk=escalation.pk)
    return render(request, "tickets/escalations/create.html", {"form": form})
