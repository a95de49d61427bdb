"""The client portal's pages (interfaces.md «Web»: /portal/).

Only client contacts get in; anyone else gets 404, as for a page that does not exist for
them. Tickets and attachments are looked up through ``soprovod.accounts.permissions`` only,
so another company's ticket answers 404 on every page and every POST. Writes go through
``soprovod.tickets.actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import can_use_portal, require
from soprovod.core.errors import StaleObjectError
from soprovod.portal import queries
from soprovod.portal.forms import NewTicketForm, RatingForm, ReopenForm, ReplyForm
from soprovod.search import queries as search_queries
from soprovod.sla.terms import client_terms
from soprovod.tickets import actions
from soprovod.tickets.downloads import attachment_response
from soprovod.tickets.models import Channel, Ticket, TicketMessage, TicketStatus
from soprovod.tickets.permissions import get_ticket_or_404


def client_contact_required(view: Callable) -> Callable:
    """Sign-in first; then only client contacts. The portal is a section staff do not use
    (they have their own ticket pages): 403 for them, as for any section a role may not use
    (style.md 14); an object inside it a contact may not see stays 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require(can_use_portal(request.user))
        return view(request, *args, **kwargs)

    return wrapper


# The ticket page holds three forms: distinct element ids keep their labels apart.
REPLY_IDS = "reply_%s"


def _decorate(ticket: Ticket, now) -> Ticket:
    ticket.client_status = queries.CLIENT_STATUS_LABELS.get(ticket.status, ticket.status)
    ticket.expectation = queries.expectation(ticket, now)
    return ticket


# ---- the list ----------------------------------------------------------------------------


