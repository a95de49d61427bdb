"""The hand-made department of the KPI tests (kpi/tests/fixtures.py): October 2026, whose
figures are worked out by hand there, so a report's numbers can be checked against them."""

from soprovod.kpi.tests.fixtures import department  # noqa: F401 - a fixture
