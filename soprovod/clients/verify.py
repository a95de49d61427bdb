"""`soprovod verify`, clients: every client's dated status history against its stored facts
(`clients.history.disagreements`), and its MRR against its dated MRR history, each read in
two queries whatever the portfolio's size."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from soprovod.clients import history, revenue
from soprovod.clients.actions import do_repair_mrr, do_repair_status_history
from soprovod.clients.models import Client, ClientStatusChange, MrrChange
from soprovod.core.verify import Difference, Report, Tally

FIX_REASON = "verify --fix"


def check_status_histories(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """Report each client whose history begins elsewhere than its contract start, ends with
    another status or another churn date; with ``fix``, complete the history
    (`actions.do_repair_status_history`) and count it fixed when it then agrees."""
    records: dict[int, list[history.Record]] = defaultdict(list)
    rows = ClientStatusChange.objects.order_by("client_id", "id").values_list(
        "client_id", "status", "effective_on"
    )
    for client_id, status, effective_on in rows.iterator(chunk_size=5000):
        records[client_id].append((status, effective_on))
    tally = Tally()
    clients = Client.objects.order_by("pk").only(
        "pk", "external_id", "contract_start", "status", "churned_at"
    )
    for client in clients.iterator(chunk_size=2000):
        tally.checked += 1
        found = history.disagreements(
            client.contract_start, client.status, client.churned_at, records.get(client.pk, [])
        )
        subject = f"client {client.external_id or client.pk}"
        for field, stored, recomputed in found:
            report(Difference(subject, field, stored, recomputed))
        if found and fix:
            do_repair_status_history(actor, client, reason=FIX_REASON, today=timezone.localdate())
            client.refresh_from_db()
            again = list(client.status_history.order_by("id").values_list("status", "effective_on"))
            if not history.disagreements(
                client.contract_start, client.status, client.churned_at, again
            ):
                tally.fixed += len(found)
    return tally


def check_mrr_histories(report: Report, *, fix: bool = False, actor=None) -> Tally:
    """Report each client whose MRR disagrees with its dated MRR history (kpi.md
    «revenue.grr»: the MRR on a date is the last change on or before it), or that has no
    history; with ``fix``, give it its first value at the contract start, or set its MRR to
    what the history says for today (`actions.do_repair_mrr`)."""
    changes: dict[int, list[revenue.Change]] = defaultdict(list)
    rows = MrrChange.objects.order_by("client_id").values_list(
        "client_id", "effective_on", "mrr_rub"
    )
    for client_id, effective_on, mrr in rows.iterator(chunk_size=5000):
        changes[client_id].append((effective_on, mrr))
    today = timezone.localdate()
    tally = Tally()
    clients = Client.objects.order_by("pk").only("pk", "external_id", "mrr_rub", "contract_start")
    for client in clients.iterator(chunk_size=2000):
        tally.checked += 1
        subject = f"client {client.external_id or client.pk}"
        history_mrr = revenue.mrr_on(changes.get(client.pk, []), today)
        if history_mrr is None:
            report(Difference(subject, "mrr_history", client.mrr_rub, None))
        elif history_mrr != client.mrr_rub:
            report(Difference(subject, "mrr_rub", client.mrr_rub, history_mrr))
        else:
            continue
        if fix and do_repair_mrr(actor, client, reason=FIX_REASON, today=today):
            tally.fixed += 1
    return tally
