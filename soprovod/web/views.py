from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from soprovod.accounts.permissions import is_client_account
from soprovod.accounts.roles import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page of the user's role (interfaces.md «Web»)."""
    user = request.user
    if is_client_account(user):
        return redirect("portal:home")
    roles = [str(Role(code).label) for code in sorted(user.role_codes)]
    return render(request, "web/home.html", {"roles": roles})


def no_favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico even on pages that link no icon (e.g. error pages)."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response
