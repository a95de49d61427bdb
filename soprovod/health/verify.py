"""`soprovod verify`, health: each client's latest stored score recomputed from its inputs as
of its day with the settings version it names, and compared (score, band, flags, each
measure's raw value and sub-score). A difference means the inputs changed after the score
was stored without a recomputation; ``--fix`` recomputes those clients' day."""

from __future__ import annotations

from collections import defaultdict

from soprovod.core.verify import Difference, Report, Tally
from soprovod.health import actions, queries
from soprovod.health import config as health_config

COMPARED = ("score", "band", "flags")


def _measures(values: list[dict]) -> dict:
    return {m["key"]: (m["raw"] if isinstance(m["raw"], str) else round(float(m["raw"]), 4),
                       m["sub"]) for m in values}  # fmt: skip


def check_latest_scores(report: Report, *, fix: bool = False, actor=None) -> Tally:
    tally = Tally()
    groups: dict[tuple, list] = defaultdict(list)
    for row in queries.latest_scores().select_related("client").order_by("pk"):
        groups[(row.day, row.config_version)].append(row)
    for (day, version), rows in sorted(groups.items()):
        try:
            settings = health_config.of_version(version)
        except Exception:  # noqa: BLE001 - a version deleted by hand: judge by today's
            settings = health_config.current()
        fresh = actions.compute(day, [row.client_id for row in rows], settings)
        wrong_clients = []
        for row in rows:
            tally.checked += 1
            subject = f"client {row.client.external_id or row.client_id} health {day}"
            now = fresh.get(row.client_id)
            if now is None:
                continue  # churned since: no longer scored
            wrong = False
            for name in COMPARED:
                if getattr(row, name) != now[name]:
                    report(Difference(subject, name, getattr(row, name), now[name]))
                    wrong = True
            if _measures(row.measures) != _measures(now["measures"]):
                report(Difference(subject, "measures", _measures(row.measures),
                                  _measures(now["measures"])))  # fmt: skip
                wrong = True
            if wrong:
                wrong_clients.append(row.client_id)
        if fix and wrong_clients:
            actions.do_recompute(day, wrong_clients)
            tally.fixed += len(wrong_clients)
    return tally
