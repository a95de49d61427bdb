"""Background jobs of the reports app: thin wrappers around `actions`."""

from celery import shared_task

from soprovod.reports import actions
from soprovod.reports.kinds import ReportKind

# While someone else is generating last month's report, look again this often.
BUSY_RETRY_SECONDS = 600


@shared_task(bind=True, name="reports.generate", acks_late=True)
def generate(self, report_id: int) -> str:
    """Make a report's PDF and XLSX (queued by «Generate», «Regenerate», a new commentary).

    A job the broker delivers again (its worker was killed mid-generation, so it was never
    acknowledged) takes over the claim its first run left: otherwise that claim, still fresh,
    would make the retry give up and leave the report «generating» until it went stale."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return actions.do_generate_report(report_id, take_over=redelivered).status


@shared_task(name="reports.deliver", acks_late=True)
def deliver(delivery_id: int) -> bool:
    """Mail a report the head sent by hand (once, however often the task runs)."""
    return actions.do_deliver(delivery_id)


@shared_task(name="reports.monthly", bind=True, acks_late=True, max_retries=12)
def monthly(self) -> str:
    """Daily (CELERY_BEAT_SCHEDULE): last month's report to the CEO on the first working day."""
    outcome = actions.run_monthly_schedule()
    if outcome == actions.ScheduleOutcome.BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(name="reports.quarterly", bind=True, acks_late=True, max_retries=12)
def quarterly(self) -> str:
    """Daily: last quarter's report (strategic KPIs, budget, team, escalations) to the CEO on
    the first working day of the next quarter."""
    outcome = actions.run_schedule(ReportKind.QUARTERLY)
    if outcome == actions.ScheduleOutcome.BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(name="reports.annual", bind=True, acks_late=True, max_retries=12)
def annual(self) -> str:
    """Daily: last year's report (with each person's evaluation and next year's budget) to
    the CEO on the first working day of January."""
    outcome = actions.run_schedule(ReportKind.ANNUAL)
    if outcome == actions.ScheduleOutcome.BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome
