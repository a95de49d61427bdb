"""The request pages: development's inbox (and the full list), a request with its impact,
clock and decisions, and the form to file one (on its own, from a ticket or a client page).

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
requests); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_decide_dev_requests,
    can_file_dev_requests,
    can_merge_dev_requests,
    can_read_queue,
    can_see_dev_requests,
    require,
    sees_dev_request_clients,
)
from soprovod.clients.permissions import get_client_or_404
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, posted
from soprovod.devrequests import actions, exports, queries
from soprovod.devrequests.forms import (
    AcceptForm,
    DecisionForm,
    LinkForm,
    MergeForm,
    ReleaseForm,
    RequestForm,
)
from soprovod.devrequests.models import RequestKind, RequestStatus
from soprovod.devrequests.permissions import get_request_or_404, requests_visible_to
from soprovod.tickets.permissions import get_ticket_or_404

PAGE_SIZE = 50


def _require_section(request: HttpRequest) -> HttpResponse | None:
    require(can_see_dev_requests(request.user))
    return None


def _time_left(due_at, now) -> str:
    """«5 h 20 min» left, or «overdue by …»."""
    if due_at is None:
        return ""
    seconds = int((due_at - now).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    text = _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return text if seconds >= 0 else _("overdue by %(time)s") % {"time": text}


# ---- the inbox and the list ----------------------------------------------------------------


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """Development's inbox (``view=inbox``, the default): what awaits a decision or is being
    done, most impact first, then least time left. ``view=all`` lists every request with
    status and kind filters; ``format=csv`` downloads that list."""
    if (response := _require_section(request)) is not None:
        return response
    user, now = request.user, timezone.now()
    view = request.GET.get("view", "inbox")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    status = status if status in RequestStatus.values else ""
    kind = kind if kind in RequestKind.values else ""
    visible = requests_visible_to(user)
    if view == "all":
        rows = queries.listing(visible, status=status, kind=kind, now=now)
    else:
        view, rows = "inbox", queries.inbox(visible, now)
    if request.GET.get("format") == "csv":
        return exports.requests_csv(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.time_left = _time_left(row.due_at, now)
        row.overdue = row.due_at is not None and row.due_at < now
    context = {
        "page": page,
        "rows": page.object_list,
        "view": view,
        "status": status,
        "kind": kind,
        "statuses": RequestStatus.choices,
        "kinds": RequestKind.choices,
        "can_file": can_file_dev_requests(user),
        "query": request.GET.urlencode(),
    }
    template = "devrequests/_rows.html" if is_htmx(request) else "devrequests/list.html"
    return render(request, template, context)


# ---- filing a request ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    """File a request: ``?ticket=N`` links the ticket (and its client and category),
    ``?client=N`` the client; with neither it stands on its own."""
    if (response := _require_section(request)) is not None:
        return response
    user = request.user
    require(can_file_dev_requests(user))
    ticket = client = None
    if request.GET.get("ticket", "").isdigit():
        ticket = get_ticket_or_404(user, int(request.GET["ticket"]))
    elif request.GET.get("client", "").isdigit():
        client = get_client_or_404(user, int(request.GET["client"]))
    initial = {"submit": True}
    if ticket is not None:
        initial["title"] = ticket.subject
    form = RequestForm(posted(request), initial=initial)
    if form.is_valid():
        created = actions.do_create_request(
            user,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            tickets=[ticket] if ticket else [],
            clients=[client] if client else [],
            submit=form.cleaned_data["submit"],
        )
        messages.success(request, _("Request DEV-%(number)s filed.") % {"number": created.pk})
        return redirect("devrequests:detail", pk=created.pk)
    return render(
        request,
        "devrequests/create.html",
        {"form": form, "ticket": ticket, "client": client},
    )


# ---- one request ---------------------------------------------------------------------------


def _render_detail(request: HttpRequest, pk: int, **forms) -> HttpResponse:
    user, now = request.user, timezone.now()
    get_request_or_404(user, pk)
    item = queries.with_impact(requests_visible_to(user).filter(pk=pk), now).select_related(
        "category", "created_by", "merged_into"
    )[0]
    status = item.status
    decide = can_decide_dev_requests(user)
    file = can_file_dev_requests(user)
    rounds = list(item.rounds.select_related("submitted_by", "decided_by", "calendar"))
    for current in rounds:
        current.late = current.due_at < (current.ended_at or now)
    context = {
        "item": item,
        "time_left": _time_left(item.due_at, now),
        "overdue": item.due_at is not None and item.due_at < now,
        "rounds": rounds,
        "tickets": item.tickets.select_related("client").order_by("pk"),
        "show_clients": sees_dev_request_clients(user),
        "clients": item.clients.select_related("success_manager").order_by("name"),
        "link_tickets": can_read_queue(user),
        "duplicates": item.duplicates.order_by("pk"),
        "can_accept": decide and status == RequestStatus.SUBMITTED,
        "can_start": decide and status == RequestStatus.ACCEPTED,
        "can_finish": decide and status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS),
        "can_submit": file and status in (RequestStatus.DRAFT, RequestStatus.DECLINED),
        "can_merge": can_merge_dev_requests(user) and status not in actions.FINAL_STATUSES,
        "can_file": file and status not in actions.FINAL_STATUSES,
        "can_tell": file and status == RequestStatus.RELEASED and item.clients_told_at is None,
        "accept_form": forms.get("accept_form") or AcceptForm(initial={"version": item.version}),
        "decline_form": forms.get("decline_form")
        or DecisionForm(initial={"version": item.version}),
        "wont_form": forms.get("wont_form") or DecisionForm(initial={"version": item.version}),
        "release_form": forms.get("release_form")
        or ReleaseForm(initial={"version": item.version, "released_in": item.planned_release}),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "error": forms.get("error"),
    }
    return render(request, "devrequests/detail.html", context)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    return _render_detail(request, pk)


def _done(request: HttpRequest, pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("devrequests:detail", pk=pk)


def _run(request: HttpRequest, pk: int, form_name: str, form, action) -> HttpResponse:
    """Validate ``form``, run ``action(cleaned_data)``; a refusal shows the page again with
    the form and the reason."""
    if not form.is_valid():
        return _render_detail(request, pk, **{form_name: form})
    try:
        action(form.cleaned_data)
    except (actions.DevRequestError, StaleObjectError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _render_detail(request, pk, **{form_name: form}, error=text)
    return None


@login_required
@require_POST
def request_accept(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_decide_dev_requests(request.user))
    refused = _run(
        request,
        pk,
        "accept_form",
        AcceptForm(request.POST),
        lambda data: actions.do_accept(
            request.user,
            item,
            planned_release=data["planned_release"],
            planned_on=data["planned_on"],
            expected_version=data["version"],
        ),
    )
    return refused or _done(request, pk, _("Accepted."))


@login_required
@require_POST
def request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_decide_dev_requests(request.user))
    refused = _run(
        request,
        pk,
        "decline_form",
        DecisionForm(request.POST),
        lambda data: actions.do_decline(
            request.user, item, decision=data["decision"], expected_version=data["version"]
        ),
    )
    return refused or _done(request, pk, _("Declined."))


@login_required
@require_POST
def request_start(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_decide_dev_requests(request.user))
    try:
        actions.do_start(request.user, item)
    except actions.DevRequestError as error:
        return _render_detail(request, pk, error="; ".join(error.messages))
    return _done(request, pk, _("In progress."))


@login_required
@require_POST
def request_release(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_decide_dev_requests(request.user))
    refused = _run(
        request,
        pk,
        "release_form",
        ReleaseForm(request.POST),
        lambda data: actions.do_release(
            request.user, item, released_in=data["released_in"], expected_version=data["version"]
        ),
    )
    return refused or _done(request, pk, _("Released: the linked tickets got a note."))


@login_required
@require_POST
def request_wont_do(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_decide_dev_requests(request.user))
    refused = _run(
        request,
        pk,
        "wont_form",
        DecisionForm(request.POST),
        lambda data: actions.do_wont_do(
            request.user, item, decision=data["decision"], expected_version=data["version"]
        ),
    )
    return refused or _done(request, pk, _("Marked «won't do»."))


@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_file_dev_requests(request.user))
    try:
        actions.do_submit(request.user, item)
    except actions.DevRequestError as error:
        return _render_detail(request, pk, error="; ".join(error.messages))
    return _done(request, pk, _("Sent to development: the 48-hour clock runs."))


@login_required
@require_POST
def request_vote(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_file_dev_requests(request.user))
    try:
        actions.do_vote(request.user, item)
    except actions.DevRequestError as error:
        return _render_detail(request, pk, error="; ".join(error.messages))
    return _done(request, pk, _("Vote added."))


@login_required
@require_POST
def request_link(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_file_dev_requests(request.user))
    form = LinkForm(request.POST)
    if form.is_valid():
        ticket = get_ticket_or_404(request.user, form.cleaned_data["ticket"])
        try:
            actions.do_link(request.user, item, tickets=[ticket])
        except actions.DevRequestError as error:
            return _render_detail(request, pk, link_form=form, error="; ".join(error.messages))
        return _done(request, pk, _("Ticket #%(number)s linked.") % {"number": ticket.pk})
    return _render_detail(request, pk, link_form=form)


@login_required
@require_POST
def request_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_request_or_404(user, pk, allowed=can_merge_dev_requests(user))
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, pk, merge_form=form)
    survivor = get_request_or_404(user, form.cleaned_data["survivor"])
    try:
        actions.do_merge(user, item, survivor)
    except actions.DevRequestError as error:
        return _render_detail(request, pk, merge_form=form, error="; ".join(error.messages))
    messages.success(request, _("Merged into DEV-%(number)s.") % {"number": survivor.pk})
    return redirect("devrequests:detail", pk=survivor.pk)


@login_required
@require_POST
def request_tell(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_request_or_404(request.user, pk, allowed=can_file_dev_requests(request.user))
    try:
        told = actions.do_tell_clients(request.user, item)
    except actions.DevRequestError as error:
        return _render_detail(request, pk, error="; ".join(error.messages))
    return _done(request, pk, _("Clients told on %(count)s tickets.") % {"count": told})


HOME_ROWS = 10


def home_inbox(user) -> list:
    """The first rows of the inbox, for development's home page."""
    now = timezone.now()
    rows = list(queries.inbox(requests_visible_to(user), now)[:HOME_ROWS])
    for row in rows:
        row.time_left = _time_left(row.due_at, now)
        row.overdue = row.due_at is not None and row.due_at < now
    return rows
