"""A client's dated status history (issue 9, point 3): imported in one go it starts at the
contract start, so retention and the active portfolio of past periods come out right.

The portfolio below is worked out by hand in the comments; the KPI engine must agree."""

import datetime as dt

import pytest
import time_machine

from soprovod.audit.models import AuditEvent
from soprovod.clients.actions import do_update_client
from soprovod.clients.history import opening
from soprovod.clients.imports import import_clients
from soprovod.clients.models import Client, ClientStatus, ClientStatusChange
from soprovod.kpi.engine import Period, compute

pytestmark = pytest.mark.django_db

D = dt.date
ONBOARDING, ACTIVE, AT_RISK, CHURNED = (
    ClientStatus.ONBOARDING,
    ClientStatus.ACTIVE,
    ClientStatus.AT_RISK,
    ClientStatus.CHURNED,
)
TODAY = D(2026, 10, 1)
HEADER = "external_id,name,inn,tariff,mrr_rub,status,contract_start,churned_at"
# (external_id, status, contract_start, churned_at) — the INNs are valid checksums.
PORTFOLIO = [
    ("A", "churned", "2023-04-23", "2025-12-22"),  # churned during 2025
    ("B", "churned", "2022-01-10", "2024-11-30"),  # churned before 2025
    ("C", "active", "2024-06-01", ""),
    ("D", "onboarding", "2024-12-31", ""),  # started the day before 2025
    ("E", "active", "2025-01-01", ""),  # started on 2025's first day: not at its start
    ("F", "churned", "2025-03-15", "2025-10-01"),  # came and went within 2025
    ("G", "churned", "2023-01-01", "2026-02-01"),  # churned after 2025
    ("H", "at_risk", "2024-02-01", ""),
    ("I", "churned", "2024-12-31", "2025-01-01"),  # churned on 2025's first day
    ("J", "churned", "2023-05-05", "2024-12-31"),  # churned on 2024's last day
    ("K", "churned", "2025-06-01", "2026-09-15"),  # under contract all of August 2026
]
INNS = [
    "7707083893",
    "500100732259",
    "7736050003",
    "7702070139",
    "7728168971",
    "7710140679",
    "7740000076",
    "7707049388",
    "7715805253",
    "7802348846",
    "5003052454",
]


def portfolio_file(rows=PORTFOLIO) -> bytes:
    lines = [HEADER]
    for (external_id, status, start, churned), inn in zip(rows, INNS, strict=True):
        lines.append(
            f"{external_id},ООО «{external_id}»,{inn},Бизнес,10000,{status},{start},{churned}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def history(external_id: str) -> list[tuple[str, dt.date]]:
    return list(
        ClientStatusChange.objects.filter(client__external_id=external_id)
        .order_by("effective_on", "id")
        .values_list("status", "effective_on")
    )


def figure(period: Period, key: str):
    kpi = compute(period, now=dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)).get(key)
    return kpi.numerator, kpi.denominator, kpi.value


@pytest.fixture
def imported():
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        import_clients(portfolio_file(), filename="portfolio.csv")


def test_imported_history_starts_at_the_contract_start(imported):
    assert history("A") == [(ACTIVE, D(2023, 4, 23)), (CHURNED, D(2025, 12, 22))]
    assert history("C") == [(ACTIVE, D(2024, 6, 1))]
    assert history("D") == [(ONBOARDING, D(2024, 12, 31))]
    # At risk since... the file does not say: since the import.
    assert history("H") == [(ACTIVE, D(2024, 2, 1)), (AT_RISK, TODAY)]
    # Churned the day it started: no day of being active to record.
    assert opening(CHURNED, D(2025, 5, 5), D(2025, 5, 5), TODAY) == [(CHURNED, D(2025, 5, 5))]


def test_retention_of_2025_for_a_portfolio_imported_in_one_go(imported):
    # Active on 31.12.2024 with a contract started before 2025: A C D G H I (B and J had
    # churned by then; E, F and K started in 2025). Churned by 31.12.2025: A, I.
    assert figure(Period(D(2025, 1, 1), D(2025, 12, 31)), "retention") == (4, 6, 4 / 6)


def test_retention_of_a_quarter_and_a_month(imported):
    # Q4 2025 at its start: A C D E F(until 1.10, so churned on the quarter's first day)
    # G H K → F and A are lost: 6 of 8.
    assert figure(Period(D(2025, 10, 1), D(2025, 12, 31)), "retention") == (6, 8, 6 / 8)
    # February 2026 at its start: C D E G H K; G churns on 1 February.
    assert figure(Period(D(2026, 2, 1), D(2026, 2, 28)), "retention") == (5, 6, 5 / 6)


def test_active_clients_at_the_end_of_past_periods(imported):
    # 31.12.2025 under contract and not churned: C D E G H K.
    assert (
        compute(Period(D(2025, 12, 1), D(2025, 12, 31))).get("portfolio.active_clients").value == 6
    )
    # 31.08.2026: C D E H K (G left in February, K only in September).
    assert compute(Period(D(2026, 8, 1), D(2026, 8, 31))).get("portfolio.active_clients").value == 5
    # 31.12.2024: A C D G H I (D and I signed on the 31st); B and J had left.
    assert (
        compute(Period(D(2024, 12, 1), D(2024, 12, 31))).get("portfolio.active_clients").value == 6
    )


def test_reimporting_the_unchanged_file_changes_nothing(imported):
    records = list(ClientStatusChange.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC), tick=False):
        result = import_clients(portfolio_file(), filename="portfolio.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(PORTFOLIO))
    assert list(ClientStatusChange.objects.order_by("pk").values()) == records
    assert AuditEvent.objects.count() == events


def test_a_changed_status_adds_one_dated_record(imported):
    rows = [
        ("C", "churned", "2024-06-01", "2026-10-20") if row[0] == "C" else row for row in PORTFOLIO
    ]
    rows = [("H", "active", "2024-02-01", "") if row[0] == "H" else row for row in rows]
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC), tick=False):
        result = import_clients(portfolio_file(rows), filename="portfolio-nov.csv")
        again = import_clients(portfolio_file(rows), filename="portfolio-nov.csv")
    assert (result.updated, again.updated) == (2, 0)
    assert history("C") == [(ACTIVE, D(2024, 6, 1)), (CHURNED, D(2026, 10, 20))]
    assert history("H") == [(ACTIVE, D(2024, 2, 1)), (AT_RISK, TODAY), (ACTIVE, D(2026, 11, 5))]
    assert ClientStatusChange.objects.count() == 19 + 2


def test_corrected_dates_move_the_records_they_dated(imported, staff):
    client = Client.objects.get(external_id="A")
    do_update_client(staff.head, client, contract_start=D(2023, 5, 1), churned_at=D(2025, 12, 1))
    assert history("A") == [(ACTIVE, D(2023, 5, 1)), (CHURNED, D(2025, 12, 1))]
