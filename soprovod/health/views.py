"""The health pages: the portfolio by health (/health/), one client's score with its history
and the success manager's sentiment (/health/clients/<id>/), and the head's settings
(/health/settings/). Sections answer 403 to roles without them; a client that does not
exist answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soprovod.accounts.models import User
from soprovod.accounts.permissions import (
    can_edit_health_settings,
    can_see_health,
    require,
)
from soprovod.accounts.roles import Role
from soprovod.core.errors import StaleObjectError
from soprovod.core.http import posted
from soprovod.health import actions, charts, explain, queries
from soprovod.health import config as health_config
from soprovod.health.forms import SentimentForm, SettingsForm
from soprovod.health.models import ClientSentiment
from soprovod.health.permissions import can_set_sentiment, get_client_or_404


def decorate(rows) -> None:
    """Words for each row of a list: the summary, the flags."""
    for row in rows:
        row.summary = explain.summary(row.score, row.measures)
        row.flag_labels = explain.flag_labels(row.flags)
        row.band_label = explain.BAND_LABELS.get(row.band, "")


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    require(can_see_health(request.user))
    filters = queries.PortfolioFilters.from_query(request.GET)
    rows = queries.portfolio(request.user, filters)
    page = Paginator(rows, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    decorate(page.object_list)
    counts = queries.band_counts(request.user)
    managers = User.objects.filter(role_rows__role=Role.SUCCESS_MANAGER).order_by(
        "last_name", "first_name", "username"
    )
    return render(
        request,
        "health/portfolio.html",
        {
            "page": page,
            "rows": page.object_list,
            "filters": filters,
            "bands": [(band, label, counts[band]) for band, label in explain.BAND_LABELS.items()],
            "managers": managers,
            "sorts": [
                ("score", _("Score, worst first")),
                ("-score", _("Score, best first")),
                ("name", _("Name")),
                ("mrr", _("MRR")),
                ("renewal", _("Renewal")),
            ],
            "can_edit_settings": can_edit_health_settings(request.user),
        },
    )


@login_required
@require_GET
def client_health(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_or_404(request.user, pk)
    latest = queries.latest_for(client)
    settings = health_config.current()
    history = queries.history(client)
    sentiment = ClientSentiment.objects.filter(client=client).select_related("updated_by").first()
    context = {
        "client": client,
        "latest": latest,
        "history": history,
        "chart": charts.score_chart(
            history, red_below=settings.red_below, green_from=settings.green_from
        )
        if history
        else None,
        "sentiment": sentiment,
        "can_set_sentiment": can_set_sentiment(request.user, client),
        "drops": list(queries.red_drops(client)[:10]),
    }
    if latest is not None:
        context["summary"] = explain.summary(latest.score, latest.measures, limit=9)
        context["lines"] = explain.lines(latest.measures)
        context["flags"] = explain.flag_labels(latest.flags)
        context["band_label"] = explain.BAND_LABELS.get(latest.band, "")
    if context["can_set_sentiment"]:
        context["sentiment_form"] = SentimentForm(
            initial={
                "score": sentiment.score if sentiment else 3,
                "note": sentiment.note if sentiment else "",
                "version": sentiment.version if sentiment else 0,
            }
        )
    return render(request, "health/client.html", context)


@login_required
@require_POST
def set_sentiment(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_or_404(request.user, pk)
    require(can_set_sentiment(request.user, client))
    form = SentimentForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_sentiment(
                request.user,
                client,
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Sentiment saved."))
        except StaleObjectError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a sentiment from 1 to 5."))
    return redirect("health:client", pk=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    require(can_edit_health_settings(request.user))
    current = health_config.current()
    form = SettingsForm(posted(request), current=current)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_update_settings(
                request.user,
                weights=data["weights"],
                points=data["points"],
                red_below=data["red_below"],
                green_from=data["green_from"],
                comment=data["comment"],
                expected_version=data["version"],
            )
        except StaleObjectError:
            messages.error(
                request,
                _("Someone saved the settings after you opened them: check the current ones."),
            )
            return redirect("health:settings")
        messages.success(request, _("Settings saved; today's scores are being recomputed."))
        return redirect("health:settings")
    return render(
        request,
        "health/settings.html",
        {"form": form, "current": current, "versions": queries.config_versions()},
    )
