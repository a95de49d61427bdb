"""The hand-off pages: sales' own hand-offs and the form to start one, support's inbox by
time left, and the hand-off page with its checklist, clock and history.

Who may do what is `soprovod.accounts.permissions` (roles) and `permissions.py` (which
hand-offs); reads come from ``queries``, writes go through ``actions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soprovod.accounts.permissions import (
    can_agree_handoffs,
    can_see_handoffs,
    can_start_handoffs,
    require,
)
from soprovod.clients.permissions import clients_visible_to
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted
from soprovod.handoffs import actions, checklist, exports, queries
from soprovod.handoffs.forms import (
    AcceptForm,
    DocumentForm,
    HandoffForm,
    ReturnForm,
    SiteFormSet,
    site_rows,
)
from soprovod.handoffs.models import HandoffStatus, RoundOutcome
from soprovod.handoffs.permissions import (
    can_answer_handoff,
    can_edit_handoff,
    get_handoff_or_404,
    owns_handoff,
)


def _require_section(request: HttpRequest) -> HttpResponse | None:
    require(can_see_handoffs(request.user))
    return None


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _own_handoff(request: HttpRequest, pk: int):
    """The owner's hand-off: 404 if the user may not see it, 403 if it is not theirs. Its
    status is the action's to refuse (with the reason shown on the detail page), as the
    API answers 409: the owner of a submitted hand-off is told it is submitted, not that
    they are not allowed."""
    handoff = get_handoff_or_404(request.user, pk)
    require(owns_handoff(request.user, handoff))
    return handoff


def _not_editable(request: HttpRequest, handoff) -> HttpResponse | None:
    """Back to the detail page with the reason when the hand-off's status allows no change."""
    if can_edit_handoff(request.user, handoff):
        return None
    messages.error(request, _("Only a draft or a returned hand-off can be changed."))
    return redirect("handoffs:detail", handoff.pk)


def _not_answerable(request: HttpRequest, handoff, reason: str) -> HttpResponse | None:
    """Back to the detail page with the reason when the hand-off is not waiting for an answer
    (accepted, returned or still a draft): the API answers 409 there, not «forbidden»."""
    if can_answer_handoff(request.user, handoff):
        return None
    messages.error(request, reason)
    return redirect("handoffs:detail", handoff.pk)


# ---- lists ---------------------------------------------------------------------------------


