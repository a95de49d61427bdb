"""`soprovod verify`: every stored figure recomputed from the history it caches
(style.md «Every figure can be recomputed»).

Each app that stores a cache of a rule applied to history registers a check from its
``AppConfig.ready`` with `register_check` — the SLA clocks of tickets, the clients' dated
status history; later the audit trail's hash chain or the KPI month aggregates. The command
(in the web shell) runs them in registration order and prints what they report.

A check is a function ``check(report, fix=False) -> Tally``. It compares what is stored with
what it recomputes, calls ``report(Difference(...))`` for each disagreement as it finds it
(so a long run prints as it goes), and, with ``fix``, writes the recomputed values through
its app's actions, audited. It returns how many objects it checked and how many it fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    """One stored value that disagrees with its recomputation."""

    subject: str  # what it is about, as people name it: "ticket #1234", "client DEMO-0001"
    field: str  # the name the exports and pages use: "resolution_due", "status"
    stored: object
    recomputed: object

    def line(self) -> str:
        return (
            f"{self.subject} {self.field}: stored {_shown(self.stored)}, "
            f"recomputed {_shown(self.recomputed)}"
        )


def _shown(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


@dataclass
class Tally:
    """What one check did: objects compared, differences found, differences fixed."""

    checked: int = 0
    differences: int = 0
    fixed: int = 0


Report = Callable[[Difference], None]
CheckFunction = Callable[..., Tally]


@dataclass(frozen=True)
class Check:
    name: str  # short, for the summary: "tickets", "clients"
    run: CheckFunction


_checks: dict[str, Check] = {}


def register_check(name: str, run: CheckFunction) -> None:
    """Add a check (registering a name again replaces it, so a reload does not double it)."""
    _checks[name] = Check(name, run)


def registered_checks() -> list[Check]:
    return list(_checks.values())


def run_checks(
    report: Report, *, fix: bool = False, only: set[str] | None = None
) -> list[tuple[str, Tally]]:
    """Run every registered check (or those named in ``only``), passing each difference to
    ``report``; returns each check's tally, its differences counted here."""
    results = []
    for check in registered_checks():
        if only is not None and check.name not in only:
            continue
        found = 0

        def counted(difference: Difference) -> None:
            nonlocal found
            found += 1
            report(difference)

        tally = check.run(counted, fix=fix)
        tally.differences = found
        results.append((check.name, tally))
    return results
