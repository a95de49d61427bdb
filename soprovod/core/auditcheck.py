"""`soprovod verify`, audit trail: the hash chain recomputed (`audit.chain.check_chain`).

Registered here, by core, because audit is the lowest Django layer and knows nothing of
the verify registry. A broken link is evidence, not a cache to refresh: ``--fix`` never
re-hashes the trail."""

from __future__ import annotations

from soprovod.audit.chain import check_chain
from soprovod.core.verify import Difference, Report, Tally


def check_audit_chain(report: Report, *, fix: bool = False, **_options) -> Tally:
    """Report the first broken link of the chain; the tally counts the events read."""
    result = check_chain()
    if result.broken is not None:
        link = result.broken
        report(
            Difference(f"audit event #{link.event_id}", link.field, link.stored, link.recomputed)
        )
    return Tally(checked=result.checked)
