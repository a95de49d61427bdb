"""The Bitrix24 sync (issue 13): what a run reads and what it decides.

A run reads companies in pages of 50 by the ``>ID`` cursor (``start=-1``); for each page one
``batch`` reads every company's requisites (``crm.requisite.list``, ``ENTITY_TYPE_ID=4``) and
one more asks which companies share each INN. It decides per company (``plan_company``) and
``actions.apply_companies`` writes the page with the checkpoint. Then the won deals
(``STAGE_SEMANTIC_ID=S``) in pages by ``start``: each not yet drafted becomes a draft hand-off
pre-filled from the deal and its company. Then, if configured, the client ID and health score
are written back to the companies' user fields (only where they differ, so the update event
that follows changes nothing).

The matching rule: by INN first, then by the Bitrix24 ID. What the sync cannot decide safely
(a checksum that fails, two companies with one INN, a company with two INNs, an INN and an ID
that point at different clients) lands in the review list and writes nothing to the client.

A run stopped by an error keeps its checkpoint; the next sync carries it on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.bitrix import actions
from soprovod.bitrix.actions import DealDraft, Outcome
from soprovod.bitrix.client import BitrixError, Portal
from soprovod.bitrix.models import CompanyLink, ConflictKind, DealLink, RunKind, SyncRun
from soprovod.clients.models import Client
from soprovod.health.queries import latest_scores
from soprovod.lib.inn import InnError, validate_inn

COMPANY_FIELDS = ["ID", "TITLE", "DATE_MODIFY", "ASSIGNED_BY_ID"]
DEAL_FIELDS = [
    "ID",
    "TITLE",
    "COMPANY_ID",
    "STAGE_SEMANTIC_ID",
    "OPPORTUNITY",
    "CURRENCY_ID",
    "CLOSEDATE",
    "DATE_MODIFY",
    "COMMENTS",
]
Progress = Callable[[int, int | None], None]


@dataclass
class Report:
    """What a run did, or with ``dry_run`` would do: one line per change, for the console."""

    run: SyncRun
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)
    today: dt.date | None = None  # a new client's contract start (the demo's «today»)
    busy: bool = False  # another sync was running: this one did nothing


def _writeback_fields() -> list[str]:
    return [f for f in (settings.BITRIX24_CLIENT_ID_FIELD, settings.BITRIX24_HEALTH_FIELD) if f]


def _since_filter(since: dt.datetime | None) -> dict:
    return {">=DATE_MODIFY": since.isoformat()} if since else {}


# ---- the run ------------------------------------------------------------------------------


def run_sync(
    *,
    actor=None,
    since: dt.datetime | None = None,
    dry_run: bool = False,
    kind: str = RunKind.MANUAL,
    portal: Portal | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> Report:
    """A full sync (or of what changed ``since``). Carries on an unfinished run instead of
    starting over; ``dry_run`` reads everything, writes nothing and says what it would do.
    One at a time: while another runs, this one does nothing and says so (``busy``)."""
    portal = portal or Portal.from_settings()
    if dry_run:
        report = Report(SyncRun(kind=kind, since=since), dry_run=True, today=today)
        _run(portal, report, actor, progress)
        return report
    with actions.run_lock() as free:
        if not free:
            report = Report(SyncRun(kind=kind, since=since), busy=True)
            report.lines.append(_("Another Bitrix24 sync is running now: this one did nothing."))
            return report
        unfinished = actions.resumable_run()
        if unfinished is not None:
            run = actions.do_resume_run(actor, unfinished)
            report = Report(run)
            report.lines.append(
                _("Carrying on run #%(id)s from company ID %(cursor)s.")
                % {"id": run.pk, "cursor": run.company_cursor}
            )
        else:
            report = Report(actions.do_start_run(actor, kind=kind, since=since))
        report.today = today
        _run(portal, report, actor, progress)
    return report


def _run(portal: Portal, report: Report, actor, progress: Progress | None) -> None:
    run = report.run
    try:
        if not run.companies_done:
            _companies(portal, report, actor, progress)
        _deals(portal, report)
    except BitrixError as error:
        if report.dry_run:
            actions.add_error(run, str(error))
            return
        actions.do_finish_run(actor, run, error=str(error))
        return
    except BaseException as error:  # a bug or the database: still close the run, then raise
        if not report.dry_run and run.pk:
            actions.do_finish_run(actor, run, error=f"{type(error).__name__}: {error}")
        raise
    if not report.dry_run:
        actions.do_finish_run(actor, run)


def _companies(portal: Portal, report: Report, actor, progress: Progress | None) -> None:
    run = report.run
    condition = _since_filter(run.since)
    total = portal.count("crm.company.list", filter=condition) if progress else None
    done = 0
    select = [*COMPANY_FIELDS, *_writeback_fields()]
    while True:
        rows = portal.list_after(
            "crm.company.list", after_id=run.company_cursor, filter=condition, select=select
        )
        if not rows:
            break
        outcomes = plan_companies(portal, rows)
        cursor = max(int(row["ID"]) for row in rows)
        if report.dry_run:
            _describe_companies(report, outcomes)
            run.company_cursor = cursor
        else:
            actions.apply_companies(actor, run, outcomes, cursor=cursor, today=report.today)
            _write_back(portal, report, rows, outcomes)
        done += len(rows)
        if progress:
            progress(done, total)
    run.companies_done = True
    if not report.dry_run:
        run.save(update_fields=["companies_done"])


def sync_company(company_id: int, *, actor=None, subject: str = "") -> SyncRun:
    """An event's trigger: read that one company now and sync it (no deals)."""
    portal = Portal.from_settings()
    run = actions.do_start_run(actor, kind=RunKind.EVENT, since=None, subject=subject)
    report = Report(run)
    try:
        company = portal.get("crm.company.get", company_id)
        company.setdefault("ID", str(company_id))
        outcomes = plan_companies(portal, [company])
        actions.apply_companies(actor, run, outcomes, cursor=0)
        _write_back(portal, report, [company], outcomes)
    except BitrixError as error:
        return actions.do_finish_run(actor, run, error=str(error))
    run.companies_done = True
    return actions.do_finish_run(actor, run)


