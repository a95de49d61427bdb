"""The Bitrix24 pages: the sync log (each run's counts, conflicts and errors; the connection,
its secret masked; «Sync now»), the review list of conflicts (resolve or ignore), and the
handler of Bitrix24's outbound events.

The events handler is open to the internet, like the mail webhook of a provider: it trusts a
request only when ``auth[application_token]`` equals BITRIX24_APP_TOKEN (403 and nothing done
otherwise), and an event only triggers a sync of the record it names.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from soprovod.bitrix import actions, queries, tasks
from soprovod.bitrix.client import is_configured, masked, portal_address
from soprovod.bitrix.models import ConflictStatus
from soprovod.bitrix.permissions import get_conflict_or_404, require_bitrix

logger = logging.getLogger(__name__)

COMPANY_EVENTS = {"ONCRMCOMPANYADD", "ONCRMCOMPANYUPDATE"}
DEAL_EVENTS = {"ONCRMDEALADD", "ONCRMDEALUPDATE"}


def _connection() -> dict:
    return {
        "configured": is_configured(),
        "webhook": masked(settings.BITRIX24_WEBHOOK_URL),
        "token_set": bool(settings.BITRIX24_APP_TOKEN),
        "client_id_field": settings.BITRIX24_CLIENT_ID_FIELD,
        "health_field": settings.BITRIX24_HEALTH_FIELD,
        "portal": portal_address(settings.BITRIX24_WEBHOOK_URL),
    }


@login_required
@require_GET
def sync_log(request: HttpRequest) -> HttpResponse:
    require_bitrix(request.user)
    page = Paginator(queries.runs(), queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bitrix/log.html",
        {
            "page": page,
            "connection": _connection(),
            "counts": queries.conflict_counts(),
            "trail": queries.recent_audit(),
        },
    )


@login_required
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    require_bitrix(request.user)
    if not is_configured():
        messages.error(request, _("Bitrix24 is not connected: set BITRIX24_WEBHOOK_URL."))
    else:
        tasks.run_sync.delay(request.user.pk)
        messages.success(request, _("The sync has started; its run appears in the log."))
    return redirect("bitrix:log")


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    require_bitrix(request.user)
    status = request.GET.get("status", ConflictStatus.OPEN)
    if status not in (*ConflictStatus.values, "all"):
        status = ConflictStatus.OPEN
    page = Paginator(queries.conflicts(status), queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bitrix/conflicts.html",
        {
            "page": page,
            "status": status,
            "statuses": [*ConflictStatus.choices, ("all", _("All"))],
            "counts": queries.conflict_counts(),
            "portal": portal_address(settings.BITRIX24_WEBHOOK_URL),
        },
    )


@login_required
@require_POST
def conflict_decide(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = get_conflict_or_404(request.user, pk)
    status = request.POST.get("status", "")
    if status not in (ConflictStatus.RESOLVED, ConflictStatus.IGNORED):
        messages.error(request, _("Choose to resolve or to ignore the conflict."))
        return redirect("bitrix:conflicts")
    actions.do_decide_conflict(
        request.user, conflict, status=status, note=request.POST.get("note", "")[:2000]
    )
    if status == ConflictStatus.RESOLVED and is_configured():
        # Resolved in Bitrix24: read the company again; if it is still wrong, it reopens.
        tasks.sync_company.delay(conflict.company_id, subject=f"review {conflict.pk}")
    messages.success(
        request,
        _("Conflict resolved.") if status == ConflictStatus.RESOLVED else _("Conflict ignored."),
    )
    return redirect("bitrix:conflicts")


@csrf_exempt
@require_POST
def events(request: HttpRequest) -> HttpResponse:
    """Bitrix24's outbound events (application/x-www-form-urlencoded, PHP-style keys)."""
    expected = settings.BITRIX24_APP_TOKEN
    given = request.POST.get("auth[application_token]", "")
    if not expected or not is_configured() or not hmac.compare_digest(given, expected):
        logger.warning("Bitrix24 event refused: wrong or missing application token")
        return HttpResponseForbidden("wrong application token")
    event = request.POST.get("event", "").upper()
    raw_id = request.POST.get("data[FIELDS][ID]", "")
    if not raw_id.isdigit():
        return JsonResponse({"accepted": False, "reason": "no record ID"}, status=400)
    subject = f"{event} {raw_id}"
    if event in COMPANY_EVENTS:
        tasks.sync_company.delay(int(raw_id), subject=subject)
    elif event in DEAL_EVENTS:
        tasks.sync_deal.delay(int(raw_id), subject=subject)
    else:
        return JsonResponse({"accepted": False, "reason": "event not handled"})
    return JsonResponse({"accepted": True})
