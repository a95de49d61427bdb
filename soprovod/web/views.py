import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.permissions import is_client_account
from soprovod.accounts.roles import Role
from soprovod.core.home import blocks_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page of the user's roles: the blocks of `soprovod.web.home_blocks` (and any
    an app registered) that the user sees, each with its live figures (issue 16)."""
    user = request.user
    if is_client_account(user):
        return redirect("portal:home")
    roles = [str(Role(code).label) for code in sorted(user.role_codes)]
    now = timezone.now()
    context = {"roles": roles, "blocks": blocks_for(user, now), "today": timezone.localdate(now)}
    return render(request, "web/home.html", context)


def no_favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico even on pages that link no icon (e.g. error pages)."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# The database dropped the connection, restarted or is unreachable: the request is refused
# whole (its transaction never committed) and the next one reconnects by itself.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a plain page that needs neither the database nor the signed-in user.

    A database outage answers 503 with ``Retry-After`` (and says to retry), anything else
    500. Django calls this while handling the exception, so ``sys.exc_info()`` names it."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        status = 503
        title = _("Service temporarily unavailable")
        text = _(
            "The database is not answering right now, so nothing was saved. "
            "Please repeat your action in a minute."
        )
    else:
        status = 500
        title = _("Something went wrong")
        text = _(
            "The server could not finish this request. The error has been logged; "
            "please try again, and tell the administrator if it happens again."
        )
    body = render_to_string("web/error.html", {"title": title, "text": text})
    response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