@login_required
def handoff_list(request: HttpRequest) -> HttpResponse:
    """Sales see the hand-offs they made; the department and the CEO see every one."""
    if (response := _require_section(request)) is not None:
        return response
    status = request.GET.get("status", "")
    if status not in HandoffStatus.values:
        status = ""
    q = request.GET.get("q", "").strip()
    handoffs = queries.handoff_list(request.user, status=status, q=q)
    if request.GET.get("format") == "csv":
        return exports.handoffs_csv(handoffs)
    page = Paginator(handoffs, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queries.status_counts(request.user)
    context = {
        "page": page,
        "handoffs": page.object_list,
        "status": status,
        "q": q,
        "statuses": [(value, label, counts[value]) for value, label in HandoffStatus.choices],
        "can_start": can_start_handoffs(request.user),
        "can_agree": can_agree_handoffs(request.user),
        "export_query": request.GET.urlencode(),
        "now": timezone.now(),
    }
    return render(request, "handoffs/list.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Support's hand-offs to agree, least time left first."""
    if (response := _require_section(request)) is not None:
        return response
    require(can_agree_handoffs(request.user))
    page = Paginator(queries.inbox(request.user), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "handoffs/inbox.html", {"page": page, "rounds": page.object_list})


# ---- one hand-off --------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    key: str
    label: str
    values: list[tuple[str, object]]
    missing: list[str]
    reason: str


def _checklist_rows(handoff, sites, documents, last_reasons: dict) -> list[ChecklistRow]:
    lacking: dict[str, list[str]] = {}
    for item, what in checklist.missing(handoff, sites, len(documents)):
        lacking.setdefault(item, []).append(what)
    field = handoff._meta.get_field

    def shown(*names):
        return [(str(field(name).verbose_name), getattr(handoff, name)) for name in names]

    values = {
        "client": [(_("Client"), handoff.client.name)]
        if handoff.client_id
        else shown("client_name", "inn", "segment"),
        "contract": shown("contract_number", "contract_date", "tariff", "mrr_rub", "term_months"),
        "decision_maker": shown(
            "decision_maker_name", "decision_maker_phone", "decision_maker_email"
        ),
        "technical": shown("technical_name", "technical_phone", "technical_email"),
        "billing": shown("billing_name", "billing_phone", "billing_email"),
        "sites": [
            (site.name, f"{site.address} · {site.timezone} · {site.equipment}") for site in sites
        ],
        "scope": shown("modules", "integrations", "passes_or_users"),
        "promises": shown("promised_go_live", "promised_dates", "special_terms"),
        "documents": [(document.name, document) for document in documents],
    }
    return [
        ChecklistRow(
            item.key,
            str(item.label),
            values[item.key],
            lacking.get(item.key, []),
            last_reasons.get(item.key, ""),
        )
        for item in checklist.ITEMS
    ]


def _clock(agreement, now) -> dict:
    if agreement is None:
        return {}
    if agreement.answered_at is not None:
        return {
            "state": "on_time" if agreement.answered_at <= agreement.due_at else "late",
            "hours": (agreement.elapsed_seconds or 0) / 3600,
        }
    left = agreement.due_at - now
    if left.total_seconds() < 0:
        state = "overdue"
    elif now >= agreement.warn_at:
        state = "warning"
    else:
        state = "running"
    return {"state": state, "left": abs(left)}


def _detail_context(request, handoff, **forms) -> dict:
    now = timezone.now()
    rounds = list(queries.rounds_of(handoff))
    sites, documents = list(handoff.sites.all()), list(handoff.documents.all())
    returned = [r for r in rounds if r.outcome == RoundOutcome.RETURNED]
    last_reasons = returned[-1].reasons if returned and handoff.status != "accepted" else {}
    current = rounds[-1] if rounds else None
    for agreement in rounds:
        agreement.reason_rows = [
            (checklist.ITEM_LABELS.get(key, key), text) for key, text in agreement.reasons.items()
        ]
        agreement.clock = _clock(agreement, now)
    editable = can_edit_handoff(request.user, handoff)
    answerable = can_answer_handoff(request.user, handoff)
    return {
        "handoff": handoff,
        "rows": _checklist_rows(handoff, sites, documents, last_reasons),
        "rounds": rounds,
        "current": current,
        "clock": _clock(current, now),
        "can_edit": editable,
        "can_answer": answerable,
        "missing": checklist.missing(handoff, sites, len(documents)),
        "document_form": forms.get("document_form") or (DocumentForm() if editable else None),
        "return_form": forms.get("return_form") or (ReturnForm() if answerable else None),
        "accept_form": forms.get("accept_form") or (AcceptForm() if answerable else None),
    }


@login_required
def handoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _require_section(request)) is not None:
        return response
    handoff = get_handoff_or_404(request.user, pk)
    return render(request, "handoffs/detail.html", _detail_context(request, handoff))


@login_required
def handoff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Start a hand-off (sales) or change a draft or returned one."""
    if (response := _require_section(request)) is not None:
        return response
    require(can_start_handoffs(request.user))
    handoff = _own_handoff(request, pk) if pk else None
    if handoff is not None and (response := _not_editable(request, handoff)) is not None:
        return response
    clients = clients_visible_to(request.user).order_by("name")
    initial_sites = (
        [
            {"name": s.name, "address": s.address, "timezone": s.timezone, "equipment": s.equipment}
            for s in handoff.sites.all()
        ]
        if handoff
        else []
    )
    data = posted(request)
    form = HandoffForm(
        data,
        request.FILES or None,
        instance=handoff,
        clients=clients,
        initial={"version": handoff.version} if handoff else None,
    )
    sites = SiteFormSet(data, initial=initial_sites, prefix="sites")
    if data is not None and form.is_valid() and sites.is_valid():
        try:
            saved = actions.do_save_handoff(
                request.user,
                handoff,
                sites=site_rows(sites),
                expected_version=form.cleaned_data.get("version"),
                **form.values(),
            )
            if form.cleaned_data.get("document"):
                actions.do_add_document(request.user, saved, file=form.cleaned_data["document"])
        except StaleObjectError:
            messages.error(request, _("Someone changed this hand-off meanwhile; reload it."))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                _refused(request, error)
        else:
            messages.success(request, _("Hand-off saved."))
            if "submit" in request.POST:
                return _submit(request, saved)
            return redirect("handoffs:detail", saved.pk)
    context = {"form": form, "sites": sites, "handoff": handoff}
    return render(request, "handoffs/form.html", context)


def _submit(request: HttpRequest, handoff) -> HttpResponse:
    try:
        agreement = actions.do_submit_handoff(request.user, handoff)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Submitted to support: an answer is due by %(due)s.")
            % {"due": timezone.localtime(agreement.due_at).strftime("%d.%m.%Y %H:%M")},
        )
    return redirect("handoffs:detail", handoff.pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(request, _own_handoff(request, pk))


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = _own_handoff(request, pk)
    if (response := _not_editable(request, handoff)) is not None:
        return response
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.do_add_document(request.user, handoff, file=form.cleaned_data["document"])
        except ValidationError as error:
            _refused(request, error)
        return redirect("handoffs:detail", handoff.pk)
    context = _detail_context(request, handoff, document_form=form)
    return render(request, "handoffs/detail.html", context, status=400)


@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    handoff = _own_handoff(request, pk)
    document = handoff.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        actions.do_remove_document(request.user, document)
    except ValidationError as error:
        _refused(request, error)
    return redirect("handoffs:detail", handoff.pk)


@login_required
def document_file(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    handoff = get_handoff_or_404(request.user, pk)
    document = handoff.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)


@login_required
@require_POST
def return_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = get_handoff_or_404(request.user, pk, for_answer=True)
    reason = _("Only a submitted hand-off can be returned.")
    if (response := _not_answerable(request, handoff, reason)) is not None:
        return response
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            actions.do_return_handoff(
                request.user,
                handoff,
                reasons=form.reasons(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Returned to sales with your reasons."))
        return redirect("handoffs:detail", handoff.pk)
    context = _detail_context(request, handoff, return_form=form)
    return render(request, "handoffs/detail.html", context, status=400)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = get_handoff_or_404(request.user, pk, for_answer=True)
    reason = _("Only a submitted hand-off can be accepted.")
    if (response := _not_answerable(request, handoff, reason)) is not None:
        return response
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            actions.do_accept_handoff(
                request.user,
                handoff,
                success_manager=form.cleaned_data["success_manager"],
                implementation_manager=form.cleaned_data["implementation_manager"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("Accepted: the client is onboarding and its project is open.")
            )
        return redirect("handoffs:detail", handoff.pk)
    context = _detail_context(request, handoff, accept_form=form)
    return render(request, "handoffs/detail.html", context, status=400)