def sync_deal(deal_id: int, *, actor=None, subject: str = "") -> SyncRun | None:
    """An event's trigger: read that one deal; a won one drafts its hand-off (once)."""
    if DealLink.objects.filter(deal_id=deal_id).exists():
        return None
    portal = Portal.from_settings()
    try:
        deal = portal.get("crm.deal.get", deal_id)
        if deal.get("STAGE_SEMANTIC_ID") != "S":
            return None  # a trigger that triggers nothing: not worth a line in the log
        drafts = plan_deals(portal, [deal])
    except BitrixError as error:
        run = actions.do_start_run(actor, kind=RunKind.EVENT, since=None, subject=subject)
        return actions.do_finish_run(actor, run, error=str(error))
    run = actions.do_start_run(actor, kind=RunKind.EVENT, since=None, subject=subject)
    run.companies_done = True
    actions.apply_deals(run, drafts, next_start=None)
    return actions.do_finish_run(actor, run)


# ---- deciding about companies ---------------------------------------------------------------


def _inns_of(requisites: list) -> list[str]:
    """A company's distinct INNs as written (spaces dropped), in requisite order."""
    seen: dict[str, None] = {}
    for row in requisites or []:
        if not isinstance(row, dict):
            raise BitrixError("crm.requisite.list: the answer is not a list of records")
        value = "".join(str(row.get("RQ_INN") or "").split())
        if value:
            seen[value] = None
    return list(seen)


def plan_companies(portal: Portal, rows: list[dict]) -> list[Outcome]:
    """Decide about one page of companies: two batches (requisites; who shares each INN),
    then the database, read in a fixed number of queries."""
    ids = [int(row["ID"]) for row in rows]
    requisites = portal.batch(
        {
            f"r{company_id}": (
                "crm.requisite.list",
                {
                    "filter": {"ENTITY_TYPE_ID": 4, "ENTITY_ID": company_id},
                    "select": ["ID", "ENTITY_ID", "RQ_INN"],
                },
            )
            for company_id in ids
        }
    )
    inns = {company_id: _inns_of(requisites[f"r{company_id}"]) for company_id in ids}
    valid = sorted({i[0] for i in inns.values() if len(i) == 1 and _valid(i[0])})
    holders: dict[str, set[int]] = defaultdict(set)
    if valid:
        shared = portal.batch(
            {
                f"i{inn}": (
                    "crm.requisite.list",
                    {"filter": {"ENTITY_TYPE_ID": 4, "RQ_INN": inn}, "select": ["ENTITY_ID"]},
                )
                for inn in valid
            }
        )
        for inn in valid:
            for row in shared[f"i{inn}"] or []:
                holders[inn].add(int(row["ENTITY_ID"]))
    links = {
        link.company_id: link
        for link in CompanyLink.objects.filter(company_id__in=ids).select_related("client")
    }
    clients_by_inn: dict[str, list[Client]] = defaultdict(list)
    for client in Client.objects.filter(inn__in=valid).select_related("bitrix_link"):
        clients_by_inn[client.inn].append(client)
    return [plan_company(row, inns[int(row["ID"])], holders, links, clients_by_inn) for row in rows]


