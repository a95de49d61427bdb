"""The success pages: the claims register, a claim, its forms.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
claims); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from soprovod.accounts.permissions import can_see_claims, can_work_claims, require
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.recorder import trail_for
from soprovod.clients.permissions import clients_visible_to, get_client_or_404
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, posted, resubmission
from soprovod.success import actions, deadlines, exports, queries
from soprovod.success.forms import ClaimForm
from soprovod.success.models import ClaimDirection
from soprovod.success.permissions import can_edit_claim, claims_visible_to, get_claim_or_404


def _annotate_deadline(claim, today) -> None:
    """What the register and the claim page say about the deadline."""
    claim.days_left = None
    claim.overdue = False
    if claim.response_due_on and claim.is_open and claim.replied_on is None:
        claim.days_left = deadlines.days_left(claim.response_due_on, today)
        claim.overdue = claim.direction == ClaimDirection.FROM_CLIENT and claim.days_left < 0


# ---- the register --------------------------------------------------------------------------


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_see_claims(user))
    today = timezone.localdate()
    state = request.GET.get("state", queries.OPEN)
    state = state if state in queries.STATES else queries.OPEN
    direction = request.GET.get("direction", "")
    direction = direction if direction in ClaimDirection.values else ""
    owner = request.GET.get("owner", "")
    owner_id = int(owner) if owner.isdigit() else None
    search = request.GET.get("q", "").strip()[:100]
    visible = claims_visible_to(user)
    rows = queries.register(
        visible, today=today, state=state, direction=direction, owner_id=owner_id, search=search
    )
    if request.GET.get("format") == "csv":
        return exports.claims_csv(rows, today)
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    for claim in page.object_list:
        _annotate_deadline(claim, today)
    context = {
        "page": page,
        "claims": page.object_list,
        "state": state,
        "states": [
            (queries.OPEN, pgettext("claims", "Open")),
            (queries.DUE_SOON, _("Due within 7 days")),
            (queries.OVERDUE, pgettext("claims", "Overdue")),
            (queries.CLOSED, pgettext("claims", "Closed")),
            (queries.ALL, _("All")),
        ],
        "direction": direction,
        "directions": ClaimDirection.choices,
        "owner": owner_id,
        "owners": users_with_role(Role.HEAD, Role.SUCCESS_MANAGER),
        "search": search,
        "totals": queries.register_totals(visible, today),
        "can_create": can_work_claims(user),
        "query": request.GET.urlencode(),
    }
    template = "success/_claim_rows.html" if is_htmx(request) else "success/claims.html"
    return render(request, template, context)


# ---- a claim -------------------------------------------------------------------------------


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(can_see_claims(user))
    claim = get_claim_or_404(user, pk)
    _annotate_deadline(claim, timezone.localdate())
    return render(
        request,
        "success/claim.html",
        {
            "claim": claim,
            "can_edit": can_edit_claim(user, claim),
            "notices": list(claim.notices.order_by("created_at")),
            "audit": list(trail_for(claim, limit=50)),
        },
    )


@login_required
def claim_file(request: HttpRequest, pk: int) -> FileResponse:
    require(can_see_claims(request.user))
    claim = get_claim_or_404(request.user, pk)
    if not claim.delivery_proof_file:
        raise Http404
    name = claim.delivery_proof_file.name.rsplit("/", 1)[-1]
    return FileResponse(claim.delivery_proof_file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_see_claims(user))
    require(can_work_claims(user))
    initial = {"owner": user.pk}
    if request.GET.get("client", "").isdigit():
        client = get_client_or_404(user, int(request.GET["client"]))
        initial.update(client=client.pk, counterparty_inn=client.inn)
    form = ClaimForm(
        posted(request),
        request.FILES or None,
        initial=initial,
        clients=clients_visible_to(user),
    )
    if form.is_valid():
        try:
            claim = actions.do_create_claim(
                user, client=form.cleaned_data["client"], **form.values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Claim %(number)s registered.") % {"number": claim.number})
            return redirect("success:claim", pk=claim.pk)
    return render(request, "success/claim_form.html", {"form": form, "claim": None})


@login_required
@require_http_methods(["GET", "POST"])
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(can_see_claims(user))
    claim = get_claim_or_404(user, pk, for_update=True)
    form = ClaimForm(
        posted(request), request.FILES or None, instance=claim, clients=clients_visible_to(user)
    )
    if form.is_valid():
        try:
            actions.do_update_claim(
                user,
                claim,
                expected_version=form.cleaned_data.get("version"),
                client=form.cleaned_data["client"],
                **form.values(),
            )
        except StaleObjectError as error:
            claim = get_claim_or_404(user, pk, for_update=True)
            form = ClaimForm(
                resubmission(request, claim),
                request.FILES or None,
                instance=claim,
                clients=clients_visible_to(user),
            )
            messages.error(request, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Claim %(number)s saved.") % {"number": claim.number})
            return redirect("success:claim", pk=claim.pk)
    return render(request, "success/claim_form.html", {"form": form, "claim": claim})
