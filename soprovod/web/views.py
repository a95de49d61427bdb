import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.permissions import (
    can_agree_handoffs,
    can_decide_dev_requests,
    can_start_handoffs,
    can_take_internal_survey,
    can_work_detractor_tasks,
    is_client_account,
)
from soprovod.accounts.roles import Role
from soprovod.devrequests import views as devrequest_views
from soprovod.handoffs import queries as handoff_queries
from soprovod.health.home import at_risk_block
from soprovod.surveys import queries as survey_queries


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page of the user's role (interfaces.md «Web»)."""
    user = request.user
    if is_client_account(user):
        return redirect("portal:home")
    roles = [str(Role(code).label) for code in sorted(user.role_codes)]
    context = {"roles": roles}
    if can_decide_dev_requests(user):  # development starts from its inbox
        context["dev_inbox"] = devrequest_views.home_inbox(user)
    context["at_risk"] = at_risk_block(user)  # the success manager's working list
    if can_work_detractor_tasks(user):
        # The success manager's loop to close: detractors to call back (issue 11).
        tasks = list(survey_queries.open_tasks_of(user)[:20])
        now = timezone.now()
        for task in tasks:
            task.is_overdue = task.due_at < now
        context["detractor_tasks"] = tasks
    if can_start_handoffs(user):  # sales start from the clients they hand over
        context["my_handoffs"] = list(handoff_queries.handoff_list(user)[:10])
    if can_agree_handoffs(user):
        context["handoffs_to_agree"] = handoff_queries.inbox(user).count()
    if can_take_internal_survey(user):
        context["internal_survey_due"] = not survey_queries.answered_internal_survey(user)
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