def _valid(inn: str) -> bool:
    try:
        validate_inn(inn)
    except InnError:
        return False
    return True


def plan_company(row, inns, holders, links, clients_by_inn) -> Outcome:
    company_id = int(row["ID"])
    title = (row.get("TITLE") or "").strip() or f"Bitrix24 #{company_id}"
    outcome = Outcome("skip", company_id, title)
    if not inns:
        return outcome
    if len(inns) > 1:
        return _conflict(outcome, ConflictKind.SEVERAL_INNS, ", ".join(inns))
    inn = outcome.inn = inns[0]
    if not _valid(inn):
        return _conflict(outcome, ConflictKind.BAD_INN, inn)
    others = sorted(holders.get(inn, set()) - {company_id})
    if others:
        return _conflict(outcome, ConflictKind.DUPLICATE_INN, inn, others=others)
    link = links.get(company_id)
    by_inn = clients_by_inn.get(inn, [])
    if len(by_inn) > 1:
        return _conflict(outcome, ConflictKind.CLIENT_MISMATCH, inn, clients=by_inn)
    if by_inn:
        client = by_inn[0]
        if link is not None and link.client_id != client.pk:
            return _conflict(
                outcome, ConflictKind.CLIENT_MISMATCH, inn, clients=[client, link.client]
            )
        held_by = getattr(client, "bitrix_link", None)
        if held_by is not None and held_by.company_id != company_id:
            return _conflict(outcome, ConflictKind.DUPLICATE_INN, inn, others=[held_by.company_id])
        changes = {"name": title} if client.name != title else {}
    elif link is not None:
        client = link.client
        changes = {k: v for k, v in (("name", title), ("inn", inn)) if getattr(client, k) != v}
    else:
        outcome.action = "create"
        return outcome
    outcome.client, outcome.changes = client, changes
    outcome.action = "update" if changes else "unchanged"
    return outcome


def _conflict(outcome: Outcome, kind: str, inn: str, *, others=(), clients=()) -> Outcome:
    outcome.action, outcome.conflict, outcome.inn = "conflict", kind, inn
    outcome.others, outcome.clients = list(others), list(clients)
    return outcome


def _describe_companies(report: Report, outcomes: list[Outcome]) -> None:
    run = report.run
    for o in outcomes:
        run.companies_seen += 1
        words = {"id": o.company_id, "title": o.title, "inn": o.inn}
        if o.action == "create":
            run.clients_created += 1
            report.lines.append(_("+ new client «%(title)s», INN %(inn)s (company %(id)s)") % words)
        elif o.action == "update":
            run.clients_updated += 1
            changed = ", ".join(f"{k}: {getattr(o.client, k)} → {v}" for k, v in o.changes.items())
            report.lines.append(
                _("~ client «%(client)s» changes (company %(id)s): %(changes)s")
                % {**words, "client": o.client, "changes": changed}
            )
        elif o.action == "conflict":
            run.conflicts += 1
            report.lines.append(
                _("! to the review list: company %(id)s «%(title)s», INN %(inn)s: %(problem)s")
                % {**words, "problem": ConflictKind(o.conflict).label}
            )
        elif o.action == "skip":
            run.skipped += 1


# ---- writing back ---------------------------------------------------------------------------


def _write_back(portal: Portal, report: Report, rows: list[dict], outcomes: list[Outcome]):
    """The client ID and the health score into the configured company user fields, where
    they differ from what the company holds. A failure here is an error of the run, not a
    stop: the clients are already written."""
    id_field, health_field = settings.BITRIX24_CLIENT_ID_FIELD, settings.BITRIX24_HEALTH_FIELD
    if not (id_field or health_field):
        return
    clients = {o.company_id: o.client for o in outcomes if o.client is not None and o.client.pk}
    scores = dict(
        latest_scores()
        .filter(client_id__in=[c.pk for c in clients.values()])
        .values_list("client_id", "score")
    )
    updates = {}
    for row in rows:
        client = clients.get(int(row["ID"]))
        if client is None:
            continue
        wanted = {}
        if id_field:
            wanted[id_field] = str(client.pk)
        if health_field:
            score = scores.get(client.pk)
            wanted[health_field] = "" if score is None else str(score)
        if any(str(row.get(k) or "") != v for k, v in wanted.items()):
            updates[int(row["ID"])] = wanted
    if not updates:
        return
    try:
        portal.update_companies(updates)
    except BitrixError as error:
        actions.add_error(report.run, _("Writing back to Bitrix24: %(error)s") % {"error": error})
    else:
        report.run.written_back += len(updates)
    report.run.save(update_fields=["written_back", "errors", "error_count"])


