"""Demo Bitrix24 sync (issue 13): a local fake portal (127.0.0.1, a free port; no network)
holds companies for most demo clients (one renamed in the CRM), one without requisites, one
whose INN fails the checksum and two that share one INN, and two won deals. (The demo makes
no new client: every demo client has its manager, sites and contacts, which a company from
the CRM would not.) The real sync runs against it twice: the
night's reconciliation stops on a broken answer after the companies, the head's run carries
it on, and a second run finds everything in place. The log shows both runs, the review list three conflicts, the hand-offs two drafts."""

from __future__ import annotations

import datetime as dt

from soprovod.bitrix.client import Portal
from soprovod.bitrix.fake import FakeBitrix24
from soprovod.bitrix.models import Conflict, RunKind, SyncRun
from soprovod.bitrix.sync import run_sync
from soprovod.clients.models import Client
from soprovod.core.demo import DemoContext
from soprovod.lib.inn import generate_inn

COMPANIES = 45


def create_bitrix_sync(ctx: DemoContext) -> None:
    head = ctx.users["head"]
    fake = FakeBitrix24()
    taken = set(Client.objects.values_list("inn", flat=True))
    clients = list(Client.objects.exclude(status="churned").order_by("pk")[:COMPANIES])
    for client in clients:
        fake.add_company(client.name, client.inn)
    if clients:  # renamed in the CRM since: the sync renames the client
        fake.update_company(1, TITLE=f"{clients[0].name} (головной офис)")

    def fresh_inn(length: int = 10) -> str:
        inn = generate_inn(ctx.rng, length)
        while inn in taken:
            inn = generate_inn(ctx.rng, length)
        taken.add(inn)
        return inn

    # No requisites yet (sales fill them in later): not a client, but its won deal still
    # drafts a hand-off under the company's name.
    new = fake.add_company("ООО «УК Парковый квартал»")
    fake.add_company("ООО «Охрана-Профи»", "7707083894")  # the last digit is wrong
    shared = fresh_inn()
    fake.add_company("ТСЖ «Северный»", shared)
    fake.add_company("ТСЖ «Северный» (дубль)", shared)
    fake.add_deal(new, "Внедрение PASS24: УК Парковый квартал, 3 КПП", OPPORTUNITY="540000")
    if clients:
        fake.add_deal(1, "Расширение: второй въезд и мобильные пропуска", OPPORTUNITY="96000")
    fake.add_deal(new, "Пилот", won=False)
    # The night's run meets a broken answer (a proxy's HTML page) when it reaches the deals.
    fake.fail("html", "crm.deal.list")
    with fake:
        portal = Portal(fake.url)
        night = run_sync(kind=RunKind.NIGHTLY, portal=portal, today=ctx.today).run
        run_sync(actor=head, portal=portal, today=ctx.today)  # carries the night's run on
        morning = run_sync(actor=head, portal=portal, today=ctx.today).run
    # Dated the days before today, so a run the user starts in the demo (at any hour) is the
    # newest on the log.
    yesterday = ctx.today - dt.timedelta(days=1)
    night_of = yesterday - dt.timedelta(days=1)
    SyncRun.objects.filter(pk=night.pk).update(
        started_at=ctx.at(night_of, 1, 40), finished_at=ctx.at(yesterday, 9, 5)
    )
    SyncRun.objects.filter(pk=morning.pk).update(
        started_at=ctx.at(yesterday, 9, 30), finished_at=ctx.at(yesterday, 9, 31)
    )
    Conflict.objects.update(
        first_seen_at=ctx.at(night_of, 1, 40), last_seen_at=ctx.at(yesterday, 9, 5)
    )
    night.refresh_from_db()
    ctx.log(
        f"  bitrix: {night.companies_seen} companies, {night.clients_updated} updated, "
        f"{night.conflicts} conflicts, {night.handoffs_created} draft hand-offs"
    )
