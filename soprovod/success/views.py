"""The success pages: the claims register, a claim, its forms.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
claims); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.permissions import (
    can_edit_churn_reasons,
    can_log_client_notes,
    can_mark_key_accounts,
    can_see_churn_cases,
    can_see_claims,
    can_work_churn_cases,
    can_work_claims,
    is_client_account,
    require,
)
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.recorder import trail_for
from soprovod.clients.permissions import clients_visible_to, get_client_or_404
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import is_htmx, posted, resubmission
from soprovod.success import actions, card, deadlines, exports, queries, timeline
from soprovod.success.forms import (
    CallNoteForm,
    ChurnCaseForm,
    ChurnCloseForm,
    ChurnOpenForm,
    ChurnReasonForm,
    ChurnTaskForm,
    ClaimForm,
)
from soprovod.success.models import ChurnOutcome, ChurnReason, ChurnSource, ClaimDirection, NextStep
from soprovod.success.permissions import (
    can_edit_case,
    can_edit_claim,
    cases_visible_to,
    claims_visible_to,
    get_case_or_404,
    get_claim_or_404,
    notes_visible_to,
)
from soprovod.surveys.permissions import get_task_or_404


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


# ---- churn cases (уходящие клиенты) --------------------------------------------------------


@login_required
@require_GET
def churn_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    state = request.GET.get("state", queries.OPEN)
    if state not in (queries.OPEN, queries.ALL, *ChurnOutcome.values):
        state = queries.OPEN
    reason = request.GET.get("reason", "")
    reason_id = int(reason) if reason.isdigit() else None
    visible = cases_visible_to(user)
    rows = queries.churn_cases(visible, state=state, reason_id=reason_id)
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "cases": page.object_list,
        "state": state,
        "states": [
            (queries.OPEN, pgettext("churn cases", "Open")),
            *ChurnOutcome.choices,
            (queries.ALL, _("All")),
        ],
        "reason": reason_id,
        "reasons": ChurnReason.objects.all(),
        "totals": queries.churn_totals(visible, today.replace(month=1, day=1)),
        "can_open": can_work_churn_cases(user),
        "can_edit_reasons": can_edit_churn_reasons(user),
    }
    template = "success/_churn_rows.html" if is_htmx(request) else "success/churn_list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def churn_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    require(can_work_churn_cases(user))
    initial = {}
    if request.GET.get("client", "").isdigit():
        initial["client"] = get_client_or_404(user, int(request.GET["client"])).pk
    form = ChurnOpenForm(posted(request), initial=initial, clients=clients_visible_to(user))
    if form.is_valid():
        data = form.cleaned_data
        case = actions.do_open_churn_case(
            data["client"],
            source=ChurnSource.MANUAL,
            actor=user,
            reason=data["reason"],
            details=data["details"],
            owner=data["owner"],
        )
        messages.success(request, _("Churn case for %(client)s is open.") % {"client": case.client})
        return redirect("success:churn_case", pk=case.pk)
    return render(request, "success/churn_open.html", {"form": form})


def _case_page(request, case, **forms_given) -> HttpResponse:
    user = request.user
    editable = case.is_open and can_edit_case(user, case)
    context = {
        "case": case,
        "tasks": list(case.tasks.select_related("owner")),
        "can_edit": editable,
        "edit_form": forms_given.get("edit_form")
        or (ChurnCaseForm(instance=case) if editable else None),
        "task_form": forms_given.get("task_form") or (ChurnTaskForm() if editable else None),
        "close_form": forms_given.get("close_form")
        or (
            ChurnCloseForm(initial={"outcome_on": timezone.localdate(), "version": case.version})
            if editable
            else None
        ),
        "status_history": list(
            case.client.status_history.select_related("actor").order_by("-effective_on", "-id")[:10]
        ),
    }
    return render(request, "success/churn_case.html", context)


@login_required
@require_GET
def churn_case(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_see_churn_cases(request.user))
    return _case_page(request, get_case_or_404(request.user, pk))


@login_required
@require_POST
def churn_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    case = get_case_or_404(user, pk, for_update=True)
    form = ChurnCaseForm(request.POST, instance=case)
    if not form.is_valid():
        return _case_page(request, case, edit_form=form)
    try:
        actions.do_update_churn_case(
            user,
            case,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
            owner=form.cleaned_data["owner"],
        )
    except StaleObjectError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("success:churn_case", pk=pk)


@login_required
@require_POST
def churn_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    case = get_case_or_404(user, pk, for_update=True)
    form = ChurnTaskForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, task_form=form)
    try:
        actions.do_add_churn_task(user, case, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("success:churn_case", pk=pk)


@login_required
@require_POST
def churn_task_done(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    case = get_case_or_404(user, pk, for_update=True)
    task = case.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404
    actions.do_set_churn_task_done(user, task, done=request.POST.get("done") == "1")
    return redirect("success:churn_case", pk=pk)


@login_required
@require_POST
def churn_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(can_see_churn_cases(user))
    case = get_case_or_404(user, pk, for_update=True)
    form = ChurnCloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_close_churn_case(
                user,
                case,
                outcome=data["outcome"],
                outcome_on=data["outcome_on"],
                notes=data["notes"],
                new_mrr_rub=data["new_mrr_rub"],
                expected_version=data["version"],
            )
        except StaleObjectError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("success:churn_case", pk=pk)
    return _case_page(request, case, close_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def churn_reasons(request: HttpRequest) -> HttpResponse:
    """The taxonomy of churn reasons: the head adds, renames, orders and retires them."""
    user = request.user
    require(can_see_churn_cases(user))
    editable = can_edit_churn_reasons(user)
    form = None
    if request.method == "POST":
        require(editable)
        reason = None
        if request.POST.get("pk", "").isdigit():
            reason = ChurnReason.objects.filter(pk=int(request.POST["pk"])).first()
            if reason is None:
                raise Http404
        form = ChurnReasonForm(request.POST, instance=reason)
        if form.is_valid():
            actions.do_save_churn_reason(
                user,
                ChurnReason.objects.get(pk=reason.pk) if reason else None,
                **form.cleaned_data,
            )
            messages.success(request, _("Churn reasons saved."))
            return redirect("success:churn_reasons")
    reasons = ChurnReason.objects.annotate(uses=Count("cases"))
    return render(
        request,
        "success/churn_reasons.html",
        {
            "reasons": reasons,
            "form": form or (ChurnReasonForm() if editable else None),
            "can_edit": editable,
        },
    )


# ---- the client's success side: key account, notes -------------------------------------------


@login_required
@require_POST
def key_account(request: HttpRequest, client_id: int) -> HttpResponse:
    user = request.user
    client = get_client_or_404(user, client_id)
    require(can_mark_key_accounts(user))
    actions.do_save_client_profile(user, client, key_account=request.POST.get("key") == "1")
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
def note_create(request: HttpRequest, client_id: int) -> HttpResponse:
    """Log a call or meeting. ``?task=N``: while closing the loop with a detractor
    (surveys.DetractorTask N): the note links to it, and the page goes back to the task."""
    user = request.user
    require(can_log_client_notes(user))
    client = get_client_or_404(user, client_id)
    task = None
    task_id = request.GET.get("task") or request.POST.get("task")
    if task_id and str(task_id).isdigit():
        task = get_task_or_404(user, int(task_id))
        if task.client_id != client.pk:
            raise Http404
    initial = {"held_on": timezone.localdate(), "staff": [user.pk]}
    if task is not None and task.response.contact_id:
        initial["contacts"] = [task.response.contact_id]
    form = CallNoteForm(posted(request), initial=initial, client=client)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_log_call_note(
                user,
                client,
                kind=data["kind"],
                held_on=data["held_on"],
                summary=data["summary"],
                staff=data["staff"],
                contacts=data["contacts"],
                other_participants=data["other_participants"],
                next_steps=form.next_steps(),
                detractor_task=task,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The note is saved."))
            if task is not None:
                return redirect("surveys:task", pk=task.pk)
            return redirect("clients:detail", pk=client.pk)
    return render(request, "success/note_form.html", {"form": form, "client": client, "task": task})


@login_required
@require_POST
def next_step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    user = request.user
    require(can_log_client_notes(user))
    step = NextStep.objects.select_related("note").filter(pk=step_id).first()
    if step is None or not notes_visible_to(user).filter(pk=step.note_id).exists():
        raise Http404
    actions.do_set_next_step_done(user, step, done=request.POST.get("done") == "1")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("clients:detail", args=[step.note.client_id])
    return redirect(target)


@login_required
@require_GET
def client_timeline(request: HttpRequest, client_id: int) -> HttpResponse:
    """A further page of the client's timeline (htmx «load more»), or the first page of
    the kinds chosen."""
    user = request.user
    client = get_client_or_404(user, client_id)
    require(not is_client_account(user), hidden=True)
    kinds = card.selected_kinds(user, request)
    cursor = timeline.Cursor.decode(request.GET.get("before", ""))
    context = {"client": client, **card.timeline_context(user, client, cursor=cursor, kinds=kinds)}
    return render(request, "success/_timeline_rows.html", context)
