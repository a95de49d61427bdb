"""The CSV download of the claims register, from the same queryset the page shows."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from soprovod.core.csvexport import csv_response
from soprovod.success import deadlines

COLUMNS = [
    "number",
    "direction",
    "client",
    "counterparty_inn",
    "contract",
    "sent_on",
    "received_on",
    "channel",
    "delivery_proof",
    "basis",
    "principal_rub",
    "penalty_rub",
    "response_days",
    "response_due_on",
    "days_left",
    "owner",
    "replied_on",
    "outcome",
    "amount_paid_rub",
    "court_case_number",
]


def claims_csv(rows, today) -> StreamingHttpResponse:
    """``rows``: claims with their client and owner (`queries.register`)."""

    def days_left(claim):
        if claim.response_due_on is None or claim.outcome or claim.replied_on:
            return ""
        return deadlines.days_left(claim.response_due_on, today)

    return csv_response(
        "claims.csv",
        COLUMNS,
        (
            [
                c.number,
                c.direction,
                c.client.name,
                c.counterparty_inn,
                c.contract,
                c.sent_on,
                c.received_on,
                c.channel,
                c.delivery_proof,
                c.basis,
                c.principal_rub,
                c.penalty_rub,
                c.response_days,
                c.response_due_on,
                days_left(c),
                c.owner.get_full_name() if c.owner else "",
                c.replied_on,
                c.outcome,
                c.amount_paid_rub,
                c.court_case_number,
            ]
            for c in rows.iterator(chunk_size=500)
        ),
    )
