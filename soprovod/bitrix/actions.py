"""Every write of the Bitrix24 sync: clients through the clients' own actions, draft
hand-offs through the hand-offs' actions, the links, the review list and the run log. Each
is atomic and audited; ``sync.py`` decides what to write, this module writes it."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.bitrix.client import scrub
from soprovod.bitrix.models import (
    CompanyLink,
    Conflict,
    ConflictStatus,
    DealLink,
    RunStatus,
    SyncRun,
)
from soprovod.clients.actions import do_create_client, do_update_client
from soprovod.clients.models import Client, ClientStatus
from soprovod.handoffs.actions import do_save_handoff

REASON = "Bitrix24"
RUN_COUNTS = (
    "companies_seen",
    "clients_created",
    "clients_updated",
    "skipped",
    "conflicts",
    "deals_seen",
    "handoffs_created",
    "written_back",
    "error_count",
)


@dataclass
class Outcome:
    """What the sync does with one company: create, update, unchanged, skip or conflict."""

    action: str
    company_id: int
    title: str
    inn: str = ""
    client: Client | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    conflict: str = ""  # a ConflictKind
    others: list[int] = field(default_factory=list)  # other companies with the INN
    clients: list[Client] = field(default_factory=list)  # the clients a conflict involves


@dataclass
class DealDraft:
    """A won deal's hand-off as it will be drafted."""

    deal_id: int
    title: str
    values: dict[str, Any]


# ---- runs ---------------------------------------------------------------------------------

# pg_try_advisory_lock key of the full sync (any constant unique within the database).
SYNC_LOCK_KEY = 0x0B1724


@contextmanager
def run_lock() -> Iterator[bool]:
    """Whether this process may run a full sync now: one at a time per database, so «Sync
    now» pressed twice, or pressed while the night's run works, never has two processes
    carrying one run on. PostgreSQL: a session advisory lock; SQLite: an flock on a file
    beside the database. Both go with the process, so a killed worker leaves nothing held."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SYNC_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK_KEY])
        return
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():  # the tests' database: this process's alone
        digest = hashlib.sha256(f"{os.getpid()} {name}".encode()).hexdigest()[:16]
        path = Path(settings.DATA_DIR) / f"bitrix-sync-{digest}.lock"
    else:
        path = Path(f"{name}.bitrix-sync.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def resumable_run() -> SyncRun | None:
    """The last full or nightly run, if it did not finish: a new sync carries it on."""
    last = SyncRun.objects.exclude(kind="event").order_by("-pk").first()
    return last if last is not None and last.status != RunStatus.DONE else None


@transaction.atomic
def do_start_run(actor, *, kind: str, since: dt.datetime | None, subject: str = "") -> SyncRun:
    run = SyncRun.objects.create(kind=kind, since=since, subject=subject, started_by=_person(actor))
    record(actor, run, AuditEvent.Action.CREATED, {"kind": [None, kind]})
    return run


@transaction.atomic
def do_resume_run(actor, run: SyncRun) -> SyncRun:
    run = SyncRun.objects.select_for_update().get(pk=run.pk)
    run.status, run.finished_at = RunStatus.RUNNING, None
    run.resumed += 1
    run.save(update_fields=["status", "finished_at", "resumed"])
    record(actor, run, AuditEvent.Action.STATUS, {"status": ["failed", "running"]})
    return run


@transaction.atomic
def do_finish_run(actor, run: SyncRun, *, error: str = "") -> SyncRun:
    """Close the run: done, or stopped by ``error`` (its checkpoint kept for the resume).
    Every error text is scrubbed of the webhook's secret before it is kept or audited."""
    error = scrub(error)
    if error:
        run.errors = [*run.errors, error][-50:]
        run.error_count += 1
    run.status = RunStatus.FAILED if error else RunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    record(
        actor,
        run,
        AuditEvent.Action.STATUS,
        {"status": ["running", run.status], **{n: [None, getattr(run, n)] for n in RUN_COUNTS}},
        reason=error[:500],
    )
    return run


def add_error(run: SyncRun, message: str) -> None:
    """An error that spoils one record, not the run (written with the page)."""
    run.errors = [*run.errors, scrub(message)][-50:]
    run.error_count += 1


# ---- companies ----------------------------------------------------------------------------


def apply_companies(
    actor, run: SyncRun, outcomes: list[Outcome], *, cursor: int, today: dt.date | None = None
) -> None:
    """Write one page of companies and move the run's checkpoint past it, in one
    transaction: a run stopped after this resumes at the next page."""
    with transaction.atomic():
        for outcome in outcomes:
            run.companies_seen += 1
            try:
                with transaction.atomic():
                    _apply_company(actor, run, outcome, today or timezone.localdate())
            except (IntegrityError, ValidationError, ValueError) as error:
                # a record the clients' rules refuse (a name too long...): that company only
                add_error(
                    run,
                    _("Company %(id)s «%(title)s»: %(error)s")
                    % {"id": outcome.company_id, "title": outcome.title, "error": _message(error)},
                )
        run.company_cursor = max(cursor, run.company_cursor)
        run.save()


