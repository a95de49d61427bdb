"""Macro pages: the list with usage counts, create, edit, delete; and using a macro from the
ticket page (its panel). Thin: permission, form, one action or query."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import require
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx
from soprovod.macros import actions, queries
from soprovod.macros.forms import MacroForm, UseForm
from soprovod.macros.permissions import (
    can_edit_macro,
    can_edit_shared_macros,
    can_use_macros,
    get_macro_or_404,
)
from soprovod.tickets.actions import TicketError
from soprovod.tickets.drafts import save_reply_draft
from soprovod.tickets.forms import ReplyForm
from soprovod.tickets.permissions import get_ticket_or_404


@login_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_macros(user))
    personal, shared = queries.listing(user)
    for macro in (*personal, *shared):
        macro.editable = can_edit_macro(user, macro)
    return render(
        request,
        "macros/list.html",
        {"personal": personal, "shared": shared},
    )


def _save(request: HttpRequest, form: MacroForm, macro=None) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        actions.do_save_macro(request.user, macro, **form.values())
    except actions.MacroError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, _("The macro is saved."))
    return redirect("macros:list")


@login_required
@require_http_methods(["GET", "POST"])
def macro_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_use_macros(user))
    form = MacroForm(request.POST or None, can_share=can_edit_shared_macros(user), instance=None)
    if request.method == "POST" and (response := _save(request, form)) is not None:
        return response
    return render(request, "macros/edit.html", {"form": form, "macro": None})


@login_required
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    macro = get_macro_or_404(user, pk, for_edit=True)
    form = MacroForm(request.POST or None, instance=macro, can_share=can_edit_shared_macros(user))
    if request.method == "POST" and (response := _save(request, form, macro)) is not None:
        return response
    return render(request, "macros/edit.html", {"form": form, "macro": macro})


@login_required
@require_POST
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_macro_or_404(request.user, pk, for_edit=True)
    actions.do_delete_macro(request.user, macro)
    messages.success(request, _("The macro is deleted."))
    return redirect("macros:list")


def _to_ticket(request: HttpRequest, number: int) -> HttpResponse:
    url = reverse("tickets:detail", args=[number]) + "#reply"
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def use(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Use a macro on a ticket in one click. A macro with reply text only fills the reply box
    (htmx swaps it, keeping what was already written). One that sets fields applies them
    through the ticket actions and opens the ticket page again with the text in the box."""
    user = request.user
    ticket = get_ticket_or_404(user, number, for_work=True)
    macro = get_macro_or_404(user, pk)
    form = UseForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        used = actions.do_use_macro(user, macro, ticket, expected_version=version)
    except (TicketError, StaleObjectError, ValidationError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, _("The macro was not applied: %(error)s") % {"error": text})
        return _to_ticket(request, number)
    written = (request.POST.get("body") or "").rstrip()
    body = f"{written}\n\n{used.text}" if written and used.text else (written or used.text)
    if used.changed or not is_htmx(request):
        if used.changed:
            messages.success(request, _("Macro «%(title)s» applied.") % {"title": macro.title})
        save_reply_draft(request.session, number, body)
        return _to_ticket(request, number)
    reply = ReplyForm(initial={"body": body, "version": used.ticket.version})
    return HttpResponse(str(reply["body"]))
