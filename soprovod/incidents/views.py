"""Mass incident pages: the list, one incident (children with their own SLA status, public
updates, resolve), creating one, and linking tickets from the queue (bulk) and from the
ticket page. Thin: permission, form, one action or query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import require
from soprovod.core.errors import StaleObjectError
from soprovod.incidents import actions, queries
from soprovod.incidents.forms import IncidentForm, LinkForm, ResolveForm, UpdateForm
from soprovod.incidents.models import Incident
from soprovod.incidents.permissions import (
    can_see_incidents,
    can_work_incidents,
    get_incident_or_404,
    incidents_visible_to,
)
from soprovod.tickets.actions import TicketError
from soprovod.tickets.permissions import get_ticket_or_404, tickets_visible_to


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    require(can_see_incidents(request.user))
    visible = incidents_visible_to(request.user)
    context = {
        "active": list(queries.active(visible)),
        "resolved": list(
            queries.with_counts(visible.filter(status=Incident.Status.RESOLVED)).order_by(
                "-resolved_at"
            )[:50]
        ),
        "can_work": can_work_incidents(request.user),
    }
    return render(request, "incidents/list.html", context)


def _ticked(request: HttpRequest) -> list:
    numbers = [n for n in request.POST.getlist("tickets") + request.GET.getlist("tickets") if n]
    numbers = [int(n) for n in numbers if n.isdigit()]
    return list(tickets_visible_to(request.user).filter(pk__in=numbers).order_by("pk"))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    require(can_work_incidents(request.user))
    tickets = _ticked(request)
    form = IncidentForm(request.POST if "title" in request.POST else None)
    if form.is_valid():
        try:
            incident = actions.do_create_incident(
                request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                tickets=tickets,
            )
        except (actions.IncidentError, TicketError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The incident is open."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/create.html", {"form": form, "tickets": tickets})


def _detail(request: HttpRequest, incident: Incident, **forms) -> HttpResponse:
    can_work = can_work_incidents(request.user)
    context = {
        "incident": incident,
        "children": list(queries.children(incident, timezone.now())),
        "updates": list(incident.updates.select_related("author")),
        "can_work": can_work and incident.is_open,
        "update_form": forms.get("update_form") or UpdateForm(),
        "resolve_form": forms.get("resolve_form")
        or ResolveForm(initial={"version": incident.version}),
        "link_form": forms.get("link_form") or LinkForm(),
    }
    return render(request, "incidents/detail.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_incident_or_404(request.user, pk))


@login_required
@require_POST
def post_update(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_or_404(request.user, pk, for_work=True)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            update = actions.do_post_update(request.user, incident, form.cleaned_data["body"])
        except (actions.IncidentError, TicketError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The update was sent to the clients of %(count)s tickets.")
                % {"count": update.tickets_told},
            )
            return redirect("incidents:detail", pk=pk)
    return _detail(request, incident, update_form=form)


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident_or_404(request.user, pk, for_work=True)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            resolved = actions.do_resolve_incident(
                request.user,
                incident,
                form.cleaned_data["resolution"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleObjectError:
            form.add_error(None, _("Someone changed the incident meanwhile: check and repeat."))
        except (actions.IncidentError, TicketError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The incident is resolved, and so are %(count)s tickets.")
                % {"count": len(resolved)},
            )
            return redirect("incidents:detail", pk=pk)
    return _detail(request, incident, resolve_form=form)


@login_required
@require_POST
def link_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """Link one ticket by its number (the incident page)."""
    incident = get_incident_or_404(request.user, pk, for_work=True)
    form = LinkForm(request.POST)
    if form.is_valid():
        ticket = get_ticket_or_404(request.user, form.cleaned_data["number"])
        try:
            actions.do_link_tickets(request.user, incident, [ticket])
        except actions.IncidentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Ticket #%(number)s is linked to the incident.") % {"number": ticket.pk},
            )
            return redirect("incidents:detail", pk=pk)
    return _detail(request, incident, link_form=form)


@login_required
@require_POST
def unlink_ticket(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    incident = get_incident_or_404(request.user, pk, for_work=True)
    ticket = get_ticket_or_404(request.user, number)
    try:
        actions.do_unlink_ticket(request.user, incident, ticket)
    except actions.IncidentError as error:
        messages.error(request, str(error))
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def bulk_link(request: HttpRequest) -> HttpResponse:
    """The queue's bulk action: the ticked tickets to the chosen incident, or to a new one
    (the creation form, with the tickets carried along)."""
    require(can_work_incidents(request.user))
    tickets = _ticked(request)
    choice = request.POST.get("incident", "")
    if choice == "new" or not choice:
        query = "&".join(f"tickets={t.pk}" for t in tickets)
        return redirect(f"{_create_url()}?{query}")
    if not choice.isdigit():
        require(False, hidden=True)
    incident = get_incident_or_404(request.user, int(choice), for_work=True)
    from_ticket = request.POST.get("back") == "ticket" and len(tickets) == 1
    try:
        count = actions.do_link_tickets(request.user, incident, tickets)
    except actions.IncidentError as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error})
        if from_ticket:
            return redirect("tickets:detail", number=tickets[0].pk)
        return redirect("tickets:queue")
    messages.success(request, _("%(count)s tickets linked to the incident.") % {"count": count})
    if from_ticket:
        return redirect("tickets:detail", number=tickets[0].pk)
    return redirect("incidents:detail", pk=incident.pk)


def _create_url() -> str:
    return reverse("incidents:create")
