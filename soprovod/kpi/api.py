"""GET /api/v1/kpi — the KPI document of interfaces.md («KPI JSON»)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router

from soprovod.accounts.permissions import can_see_kpi, require
from soprovod.apiutils import QuerySchema, api_user, error_responses
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period

router = Router(tags=["kpi"])


# The dates a period may name: the figures compare it with the period before, so a date near
# the calendar's ends would overflow (a 500 schemathesis found); no department's history
# lies outside these.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class KpiQuery(QuerySchema):
    from_: dt.date = Field(
        ...,
        alias="from",
        ge=EARLIEST,
        le=LATEST,
        description="First day, YYYY-MM-DD (2000-01-01 to 2100-12-31).",
    )
    to: dt.date = Field(
        ...,
        ge=EARLIEST,
        le=LATEST,
        description="Last day, YYYY-MM-DD (inclusive; 2000-01-01 to 2100-12-31).",
    )


@router.get(
    "/kpi",
    response={200: dict[str, Any], **error_responses(403)},
    summary="Every KPI for a period (the document of interfaces.md)",
)
def kpi(request: HttpRequest, query: Query[KpiQuery]):
    """The same document as `soprovod kpi --json`: value, target, comparison, met and the
    numerator/denominator each figure came from; null when there is no data."""
    require(can_see_kpi(api_user(request)))
    if query.to < query.from_:
        raise ValidationError({"to": "The period ends before it starts."})
    with translation.override(settings.LANGUAGE_CODE):
        return compute(Period(query.from_, query.to)).as_json()
