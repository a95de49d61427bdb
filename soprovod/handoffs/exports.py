"""CSV export of the hand-off list, from the same queryset as the page."""

from __future__ import annotations

from soprovod.core.csvexport import csv_response

COLUMNS = (
    "id",
    "client",
    "inn",
    "sales",
    "status",
    "contract_number",
    "contract_date",
    "tariff",
    "mrr_rub",
    "round",
    "submitted_at",
    "due_at",
    "answered_at",
)


def handoffs_csv(handoffs):
    rows = (
        (
            h.pk,
            h.client.name if h.client_id else h.client_name,
            h.client.inn if h.client_id else h.inn,
            h.sales.username,
            h.status,
            h.contract_number,
            h.contract_date,
            h.tariff,
            h.mrr_rub,
            h.round_number,
            h.round_submitted_at,
            h.round_due_at,
            h.round_answered_at,
        )
        for h in handoffs.iterator(chunk_size=500)
    )
    return csv_response("handoffs.csv", COLUMNS, rows)