# ---- deals ----------------------------------------------------------------------------------


def _deals(portal: Portal, report: Report) -> None:
    run = report.run
    condition = {"STAGE_SEMANTIC_ID": "S", **_since_filter(run.since)}
    while True:
        page = portal.list_page(
            "crm.deal.list", start=run.deal_start, filter=condition, select=DEAL_FIELDS
        )
        drafts = plan_deals(portal, page.items)
        if report.dry_run:
            run.deals_seen += len(page.items)
            for draft in drafts:
                if not DealLink.objects.filter(deal_id=draft.deal_id).exists():
                    run.handoffs_created += 1
                    report.lines.append(
                        _("+ new draft hand-off from won deal %(id)s «%(title)s»")
                        % {"id": draft.deal_id, "title": draft.title}
                    )
            run.deal_start = page.next or 0
        else:
            actions.apply_deals(run, drafts, next_start=page.next)
        if page.next is None:
            break


def plan_deals(portal: Portal, deals: list[dict]) -> list[DealDraft]:
    """The hand-off drafts of the won deals not yet drafted, each pre-filled from the deal
    and its company (the client, when the company is one; else its name and INN)."""
    done = set(
        DealLink.objects.filter(deal_id__in=[int(d["ID"]) for d in deals]).values_list(
            "deal_id", flat=True
        )
    )
    fresh = [d for d in deals if int(d["ID"]) not in done and d.get("STAGE_SEMANTIC_ID") == "S"]
    company_ids = {int(d["COMPANY_ID"]) for d in fresh if str(d.get("COMPANY_ID") or "0") != "0"}
    links = {
        link.company_id: link
        for link in CompanyLink.objects.filter(company_id__in=company_ids).select_related("client")
    }
    unknown = sorted(company_ids - set(links))
    companies: dict[int, dict] = {}
    inns: dict[int, list[str]] = {}
    if unknown:
        commands = {}
        for company_id in unknown:
            commands[f"c{company_id}"] = ("crm.company.get", {"id": company_id})
            commands[f"r{company_id}"] = (
                "crm.requisite.list",
                {"filter": {"ENTITY_TYPE_ID": 4, "ENTITY_ID": company_id}, "select": ["RQ_INN"]},
            )
        answers = portal.batch(commands)
        for company_id in unknown:
            company = answers[f"c{company_id}"]
            companies[company_id] = company if isinstance(company, dict) else {}
            inns[company_id] = _inns_of(answers[f"r{company_id}"])
    return [_draft(deal, links, companies, inns) for deal in fresh]


def _draft(deal: dict, links, companies, inns) -> DealDraft:
    deal_id = int(deal["ID"])
    company_id = int(deal.get("COMPANY_ID") or 0)
    title = (deal.get("TITLE") or "").strip() or f"#{deal_id}"
    values: dict = {}
    if company_id in links:
        values["client"] = links[company_id].client
    else:
        company = companies.get(company_id, {})
        values["client_name"] = ((company.get("TITLE") or "").strip() or title)[:300]
        valid = [inn for inn in inns.get(company_id, []) if _valid(inn)]
        values["inn"] = valid[0] if len(valid) == 1 else ""
    closed = _date(deal.get("CLOSEDATE"))
    if closed:
        values["contract_date"] = closed
    amount = _amount(deal.get("OPPORTUNITY"))
    terms = _("Won deal %(id)s in Bitrix24: «%(title)s».") % {"id": deal_id, "title": title}
    if amount:
        terms += " " + _("Deal amount: %(amount)s %(currency)s.") % {
            "amount": f"{amount:,.2f}".replace(",", " "),
            "currency": deal.get("CURRENCY_ID") or "RUB",
        }
    comments = (deal.get("COMMENTS") or "").strip()
    values["special_terms"] = f"{terms}\n{comments}".strip()
    return DealDraft(deal_id, title, values)


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.date()


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount > 0 else None


def reconcile_since() -> dt.datetime | None:
    """The nightly reconciliation reads what changed since a day before the last finished
    run began (events may arrive late or never); everything when no run finished yet."""
    last = (
        SyncRun.objects.exclude(kind=RunKind.EVENT)
        .filter(status="done")
        .order_by("-started_at")
        .values_list("started_at", "since")
        .first()
    )
    if last is None:
        return None
    return last[0] - dt.timedelta(days=1)
