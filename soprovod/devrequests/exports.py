"""The CSV download of the request list (interfaces.md «CSV files»), from the same queryset
the page shows."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from soprovod.core.csvexport import csv_response

COLUMNS = [
    "number",
    "kind",
    "title",
    "status",
    "created_at",
    "due_at",
    "votes",
    "tickets",
    "emergency_tickets",
    "clients",
    "clients_mrr",
    "tickets_90_days",
    "impact",
    "planned_release",
    "planned_on",
    "released_in",
    "released_at",
    "merged_into",
]


def requests_csv(rows) -> StreamingHttpResponse:
    """``rows``: requests annotated by `queries.with_impact`."""
    return csv_response(
        "dev-requests.csv",
        COLUMNS,
        (
            [
                f"DEV-{r.pk}",
                r.kind,
                r.title,
                r.status,
                r.created_at,
                r.due_at,
                r.votes,
                r.ticket_count,
                r.emergency_count,
                r.client_count,
                r.mrr_total,
                r.recent_ticket_count,
                round(r.impact, 1),
                r.planned_release,
                r.planned_on,
                r.released_in,
                r.released_at,
                f"DEV-{r.merged_into_id}" if r.merged_into_id else "",
            ]
            for r in rows.iterator(chunk_size=500)
        ),
    )
