"""Saved queue views (issue 16): a name for the queue's tab, filters, sort and columns,
personal or shared with the team. Anyone who reads the queue keeps views of their own; those
who work tickets may share one; a view is removed by its owner (a shared one also by the
head). A view the user may not see is 404, like any object."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soprovod.accounts.permissions import can_manage_team, can_read_queue, can_work_tickets, require
from soprovod.tickets import actions, queries
from soprovod.tickets.actions import TicketError
from soprovod.tickets.models import SavedView


def view_query(filters: queries.QueueFilters, columns: tuple[str, ...]) -> str:
    """The query string a view keeps: the filters that differ from the defaults and the
    columns when they differ from all of them."""
    query = filters.to_query()
    if tuple(columns) != queries.DEFAULT_COLUMNS:
        query["cols"] = ",".join(columns) or "none"
    return urlencode(query)


def saved_views_context(request: HttpRequest, filters, columns) -> dict:
    current = view_query(filters, columns)
    views = list(queries.saved_views_for(request.user))
    for view in views:
        view.url = (
            f"{reverse('tickets:queue')}?{view.query}" if view.query else reverse("tickets:queue")
        )
        view.is_current = view.query == current
        view.can_delete = _can_delete(request.user, view)
    return {
        "saved_views": views,
        "current_query": current,
        "can_share_views": can_work_tickets(request.user),
    }


def _can_delete(user, view: SavedView) -> bool:
    return view.owner_id == user.pk or (view.shared and can_manage_team(user))


def _normalised(query: str) -> tuple[str, tuple[str, ...]]:
    """A posted query string read as the queue reads it, so a view never keeps junk."""
    params = QueryDict(query)
    filters = queries.QueueFilters.from_query(params)
    columns = queries.columns_from(params.get("cols"))
    columns = queries.DEFAULT_COLUMNS if columns is None else columns
    return view_query(filters, columns), columns


@login_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    require(can_read_queue(request.user))
    shared = request.POST.get("shared") == "1"
    require(not shared or can_work_tickets(request.user))
    query, _columns = _normalised(request.POST.get("query", ""))
    try:
        view = actions.do_save_view(
            request.user, name=request.POST.get("name", ""), query=query, shared=shared
        )
    except TicketError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('tickets:queue')}?{query}")
    messages.success(request, _("View «%(name)s» saved.") % {"name": view.name})
    return redirect(f"{reverse('tickets:queue')}?{view.query}")


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_read_queue(request.user))
    view = queries.saved_views_for(request.user).filter(pk=pk).first()
    if view is None:
        raise Http404
    require(_can_delete(request.user, view))
    actions.do_delete_view(request.user, view)
    messages.success(request, _("View «%(name)s» deleted.") % {"name": view.name})
    return redirect("tickets:queue")
