"""Reads of the health scores shared by the pages, the home block, the client panel and the
verify check: each list is one query (plus its count), whatever its length."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from soprovod.accounts.permissions import can_edit_every_client
from soprovod.clients.models import ClientStatus
from soprovod.health import scoring
from soprovod.health.models import HealthConfig, HealthScore
from soprovod.health.permissions import clients_with_health_visible_to

PAGE_SIZE = 50
HISTORY_DAYS = 180
SORTS = {
    # No score (no data) last, whichever way.
    "score": (F("score").asc(nulls_last=True), "client__name"),
    "-score": (F("score").desc(nulls_last=True), "client__name"),
    "name": ("client__name",),
    "mrr": ("-client__mrr_rub", "client__name"),
    "renewal": (F("client__contract_end").asc(nulls_last=True), "client__name"),
}


def latest_scores() -> QuerySet[HealthScore]:
    """Each scored client's latest row (a correlated subquery on the (client, day) key)."""
    last_day = (
        HealthScore.objects.filter(client=OuterRef("client")).order_by("-day").values("day")[:1]
    )
    return HealthScore.objects.filter(day=Subquery(last_day)).exclude(
        client__status=ClientStatus.CHURNED
    )


# The at-risk list (the success manager's working list): red, or any risk flag, or the
# success manager's own sentiment 1 or 2.
AT_RISK = Q(band=scoring.RED) | ~Q(flags=[]) | Q(client__sentiment__score__lte=2)


@dataclass(frozen=True)
class PortfolioFilters:
    band: str = ""
    manager: str = ""  # "me" or a user id
    q: str = ""
    at_risk: bool = False
    sort: str = "score"

    @classmethod
    def from_query(cls, data) -> PortfolioFilters:
        band = data.get("band", "")
        sort = data.get("sort", "score")
        return cls(
            band=band if band in scoring.BANDS else "",
            manager=data.get("manager", "").strip(),
            q=data.get("q", "").strip()[:100],
            at_risk=data.get("at_risk") == "1",
            sort=sort if sort in SORTS else "score",
        )


def portfolio(user, filters: PortfolioFilters) -> QuerySet[HealthScore]:
    """The latest scores of the clients the user may read, filtered and sorted."""
    rows = latest_scores().filter(client__in=clients_with_health_visible_to(user).values("pk"))
    if filters.band:
        rows = rows.filter(band=filters.band)
    if filters.manager == "me":
        rows = rows.filter(client__success_manager=user)
    elif filters.manager.isdigit():
        rows = rows.filter(client__success_manager_id=int(filters.manager))
    if filters.q:
        rows = rows.filter(client__name__icontains=filters.q)
    if filters.at_risk:
        rows = rows.filter(AT_RISK)
    return rows.select_related("client__success_manager", "client__sentiment").order_by(
        *SORTS[filters.sort]
    )


def band_counts(user) -> dict[str, int]:
    """How many clients are red, yellow and green (one query)."""
    rows = (
        latest_scores()
        .filter(client__in=clients_with_health_visible_to(user).values("pk"))
        .values("band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {band: 0 for band in scoring.BANDS}
    counts.update({row["band"]: row["n"] for row in rows if row["band"]})
    return counts


def at_risk_for(user, *, limit: int = 20) -> list[HealthScore]:
    """The at-risk list: the head's whole portfolio, a success manager's own clients; worst
    score first."""
    rows = latest_scores().filter(AT_RISK)
    if not can_edit_every_client(user):
        rows = rows.filter(client__success_manager=user)
    return list(
        rows.select_related("client", "client__sentiment").order_by(
            F("score").asc(nulls_last=True), "client__name"
        )[:limit]
    )


def latest_for(client) -> HealthScore | None:
    return HealthScore.objects.filter(client=client).order_by("-day").first()


def history(client, *, days: int = HISTORY_DAYS, today: dt.date | None = None):
    """The client's daily scores over the last ``days`` days, oldest first."""
    today = today or timezone.localdate()
    return list(
        HealthScore.objects.filter(client=client, day__gt=today - dt.timedelta(days=days))
        .order_by("day")
        .only("day", "score", "band", "dropped_from", "config_version")
    )


def red_drops(client):
    """The days the client's score dropped into red (for the client's timeline)."""
    return HealthScore.objects.filter(client=client).exclude(dropped_from="").order_by("-day")


def config_versions(limit: int = 20):
    return HealthConfig.objects.select_related("created_by").order_by("-version")[:limit]
