"""Pages of the Telegram channel: linking one's Telegram (a client contact from the portal,
a colleague for the duty warnings), a code by email for a contact, the duty rota, and the
webhook Telegram posts updates to when a public URL is configured."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_link_telegram,
    can_see_duty_rota,
    can_set_duty_rota,
    can_work_tickets,
    require,
)
from soprovod.core.http import posted
from soprovod.portal.queries import contact_of
from soprovod.telegram import actions, bot, duty, intake, queries
from soprovod.telegram.forms import EmailCodeForm, ShiftForm
from soprovod.telegram.models import DutyShift

logger = logging.getLogger(__name__)


def _owner(request: HttpRequest) -> dict:
    """Whose Telegram the page links: the contact of a client login, else the colleague."""
    if request.user.is_client_contact:
        contact = contact_of(request.user)
        require(contact is not None, hidden=True)
        return {"contact": contact}
    return {"user": request.user}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(can_link_telegram(request.user))
    owner = _owner(request)
    return render(
        request,
        "telegram/home.html",
        {
            "enabled": bot.enabled(),
            "chats": queries.chats_of(**owner),
            "owner_contact": owner.get("contact"),
            "code": request.session.pop("telegram_code", None),
            "email_form": EmailCodeForm() if can_work_tickets(request.user) else None,
            "linked_contacts": queries.linked_contacts()[:50]
            if can_work_tickets(request.user)
            else None,
            "on_duty_now": duty.on_duty() if request.user.is_support_staff else None,
        },
    )


@login_required
@require_POST
def issue_code(request: HttpRequest) -> HttpResponse:
    require(can_link_telegram(request.user))
    code, row = actions.do_issue_code(request.user, **_owner(request))
    # Shown once, on the page the browser is sent back to (never in a URL).
    request.session["telegram_code"] = {
        "code": code,
        "expires_at": row.expires_at.isoformat(),
    }
    return redirect("telegram:home")


@login_required
@require_POST
def email_code(request: HttpRequest) -> HttpResponse:
    """A client contact asks for the code by email (to open it on the phone)."""
    require(can_link_telegram(request.user) and request.user.is_client_contact)
    contact = _owner(request)["contact"]
    try:
        address = actions.do_email_code(request.user, contact)
    except actions.TelegramError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The code is sent to %(email)s.") % {"email": address})
    return redirect("telegram:home")


@login_required
@require_POST
def email_contact_code(request: HttpRequest) -> HttpResponse:
    """A colleague mails a client contact a code (the contact has no portal login)."""
    require(can_work_tickets(request.user))
    form = EmailCodeForm(posted(request))
    if form.is_valid():
        contact = queries.contact_by_email(form.cleaned_data["email"])
        if contact is None:
            messages.error(
                request,
                _("No contact has this email, or it belongs to several companies."),
            )
        else:
            try:
                actions.do_email_code(request.user, contact)
            except actions.TelegramError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("A code is sent to %(name)s (%(company)s).")
                    % {"name": contact.full_name, "company": contact.client.name},
                )
    else:
        messages.error(request, _("Enter a valid email address."))
    return redirect("telegram:home")


@login_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_link_telegram(request.user))
    chat = queries.chats_of(**_owner(request)).filter(pk=pk).first()
    require(chat is not None, hidden=True)
    actions.do_unlink(request.user, chat)
    messages.success(request, _("Telegram is unlinked."))
    return redirect("telegram:home")


# ---- the duty rota -------------------------------------------------------------------------

ROTA_DAYS = 14


@login_required
@require_http_methods(["GET", "POST"])
def duty_rota(request: HttpRequest) -> HttpResponse:
    require(can_see_duty_rota(request.user))
    can_edit = can_set_duty_rota(request.user)
    form = ShiftForm(posted(request)) if can_edit else None
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_add_shift(
                    request.user,
                    user=data["user"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    note=data["note"],
                )
            except actions.TelegramError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The shift is added to the rota."))
                return redirect("telegram:duty")
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=ROTA_DAYS)
    return render(
        request,
        "telegram/duty.html",
        {
            "form": form,
            "can_edit": can_edit,
            "shifts": queries.rota(start, end),
            "gaps": [(a, b) for a, b in duty.coverage(max(start, now), end)],
            "on_duty_now": duty.on_duty(now),
            "days": ROTA_DAYS,
        },
    )


@login_required
@require_POST
def delete_shift(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_set_duty_rota(request.user))
    shift = get_object_or_404(DutyShift, pk=pk)
    actions.do_delete_shift(request.user, shift)
    messages.success(request, _("The shift is removed from the rota."))
    return redirect("telegram:duty")


# ---- the webhook ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Telegram posts each update here when TELEGRAM_WEBHOOK_URL is set. Only a request
    with the secret token header is taken; 200 acknowledges the update, so it is answered
    only after the update committed (an error answers 500 and Telegram sends it again)."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not (settings.TELEGRAM_WEBHOOK_URL and secret and bot.enabled()):
        return HttpResponse(status=404)
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponse(status=403)
    try:
        update = json.loads(request.body)
        int(update["update_id"])
    except (ValueError, KeyError, TypeError):
        return HttpResponse(status=400)
    try:
        outcome = intake.handle_update(update)
    except (DatabaseError, bot.TelegramError):
        logger.exception(
            "Telegram update %s not handled; Telegram will send it again", update.get("update_id")
        )
        return HttpResponse(status=500)
    return JsonResponse({"ok": True, "outcome": outcome})
