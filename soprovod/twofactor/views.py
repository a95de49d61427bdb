from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soprovod.accounts.permissions import (
    can_manage_security,
    can_use_second_factor,
    require,
)
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted, resubmission
from soprovod.twofactor import actions, queries
from soprovod.twofactor.forms import CodeForm, EnrolForm, PolicyForm


def _require_head(request: HttpRequest) -> None:
    require(can_manage_security(request.user))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The person's own two-factor page: on or off, recovery codes, turning it off."""
    require(can_use_second_factor(request.user))
    user = request.user
    return render(
        request,
        "twofactor/account.html",
        {
            "enrolled": queries.has_second_factor(user),
            "required": queries.required_for(user),
            "codes_left": queries.recovery_codes_left(user),
        },
    )


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Scan the QR code, type the first code; the recovery codes are then shown once."""
    require(can_use_second_factor(request.user))
    if queries.has_second_factor(request.user):
        return redirect("twofactor:account")
    device = actions.do_start_enrolment(request.user)
    form = EnrolForm(posted(request))
    if form.is_valid():
        codes = actions.do_confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "twofactor/codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("The code is wrong or has expired. Try the current one."))
    return render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "device": device,
            "next": _next(request),
            "required": queries.required_for(request.user),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Confirm this session with a code from the app or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not queries.has_second_factor(user):
        # Reset by the head, or turned off in another session.
        request.session[queries.ENROLLED_SESSION_KEY] = False
        if queries.required_for(user):
            return redirect(f"{reverse('twofactor:enrol')}?{urlencode({'next': _next(request)})}")
        return redirect(_next(request))
    form = CodeForm(posted(request))
    if form.is_valid():
        if actions.verify(request, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error(
            "code", _("The code is wrong. Wait for the next one or use a recovery code.")
        )
    return render(request, "twofactor/verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def new_codes(request: HttpRequest) -> HttpResponse:
    require(can_use_second_factor(request.user))
    if not queries.has_second_factor(request.user):
        return redirect("twofactor:account")
    codes = actions.do_new_recovery_codes(request.user)
    return render(
        request, "twofactor/codes.html", {"codes": codes, "next": reverse("twofactor:account")}
    )


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    require(can_use_second_factor(request.user))
    if queries.required_for(request.user):
        messages.error(request, _("Your role requires two-factor authentication."))
        return redirect("twofactor:account")
    actions.do_turn_off(request.user, request.user)
    request.session[queries.ENROLLED_SESSION_KEY] = False
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("twofactor:account")


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The head's page: which roles must use a second factor, and who has one."""
    _require_head(request)
    policy = queries.policy()
    data = posted(request)
    form = PolicyForm(data, initial={"roles": policy.required_roles, "version": policy.version})
    if form.is_valid():
        try:
            actions.do_set_required_roles(
                request.user, form.cleaned_data["roles"], version=form.cleaned_data["version"]
            )
        except StaleObjectError as stale:
            messages.warning(
                request, _("Someone changed the policy meanwhile; check it and save again.")
            )
            form = PolicyForm(resubmission(request, stale.obj))
        else:
            messages.success(request, _("Saved."))
            return redirect("twofactor:security")
    return render(
        request,
        "twofactor/security.html",
        {"form": form, "policy": policy, "people": queries.people()},
    )


@login_required
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The head removes someone's lost second factor; they enrol again at next sign-in."""
    _require_head(request)
    person = get_object_or_404(queries.people(), pk=pk)
    actions.do_turn_off(request.user, person, reason=_("reset by the head"))
    messages.success(request, _("The second factor of %(name)s is reset.") % {"name": person})
    return redirect("twofactor:security")
