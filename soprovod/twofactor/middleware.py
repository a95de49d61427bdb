"""No page and no session API call before the second factor, for those who need one.

Installed after django-otp's OTPMiddleware (which tells whether this session confirmed a
code). A person who must confirm (`queries.second_factor_pending`) reaches only the pages
to enrol, confirm and sign out (and the language switch and JavaScript catalogue those pages
use); any other page redirects there, an htmx request is told to go there, and a session
API call answers 403. API calls with a token (``Authorization: Bearer …``) are not
affected: a token is issued by a person who was signed in, and is revoked on their profile
page (docs/operations.md «Two-factor authentication»).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from soprovod.twofactor import queries

# URL names a person who still has to confirm a code may open.
OPEN_URL_NAMES = frozenset(
    {
        "twofactor:enrol",
        "twofactor:verify",
        "logout",
        "login",
        "set_language",
        "javascript-catalog",
    }
)
API_PREFIX = "/api/"


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if queries.second_factor_pending(request) and not self._open(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(API_PREFIX):
            # A token call: the token decides (a bad token answers 401, whatever session).
            return request.headers.get("Authorization", "").startswith("Bearer ")
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return True  # a 404 tells nothing
        return match.view_name in OPEN_URL_NAMES

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                {"detail": _("Confirm the second factor of your account first.")}, status=403
            )
        enrolled = request.session.get(queries.ENROLLED_SESSION_KEY)
        target = reverse("twofactor:verify" if enrolled else "twofactor:enrol")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
