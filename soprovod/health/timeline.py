"""The health events of the client's timeline (`success.timeline`, client 360): the days the
score dropped into red, each with what cost it points. One query a page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.accounts.permissions import can_see_health
from soprovod.health import explain
from soprovod.health.models import HealthScore
from soprovod.lib.periods import department_zone
from soprovod.success.timeline import Event, Source


def _drops(user, client, condition: Q, limit: int):
    rows = (
        HealthScore.objects.filter(client=client)
        .exclude(dropped_from="")
        .filter(condition)
        .order_by("-day", "-pk")[:limit]
    )
    for row in rows:
        yield Event(
            dt.datetime.combine(row.day, dt.time.min, tzinfo=department_zone()),
            "health",
            row.pk,
            _("Health dropped into red: %(score)s (from %(band)s)")
            % {"score": row.score, "band": explain.BAND_LABELS.get(row.dropped_from, "")},
            detail=explain.summary(row.score, row.measures),
            url=reverse("health:client", args=[client.pk]),
            tone="bad",
            all_day=True,
        )


SOURCE = Source("health", gettext_lazy("Health score"), can_see_health, _drops, "day", is_date=True)
