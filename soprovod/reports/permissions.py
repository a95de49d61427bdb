"""Which reports a user may open: every report for those who read reports, none (404) for
anybody else."""

from __future__ import annotations

from soprovod.accounts.permissions import can_read_reports, require
from soprovod.reports.models import Report


def get_report_or_404(user, pk: int) -> Report:
    """The report ``pk`` if the user may read reports; 404 otherwise, as if absent."""
    require(can_read_reports(user), hidden=True)
    report = Report.objects.filter(pk=pk).select_related("created_by").first()
    require(report is not None, hidden=True)
    return report