@client_contact_required
def home(request: HttpRequest) -> HttpResponse:
    """The company's tickets: those waiting for the client first, then open, then done."""
    contact = queries.contact_of(request.user)
    page = Paginator(queries.company_tickets(request.user), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for ticket in page.object_list:
        _decorate(ticket, now)
    return render(request, "portal/home.html", {"contact": contact, "page": page})


# ---- the company's SLA terms ------------------------------------------------------------


@client_contact_required
@require_GET
def sla_terms(request: HttpRequest) -> HttpResponse:
    """The response and resolution times of the contact's own company (its policy, from the
    assignment rules), in plain words. There is no address for another company's terms."""
    contact = queries.contact_of(request.user)
    terms = client_terms(contact.client) if contact is not None else None
    return render(request, "portal/sla.html", {"contact": contact, "terms": terms})


# ---- search -------------------------------------------------------------------------------


@client_contact_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The contact's search: their own company's tickets (subjects and public messages) and
    the public articles; a ticket number opens the ticket."""
    query = search_queries.clean(request.GET.get("q"))
    if query and (target := search_queries.jump(request.user, query)):
        return redirect(target)
    groups = search_queries.grouped(request.user, query) if query else []
    return render(
        request,
        "portal/search.html",
        {"query": query, "groups": groups, "search_box_query": query},
    )


# ---- a new ticket --------------------------------------------------------------------------


@client_contact_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    contact = queries.contact_of(request.user)
    if contact is None:
        messages.error(
            request,
            _("Your login is not linked to a company yet, so tickets cannot be filed from it."),
        )
        return redirect("portal:home")
    if request.method == "POST":
        form = NewTicketForm(request.user, request.POST, request.FILES)
    else:
        form = NewTicketForm(request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.do_create_ticket(
                request.user,
                client=contact.client,
                site=data["site"],
                contact=contact,
                subject=data["subject"],
                body=data["body"],
                type=data["type"],
                category=data["category"],
                channel=Channel.PORTAL,
                attachments=data["attachments"],
            )
        except actions.AttachmentError as exc:
            form.add_error("attachments", str(exc))
        else:
            messages.success(
                request,
                _("Ticket #%(number)s is registered. You will find our answers on this page.")
                % {"number": ticket.number},
            )
            return redirect("portal:ticket", number=ticket.number)
    return render(request, "portal/create.html", {"form": form})


# ---- one ticket --------------------------------------------------------------------------


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    stale: str = "",
) -> HttpResponse:
    now = timezone.now()
    queries.attach_due_times(ticket)
    _decorate(ticket, now)
    if reply_form is None:
        reply_form = ReplyForm(initial={"version": ticket.version}, auto_id=REPLY_IDS)
    rating_form = RatingForm(
        initial={"score": ticket.csat_score, "comment": ticket.csat_comment}
        if ticket.csat_score
        else None,
        auto_id="rating_%s",
    )
    context = {
        "ticket": ticket,
        "conversation": queries.conversation(request.user, ticket),
        "reply_form": reply_form,
        "stale": stale,
        "can_reply": ticket.status != TicketStatus.CLOSED,
        "reopen": queries.reopen_state(ticket, now),
        "reopen_form": ReopenForm(auto_id="reopen_%s"),
        "reopen_days": settings.REOPEN_WINDOW_DAYS,
        "can_rate": queries.can_rate(ticket),
        "rating_form": rating_form,
    }
    return render(request, "portal/ticket.html", context)


@client_contact_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, get_ticket_or_404(request.user, number))


@client_contact_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = get_ticket_or_404(request.user, number)
    form = ReplyForm(request.POST, request.FILES, auto_id=REPLY_IDS)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form)
    data = form.cleaned_data
    try:
        actions.do_add_message(
            request.user,
            ticket,
            data["body"],
            attachments=data["attachments"],
            expected_version=data["version"],
            source=TicketMessage.Source.PORTAL,
        )
    except StaleObjectError as exc:
        ticket = get_ticket_or_404(request.user, number)
        # The text is kept and now based on the current version: sending again after
        # reading the news is a deliberate choice. Files cannot be re-filled by a browser.
        kept = ReplyForm(
            initial={"body": data["body"], "version": exc.obj.version}, auto_id=REPLY_IDS
        )
        stale = _(
            "Not sent yet: there is news on this ticket since you opened the page (see the "
            "conversation above). Your text is kept below; read the news and send it again."
        )
        if data["attachments"]:
            stale += " " + _("Please attach your files again.")
        return _ticket_page(request, ticket, reply_form=kept, stale=stale)
    except actions.AttachmentError as exc:
        form.add_error("attachments", str(exc))
        return _ticket_page(request, ticket, reply_form=form)
    except actions.TicketError as exc:
        # Shown above the page: a closed ticket has no reply form to show it in.
        messages.error(request, str(exc))
        return _ticket_page(request, ticket, reply_form=form)
    messages.success(request, _("Your message has been sent."))
    return redirect("portal:ticket", number=ticket.number)


@client_contact_required
@require_POST
def reopen(request: HttpRequest, number: int) -> HttpResponse:
    ticket = get_ticket_or_404(request.user, number)
    form = ReopenForm(request.POST)
    comment = form.cleaned_data["comment"].strip() if form.is_valid() else ""
    try:
        # The reopening and the client's explanation land together or not at all.
        with transaction.atomic():
            ticket = actions.do_reopen(request.user, ticket)
            if comment:
                actions.do_add_message(
                    request.user, ticket, comment, source=TicketMessage.Source.PORTAL
                )
    except actions.TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The ticket is open again. We will get back to you."))
    return redirect("portal:ticket", number=ticket.number)


@client_contact_required
@require_POST
def rate(request: HttpRequest, number: int) -> HttpResponse:
    ticket = get_ticket_or_404(request.user, number)
    if not queries.can_rate(ticket):
        messages.error(request, _("This ticket cannot be rated any more."))
        return redirect("portal:ticket", number=ticket.number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("portal:ticket", number=ticket.number)
    try:
        actions.do_rate(
            request.user, ticket, form.cleaned_data["score"], form.cleaned_data["comment"]
        )
    except actions.TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your rating!"))
    return redirect("portal:ticket", number=ticket.number)


# ---- files -------------------------------------------------------------------------------


@client_contact_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a public message of the company's ticket; anything else answers 404."""
    return attachment_response(request.user, pk)
