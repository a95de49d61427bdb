"""What a client's dated status history says, read the way the KPI engine reads it
(kpi.md «retention», «portfolio.active_clients»): the status on a date is that of the last
record effective on or before it (the later record first when two share a date).

Pure functions over ``(status, effective_on)`` pairs in the order they were recorded, used
by the client actions and by `soprovod verify`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from soprovod.clients.models import ClientStatus

Record = tuple[str, dt.date]


def in_effect_order(records: Sequence[Record]) -> list[Record]:
    """By date, records of one date in the order they were made (the last one wins)."""
    return sorted(records, key=lambda record: record[1])


def status_on(records: Sequence[Record], day: dt.date) -> str | None:
    """The status on ``day``; None before the history begins."""
    found = None
    for status, effective_on in in_effect_order(records):
        if effective_on > day:
            break
        found = status
    return found


@dataclass(frozen=True)
class Told:
    """The client's facts as its history tells them."""

    contract_start: dt.date | None  # the first day the history gives a status
    status: str | None  # the status it ends with
    churned_at: dt.date | None  # when it ends churned: since when, without a break


def told_by(records: Sequence[Record]) -> Told:
    ordered = in_effect_order(records)
    if not ordered:
        return Told(None, None, None)
    churned_at = None
    for status, effective_on in reversed(ordered):
        if status != ClientStatus.CHURNED:
            break
        churned_at = effective_on
    return Told(ordered[0][1], ordered[-1][0], churned_at)


def disagreements(
    contract_start: dt.date, status: str, churned_at: dt.date | None, records: Sequence[Record]
) -> list[tuple[str, object, object]]:
    """``(field, stored, recomputed)`` for each of the client's stored facts that its history
    does not tell: the history must begin on the contract start, end with the client's
    status and, for a churned client, have it churned since its churn date."""
    told = told_by(records)
    found: list[tuple[str, object, object]] = []
    if told.contract_start != contract_start:
        found.append(("contract_start", contract_start, told.contract_start))
    if told.status != status:
        found.append(("status", status, told.status))
    if told.churned_at != churned_at and status == told.status == ClientStatus.CHURNED:
        found.append(("churned_at", churned_at, told.churned_at))
    return found


def opening(
    status: str, contract_start: dt.date, churned_at: dt.date | None, today: dt.date
) -> list[Record]:
    """The history a client starts with when it arrives with a past (created by hand, or
    imported): it begins on ``contract_start`` — onboarding when that is the client's
    status, else active — and then changes to the client's status on its date: the churn
    date for a churned client, ``today`` for one at risk (no file says since when). So a
    client imported as churned was active from its contract start until it left, and counts
    in retention for every period in between (kpi.md «retention»)."""
    first = ClientStatus.ONBOARDING if status == ClientStatus.ONBOARDING else ClientStatus.ACTIVE
    if status == first:
        return [(first, contract_start)]
    since = churned_at if status == ClientStatus.CHURNED and churned_at else today
    if since <= contract_start:
        return [(status, contract_start)]
    return [(first, contract_start), (status, since)]


def repairs(
    contract_start: dt.date,
    status: str,
    churned_at: dt.date | None,
    records: Sequence[Record],
    today: dt.date,
) -> tuple[dict[int, dt.date], list[Record]]:
    """What makes the history tell the client's facts (`disagreements`), keeping every
    record it has: ``(moves, additions)`` — new dates for records by their index, and
    records to add after them. An empty history gets its `opening`; a history that begins
    late gets the opening record on the contract start; one that ends with another status
    gets the client's status on its date (the churn date, else ``today``)."""
    if not records:
        return {}, opening(status, contract_start, churned_at, today)
    moves: dict[int, dt.date] = {}
    added: list[Record] = []
    order = sorted(range(len(records)), key=lambda index: records[index][1])
    first_status, first_date = records[order[0]]
    if first_date > contract_start:
        start_status = (
            ClientStatus.ONBOARDING
            if first_status == ClientStatus.ONBOARDING
            else ClientStatus.ACTIVE
        )
        added.append((start_status, contract_start))
    for index in order:
        if records[index][1] < contract_start:
            moves[index] = contract_start

    current = [(s, moves.get(i, d)) for i, (s, d) in enumerate(records)] + added
    told = told_by(current)
    if status == ClientStatus.CHURNED and told.status != ClientStatus.CHURNED:
        added.append((ClientStatus.CHURNED, churned_at))
    elif status == ClientStatus.CHURNED and told.churned_at != churned_at:
        # Re-date the record the final churned stretch begins with.
        ordered = sorted(range(len(current)), key=lambda index: current[index][1])
        begins = ordered[-1]
        for index in reversed(ordered):
            if current[index][0] != ClientStatus.CHURNED:
                break
            begins = index
        if begins < len(records):
            moves[begins] = churned_at
        else:
            added[begins - len(records)] = (ClientStatus.CHURNED, churned_at)
    elif status != told.status:
        added.append((status, max(today, max(date for _status, date in current))))
    return moves, added


def describe(records: Sequence[Record]) -> str:
    """The history as the audit trail keeps it: «Active 2023-04-23; Churned 2025-12-22»."""
    return "; ".join(
        f"{ClientStatus(status).label} {effective_on.isoformat()}"
        for status, effective_on in in_effect_order(records)
    )
