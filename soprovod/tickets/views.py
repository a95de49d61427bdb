"""The service desk: the support manager's queue and the ticket page (interfaces.md «Web»:
``/tickets/`` and ``/tickets/<number>/``).

Who may do what is decided in ``soprovod.accounts.permissions`` only; reads come from
``queries``, writes go through ``actions``. The support department works tickets; the CEO
reads them; a client contact is sent to the portal and never learns another company's ticket
exists (404); other colleagues get 403 on the queue and 404 on a ticket.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from soprovod.accounts.permissions import (
    can_read_queue,
    can_see_audit,
    can_work_tickets,
    is_client_account,
    require,
)
from soprovod.audit.recorder import trail_for
from soprovod.clients.permissions import clients_visible_to
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, resubmission
from soprovod.core.panels import render_panels
from soprovod.sla.clocks import ExtensionError
from soprovod.tickets import actions, queries
from soprovod.tickets.downloads import attachment_response
from soprovod.tickets.drafts import take_reply_draft
from soprovod.tickets.forms import (
    BulkForm,
    EscalateForm,
    ExtendDueForm,
    MergeForm,
    PropertiesForm,
    ReplyForm,
    StatusForm,
    TicketCreateForm,
)
from soprovod.tickets.models import Escalation, Ticket, TicketStatus
from soprovod.tickets.permissions import (
    get_ticket_or_404,
    messages_visible_to,
    tickets_visible_to,
)
from soprovod.tickets.templatetags.tickets_ui import department_time
from soprovod.tickets.views_saved import saved_views_context

# ---- who gets in -------------------------------------------------------------------------


def _require_queue(request: HttpRequest) -> HttpResponse | None:
    """Pages that are not about one ticket: a section, so 403 for every role without it
    (a client contact included: the portal is their way in)."""
    require(can_read_queue(request.user))
    return None


def _require_work(request: HttpRequest) -> HttpResponse | None:
    require(can_work_tickets(request.user))
    return None


def _ticket_for_work(request: HttpRequest, number: int) -> Ticket:
    """404 for a ticket the user may not read; 403 for one they may read but not work."""
    return get_ticket_or_404(request.user, number, for_work=True)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# ---- the queue ---------------------------------------------------------------------------

COLUMNS_SESSION_KEY = "queue_columns"


def _columns(request: HttpRequest) -> tuple[str, ...]:
    """The columns to draw: ``cols`` in the query string (remembered for the session, so the
    choice holds when the person comes back by the menu), else the remembered ones, else all."""
    chosen = queries.columns_from(request.GET.get("cols"))
    if chosen is not None:
        request.session[COLUMNS_SESSION_KEY] = ",".join(chosen) or "none"
        return chosen
    remembered = queries.columns_from(request.session.get(COLUMNS_SESSION_KEY))
    return queries.DEFAULT_COLUMNS if remembered is None else remembered


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The queue: tabs, filters, search, sort and page in the query string. An htmx request
    (the filter form, the 60-second refresh) gets only the results fragment, from the same
    queries; without JavaScript the form submits and the whole page comes back."""
    if (response := _require_queue(request)) is not None:
        return response
    user = request.user
    now = timezone.now()
    filters = queries.QueueFilters.from_query(request.GET)
    counts = queries.queue_counts(user, filters, now)
    paginator = Paginator(queries.queue(user, filters, now), queries.PAGE_SIZE)
    # The tab's count is the paginator's count: same conditions, so spare the second COUNT.
    paginator.__dict__["count"] = counts[filters.view]
    page = paginator.get_page(request.GET.get("page"))
    tickets = queries.attach_time_left(page.object_list, now)
    can_work = can_work_tickets(user)
    columns = _columns(request)
    context = {
        "columns": columns,
        "column_count": 2 + len(columns) + (1 if can_work else 0),
        "filters": filters,
        "counts": counts,
        "tabs": [(key, label, counts[key]) for key, label in queries.VIEWS.items()],
        "page": page,
        "tickets": tickets,
        "can_work": can_work,
        "soon_hours": queries.SOON_HOURS,
        "now": now,
    }
    if can_work:
        context["assignees"] = list(queries.support_staff())
        # Bulk actions of higher apps (core.panels slot "queue_bulk": link to an incident).
        context["bulk_extras"] = render_panels("queue_bulk", request, None)
    if is_htmx(request):
        response = render(request, "tickets/_queue_results.html", context)
    else:
        context.update(
            {
                "types": queries.TicketType.choices,
                "statuses": TicketStatus.choices,
                "channels": queries.Channel.choices,
                "priorities": queries.Priority.choices,
                "tag_names": queries.tag_names(),
                "categories": queries.active_categories(),
                "clients": clients_visible_to(user).order_by("name").only("pk", "name"),
                "sorts": list(queries.SORT_LABELS.items()),
                "no_assignee": queries.NO_ASSIGNEE,
                "column_choices": list(queries.COLUMNS.items()),
                **saved_views_context(request, filters, columns),
            }
        )
        if "assignees" not in context:  # the assignee filter, for readers too
            context["assignees"] = list(queries.support_staff())
        response = render(request, "tickets/queue.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Bulk assign or bulk close the ticked tickets (``actions.do_bulk``, all or nothing)."""
    if (response := _require_work(request)) is not None:
        return response
    back = _back(request, reverse("tickets:queue"))
    form = BulkForm(request.POST, tickets=tickets_visible_to(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    selected = list(form.cleaned_data["tickets"])
    if form.cleaned_data["action"] == "merge":
        return _bulk_merge(request, selected, back)
    close = form.cleaned_data["action"] == "close"
    try:
        actions.do_bulk(
            request.user,
            selected,
            assignee=None if close else form.cleaned_data["assignee"],
            close=close,
        )
    except (actions.TicketError, StaleObjectError, ValidationError) as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": _message(error)})
    else:
        numbers = ", ".join(f"#{t.pk}" for t in selected)
        if close:
            messages.success(request, _("Closed: %(numbers)s.") % {"numbers": numbers})
        else:
            messages.success(
                request,
                _("Assigned to %(person)s: %(numbers)s.")
                % {"person": form.cleaned_data["assignee"], "numbers": numbers},
            )
    return redirect(back)


def _bulk_merge(request: HttpRequest, selected: list[Ticket], back: str) -> HttpResponse:
    """The ticked duplicates merged into the earliest of them (lowest number)."""
    selected.sort(key=lambda t: t.pk)
    if len(selected) < 2:
        messages.error(request, _("Tick at least two tickets of one client to merge them."))
        return redirect(back)
    survivor, duplicates = selected[0], selected[1:]
    try:
        actions.do_merge_tickets(request.user, survivor, duplicates)
    except (actions.TicketError, StaleObjectError) as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": _message(error)})
        return redirect(back)
    messages.success(
        request,
        _("Merged into #%(number)s: %(numbers)s.")
        % {"number": survivor.pk, "numbers": ", ".join(f"#{t.pk}" for t in duplicates)},
    )
    return redirect("tickets:detail", number=survivor.pk)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# ---- one ticket --------------------------------------------------------------------------


def _detail_context(request: HttpRequest, ticket: Ticket, **forms) -> dict:
    user = request.user
    now = timezone.now()
    can_work = can_work_tickets(user)
    clock_views = queries.clock_views(ticket, now)
    resolution = next((c for c in clock_views if c.clock.metric == "resolution"), None)
    context = {
        "ticket": ticket,
        "now": now,
        "can_work": can_work,
        "conversation": messages_visible_to(user, ticket)
        .select_related("author")
        .prefetch_related("attachments"),
        "clocks": clock_views,
        "resolution": resolution,
        "can_extend": bool(
            can_work
            and resolution
            and resolution.clock.ceiling_at
            and resolution.clock.stopped_at is None
            and not resolution.clock.frozen
        ),
        "client_panel": queries.client_context(user, ticket, now),
        "escalations": list(ticket.escalations.select_related("raised_by")),
        "merged_tickets": list(ticket.merged_tickets.values_list("pk", flat=True)),
        "trail": list(trail_for(ticket)) if can_see_audit(user) else [],
        "status_actions": _status_actions(ticket) if can_work else [],
    }
    if can_work:
        context.update(
            {
                "reply_form": forms.get("reply_form")
                or ReplyForm(
                    initial={
                        "version": ticket.version,
                        "body": take_reply_draft(request.session, ticket.pk),
                    }
                ),
                "properties_form": forms.get("properties_form")
                or PropertiesForm(
                    assignees=queries.support_staff(),
                    categories=queries.active_categories(),
                    initial={
                        "assignee": ticket.assignee_id,
                        "type": ticket.type,
                        "category": ticket.category_id,
                        "priority": ticket.priority,
                        "tags": ", ".join(t.name for t in ticket.tags.all()),
                        "version": ticket.version,
                    },
                ),
                "extend_form": forms.get("extend_form")
                or ExtendDueForm(
                    initial={"new_due": resolution.clock.due_at if resolution else None}
                ),
                "escalate_form": forms.get("escalate_form")
                or EscalateForm(initial={"level": Escalation.Level.HEAD}),
                "merge_form": forms.get("merge_form") or MergeForm(),
                "stale": forms.get("stale"),
            }
        )
    return context


def _status_actions(ticket: Ticket) -> list[tuple[str, str, str]]:
    """(target status, button label, style) for the ticket's current status."""
    status = ticket.status
    if status in (TicketStatus.NEW, TicketStatus.OPEN):
        return [
            (TicketStatus.WAITING_CLIENT, _("Waiting for client"), "secondary"),
            (TicketStatus.RESOLVED, _("Resolve"), ""),
        ]
    if status == TicketStatus.WAITING_CLIENT:
        return [
            (TicketStatus.OPEN, _("Back in progress"), "secondary"),
            (TicketStatus.RESOLVED, _("Resolve"), ""),
        ]
    if status == TicketStatus.RESOLVED:
        return [
            (TicketStatus.OPEN, _("Reopen"), "secondary"),
            (TicketStatus.CLOSED, _("Close"), ""),
        ]
    return []


def _render_detail(request: HttpRequest, ticket: Ticket, **forms) -> HttpResponse:
    context = _detail_context(request, ticket, **forms)
    # What higher apps show about the ticket (core.panels: e.g. linked development requests).
    context["panels"] = render_panels("ticket", request, ticket)
    return render(request, "tickets/detail.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, number: int) -> HttpResponse:
    user = request.user
    ticket = get_ticket_or_404(user, number)  # another company's ticket: 404 for everyone
    if is_client_account(user):
        return redirect("portal:ticket", number=number)
    return _render_detail(request, ticket)


@login_required
@require_GET
def timers(request: HttpRequest, number: int) -> HttpResponse:
    """The SLA timers fragment, refreshed by htmx every 30 seconds."""
    user = request.user
    ticket = get_ticket_or_404(user, number)
    require(not is_client_account(user), hidden=True)
    now = timezone.now()
    clock_views = queries.clock_views(ticket, now)
    return render(
        request,
        "tickets/_timers.html",
        {"ticket": ticket, "clocks": clock_views, "now": now},
    )


@login_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    """A public reply or an internal note. If someone else changed the ticket since the page
    was opened, nothing is saved and the page comes back with the text still in the form."""
    ticket = _ticket_for_work(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, ticket, reply_form=form)
    try:
        message = actions.do_add_message(
            request.user,
            ticket,
            form.cleaned_data["body"],
            internal=form.internal,
            attachments=form.cleaned_data["attachments"],
            expected_version=form.cleaned_data["version"],
            take=form.cleaned_data["take"],
        )
    except StaleObjectError as error:
        current = get_ticket_or_404(request.user, number)
        data = resubmission(request, current)
        stale = str(error)
        if form.cleaned_data["attachments"]:
            stale += " " + _("Attach the files again: a browser cannot keep them.")
        return _render_detail(request, current, reply_form=ReplyForm(data), stale=stale)
    except actions.AttachmentError as error:
        form.add_error("attachments", str(error))
        return _render_detail(request, ticket, reply_form=form)
    except actions.TicketError as error:
        form.add_error(None, str(error))
        return _render_detail(request, ticket, reply_form=form)
    if message.kind == message.Kind.INTERNAL:
        messages.success(request, _("Internal note added."))
    else:
        messages.success(request, _("Reply sent."))
    return redirect(reverse("tickets:detail", args=[number]) + f"#message-{message.pk}")


@login_required
@require_POST
def change_status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_for_work(request, number)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status change."))
        return redirect("tickets:detail", number=number)
    target = form.cleaned_data["status"]
    version = form.cleaned_data["version"]
    reason = form.cleaned_data["reason"]
    try:
        if target == TicketStatus.OPEN and ticket.status == TicketStatus.RESOLVED:
            actions.do_reopen(request.user, ticket, expected_version=version, reason=reason)
        else:
            actions.do_change_status(
                request.user,
                ticket,
                target,
                expected_version=version,
                reason=reason,
                require_category=True,
            )
    except (actions.TicketError, StaleObjectError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Status: %(status)s.") % {"status": TicketStatus(target).label},
        )
    return redirect("tickets:detail", number=number)


@login_required
@require_POST
def update(request: HttpRequest, number: int) -> HttpResponse:
    """Assignee, type, category, priority and tags."""
    ticket = _ticket_for_work(request, number)
    form = PropertiesForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, ticket, properties_form=form)
    values = {name: form.cleaned_data[name] for name in ("assignee", "type", "category")}
    if form.cleaned_data["priority"]:
        values["priority"] = form.cleaned_data["priority"]
    if "tags" in request.POST:  # a form without the box (an older page) leaves tags alone
        values["tags"] = form.cleaned_data["tags"]
    try:
        actions.do_update_ticket(
            request.user, ticket, expected_version=form.cleaned_data["version"], **values
        )
    except (actions.TicketError, StaleObjectError, ValidationError) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Changes saved."))
    return redirect("tickets:detail", number=number)


@login_required
@require_POST
def extend(request: HttpRequest, number: int) -> HttpResponse:
    """Extend the resolution due time with a reason, never past the ceiling (sla.md)."""
    ticket = _ticket_for_work(request, number)
    form = ExtendDueForm(request.POST)
    if form.is_valid():
        try:
            clock = actions.do_extend_due(
                request.user, ticket, form.cleaned_data["new_due"], form.cleaned_data["reason"]
            )
        except (ExtensionError, actions.TicketError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Resolution due time extended to %(due)s.")
                % {"due": department_time(clock.due_at)},
            )
            return redirect("tickets:detail", number=number)
    return _render_detail(request, ticket, extend_form=form)


@login_required
@require_POST
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_for_work(request, number)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            escalation = actions.do_escalate(
                request.user, ticket, form.cleaned_data["level"], form.cleaned_data["reason"]
            )
        except actions.TicketError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Escalated to: %(level)s.") % {"level": escalation.get_level_display()},
            )
            return redirect("tickets:detail", number=number)
    return _render_detail(request, ticket, escalate_form=form)


@login_required
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    """Merge this ticket into another of the same client (``actions.do_merge_tickets``)."""
    ticket = _ticket_for_work(request, number)
    form = MergeForm(request.POST)
    if form.is_valid():
        survivor = tickets_visible_to(request.user).filter(pk=form.cleaned_data["into"]).first()
        if survivor is None:
            form.add_error("into", _("There is no such ticket."))
        else:
            try:
                actions.do_merge_tickets(request.user, survivor, [ticket])
            except (actions.TicketError, StaleObjectError) as error:
                form.add_error(None, _message(error))
            else:
                messages.success(
                    request,
                    _("Ticket #%(number)s is merged into #%(into)s.")
                    % {"number": ticket.pk, "into": survivor.pk},
                )
                return redirect("tickets:detail", number=survivor.pk)
    return _render_detail(request, ticket, merge_form=form)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Download a file of a message the user may read (404 otherwise)."""
    return attachment_response(request.user, pk)


# ---- a new ticket from a phone call ----------------------------------------------------------


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """Staff type in a ticket (usually a phone call). Choosing the client narrows the sites
    and contacts: by htmx, or without JavaScript by the «Show sites and contacts» button."""
    if (response := _require_work(request)) is not None:
        return response
    user = request.user
    if request.method == "POST" and "refresh" not in request.POST:
        form = TicketCreateForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = actions.do_create_ticket(
                    user,
                    client=data["client"],
                    site=data["site"],
                    contact=data["contact"],
                    type=data["type"],
                    category=data["category"],
                    channel=data["channel"],
                    subject=data["subject"],
                    body=data["body"],
                    attachments=data["attachments"],
                    promised_policy_id=data["shown_policy"],
                )
            except actions.AttachmentError as error:
                form.add_error("attachments", str(error))
            except (actions.TicketError, ValidationError) as error:
                form.add_error(None, _message(error))
            else:
                messages.success(request, _("Ticket #%(number)s created.") % {"number": ticket.pk})
                return redirect("tickets:detail", number=ticket.pk)
    elif request.method == "POST":
        form = TicketCreateForm(initial=request.POST.dict(), user=user)
    else:
        form = TicketCreateForm(initial=request.GET.dict(), user=user)
    source = request.POST if request.method == "POST" else request.GET
    client_q = source.get("client_q", "").strip()[:100]
    return render(
        request,
        "tickets/create.html",
        {"form": form, "client_q": client_q, "matches": _client_choices(form, user, client_q)},
    )


def _client_choices(form: TicketCreateForm, user, text: str) -> list:
    """The radio choices under the client search: the chosen client first (kept when the page
    comes back with errors), then the matches of what was typed."""
    chosen_id = form.chosen_client_id()
    chosen = list(form.fields["client"].queryset.filter(pk=chosen_id)) if chosen_id else []
    found = [c for c in queries.client_matches(user, text) if c.pk != chosen_id] if text else []
    for client in chosen:
        client.checked = True
    return chosen + found


@login_required
@require_GET
def client_search(request: HttpRequest) -> HttpResponse:
    """htmx: the clients matching what was typed (two letters of the name, or the INN)."""
    if (response := _require_work(request)) is not None:
        return response
    text = request.GET.get("client_q", "").strip()[:100]
    return render(
        request,
        "tickets/_client_matches.html",
        {"matches": queries.client_matches(request.user, text), "client_q": text},
    )


@login_required
@require_GET
def client_options(request: HttpRequest) -> HttpResponse:
    """htmx: the site and contact selects for the chosen client, and (out of band) the types
    with the first-response times of the policy that client's tickets get."""
    if (response := _require_work(request)) is not None:
        return response
    form = TicketCreateForm(
        initial={"client": request.GET.get("client", ""), "type": request.GET.get("type", "")},
        user=request.user,
    )
    return render(request, "tickets/_client_options.html", {"form": form, "terms_oob": True})