def _apply_company(actor, run: SyncRun, outcome: Outcome, today: dt.date) -> None:
    if outcome.action == "skip":
        run.skipped += 1
        return
    if outcome.action == "conflict":
        run.conflicts += 1
        _note_conflict(actor, run, outcome)
        return
    if outcome.action == "create":
        if CompanyLink.objects.filter(company_id=outcome.company_id).exists():
            return  # made a client since this page was read (an event's run): not twice
        client = do_create_client(
            actor,
            reason=REASON,
            name=outcome.title,
            inn=outcome.inn,
            contract_start=today,
            status=ClientStatus.ONBOARDING,
        )
        outcome.client = client
        run.clients_created += 1
    elif outcome.action == "update":
        assert outcome.client is not None
        outcome.client = do_update_client(actor, outcome.client, reason=REASON, **outcome.changes)
        run.clients_updated += 1
    assert outcome.client is not None
    if outcome.action == "create":
        # create, not update_or_create: a link another process made meanwhile is a unique
        # violation that undoes this client, never a link moved to a second client
        CompanyLink.objects.create(
            company_id=outcome.company_id, client=outcome.client, inn=outcome.inn
        )
    else:
        CompanyLink.objects.update_or_create(
            company_id=outcome.company_id,
            defaults={"client": outcome.client, "inn": outcome.inn, "synced_at": timezone.now()},
        )
    _close_conflicts(actor, outcome.company_id)


def _note_conflict(actor, run: SyncRun, outcome: Outcome) -> None:
    now = timezone.now()
    conflict, created = Conflict.objects.select_for_update().get_or_create(
        company_id=outcome.company_id,
        kind=outcome.conflict,
        defaults={
            "title": outcome.title[:300],
            "inn": outcome.inn[:40],
            "other_companies": outcome.others,
            "first_run": run if run.pk else None,
        },
    )
    reopened = conflict.status == ConflictStatus.RESOLVED
    conflict.title, conflict.inn = outcome.title[:300], outcome.inn[:40]
    conflict.other_companies, conflict.last_seen_at = outcome.others, now
    if reopened:
        conflict.status, conflict.decided_by, conflict.decided_at = ConflictStatus.OPEN, None, None
    conflict.save()
    conflict.clients.set(outcome.clients)
    if created or reopened:
        record(
            actor,
            conflict,
            AuditEvent.Action.CREATED if created else AuditEvent.Action.STATUS,
            {"kind": [None, conflict.get_kind_display()], "inn": [None, conflict.inn]},
            reason=REASON,
        )


def _close_conflicts(actor, company_id: int) -> None:
    """The company synced cleanly: whatever was wrong with it was fixed in Bitrix24."""
    for conflict in Conflict.objects.select_for_update().filter(
        company_id=company_id, status=ConflictStatus.OPEN
    ):
        conflict.status, conflict.decided_at = ConflictStatus.RESOLVED, timezone.now()
        conflict.note = _("Fixed in Bitrix24: the next sync found nothing wrong.")
        conflict.save()
        record(actor, conflict, AuditEvent.Action.STATUS, {"status": ["open", "resolved"]})


@transaction.atomic
def do_decide_conflict(actor, conflict: Conflict, *, status: str, note: str = "") -> Conflict:
    """The head resolves (fixed it in Bitrix24, or by hand here) or ignores a conflict."""
    if status not in (ConflictStatus.RESOLVED, ConflictStatus.IGNORED):
        raise ValueError(status)
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    before = conflict.status
    conflict.status, conflict.note = status, note.strip()
    conflict.decided_by, conflict.decided_at = _person(actor), timezone.now()
    conflict.save()
    record(actor, conflict, AuditEvent.Action.STATUS, {"status": [before, status]}, reason=note)
    return conflict


# ---- deals --------------------------------------------------------------------------------


def handoff_owner() -> User | None:
    """Who owns the drafts from won deals: BITRIX24_HANDOFF_OWNER, else the first sales
    person (the draft waits in their list for the rest of the checklist)."""
    if settings.BITRIX24_HANDOFF_OWNER:
        return User.objects.filter(username=settings.BITRIX24_HANDOFF_OWNER, is_active=True).first()
    return users_with_role(Role.SALES).order_by("pk").first()


def apply_deals(run: SyncRun, drafts: list[DealDraft], *, next_start: int | None) -> None:
    """Draft one page of won deals' hand-offs (once per deal, ever) and move the run's
    checkpoint, in one transaction."""
    owner = handoff_owner() if drafts else None
    with transaction.atomic():
        for draft in drafts:
            run.deals_seen += 1
            if DealLink.objects.filter(deal_id=draft.deal_id).exists():
                continue
            if owner is None:
                add_error(
                    run,
                    _("Deal %(id)s: no salesperson in Soprovod to own its hand-off")
                    % {"id": draft.deal_id},
                )
                continue
            try:
                with transaction.atomic():
                    handoff = do_save_handoff(owner, **draft.values)
                    DealLink.objects.create(deal_id=draft.deal_id, handoff=handoff)
                    run.handoffs_created += 1
            except (IntegrityError, ValidationError, ValueError) as error:
                add_error(
                    run,
                    _("Deal %(id)s «%(title)s»: %(error)s")
                    % {"id": draft.deal_id, "title": draft.title, "error": _message(error)},
                )
        if next_start is None:
            run.deal_start = 0
        else:
            run.deal_start = next_start
        run.save()


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def _message(error: Exception) -> str:
    messages = getattr(error, "messages", None)
    return "; ".join(str(m) for m in messages) if messages else str(error)
