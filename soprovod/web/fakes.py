"""The demo with fakes (issue 13): ``soprovod demo --with-fakes``. The fake Bitrix24 portal
(`bitrix.fake`) and the fake Telegram Bot API with its chat page (`telegram.fake`) run on
127.0.0.1 at free ports, inside the command's process; the app (web server and worker) is
started with its environment pointed at them, for that run only (nothing is written to a
file or to the database's settings). The head presses «Sync now» on /bitrix/ and watches a
real run; a person plays a client contact in the chat page and talks to the real bot.

- `start_fakes`: both fakes, the portal seeded from the demo clients (`seed_portal`), the
  chat page playing the first portal contact, linked by a one-time code when not yet linked.
- `pointed_at`: the environment the app's processes get, and this process's settings.
- `check`: the non-interactive run of CI (``--check``): a sync through «Sync now», then a
  conversation through the chat page, each checked in the database.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.test.utils import override_settings

from soprovod.accounts.queries import users_with_role
from soprovod.accounts.roles import Role
from soprovod.bitrix.fake import FakeBitrix24
from soprovod.bitrix.models import CompanyLink, RunStatus, SyncRun
from soprovod.clients.models import Client, Contact
from soprovod.core.demo import PORTAL_USERNAMES
from soprovod.lib.inn import generate_inn
from soprovod.lib.polling import poll_until
from soprovod.telegram import actions as telegram_actions
from soprovod.telegram.fake import FakeTelegramChat
from soprovod.telegram.models import Draft, PollState, ProcessedUpdate, TelegramChat
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, TicketStatus

BOT_TOKEN = "000000:DEMO-WITH-FAKES"  # noqa: S105 - the fake's own
CHAT_ID = 880_000_900  # the chat page's chat, when the contact has none linked yet
# The portal's companies: a demo client keeps the Bitrix24 ID it is linked to (the demo's
# first sync linked some), the others get 10 000 + their pk, and the companies made up for
# the demo have fixed IDs from 9 001: every start seeds the same portal, so a second sync
# finds the clients and the review list of the first and adds nothing.
FIRST_EXTRA_ID = 9001
UNLINKED_BASE = 10_000
RENAMED_SUFFIX = " (новое название)"
# Each step of the fake portal waits this long, so a run lasts long enough to be watched.
WATCH_DELAY = 0.3
# The embedded worker polls Telegram every TELEGRAM_POLL_TIMEOUT + 2 seconds (beat, see
# settings): a short wait keeps the chat quick.
POLL_TIMEOUT = 2


class WatchablePortal(FakeBitrix24):
    """The fake portal answering each call after ``delay`` seconds."""

    delay: float = 0.0

    def handle(self, path: str, params: dict) -> tuple[int, Any, str]:
        if self.delay:
            time.sleep(self.delay)
        return super().handle(path, params)


def _put_company(portal: FakeBitrix24, company_id: int, title: str, inns: tuple[str, ...]):
    """A company under a chosen ID (``add_company`` takes the next free one)."""
    added = portal.add_company(title, inns=inns)
    portal.companies[company_id] = {**portal.companies.pop(added), "ID": str(company_id)}
    for requisite in portal.requisites:
        if requisite["ENTITY_ID"] == str(added):
            requisite["ENTITY_ID"] = str(company_id)


def seed_portal(portal: FakeBitrix24) -> dict[str, int]:
    """The CRM of the demo: a company for every client that is not churned (two renamed in
    the CRM since), two new companies that become clients, one without requisites, one whose
    INN fails the checksum, two sharing one INN and one with two INNs (four conflicts); a won
    deal of a new company, one of an existing client, one still in progress. Returns what
    it holds (companies, conflicts expected, won deals)."""
    links = dict(CompanyLink.objects.values_list("client_id", "company_id"))
    extra_ids = range(FIRST_EXTRA_ID, FIRST_EXTRA_ID + 100)
    clients = list(Client.objects.exclude(status="churned").order_by("pk"))
    for number, client in enumerate(clients):
        company_id = links.get(client.pk) or UNLINKED_BASE + client.pk
        title = client.name
        if number in (1, 2) and not title.endswith(RENAMED_SUFFIX):
            title += RENAMED_SUFFIX
        _put_company(portal, company_id, title, (client.inn,) if client.inn else ())
    # INNs made up for the demo: the same on every start (a client the first sync made from
    # one holds it by its link to the same company).
    own = set(
        CompanyLink.objects.filter(company_id__in=extra_ids).values_list("client__inn", flat=True)
    )
    taken = set(Client.objects.values_list("inn", flat=True)) - own
    rng = random.Random(13)  # noqa: S311 - demo data

    def fresh_inn() -> str:
        inn = generate_inn(rng, 10)
        while inn in taken:
            inn = generate_inn(rng, 10)
        taken.add(inn)
        return inn

    ids = iter(extra_ids)
    horizon = next(ids)
    _put_company(portal, horizon, "ООО «УК Новый горизонт»", (fresh_inn(),))
    parking = next(ids)
    _put_company(portal, parking, "ООО «Городские парковки»", (fresh_inn(),))
    _put_company(portal, next(ids), "ИП Кузнецов А. В.", ())  # requisites not filled in yet
    _put_company(portal, next(ids), "ООО «Охрана-Профи»", ("7707083894",))  # a wrong digit
    shared = fresh_inn()
    _put_company(portal, next(ids), "ТСЖ «Северный»", (shared,))
    _put_company(portal, next(ids), "ТСЖ «Северный» (дубль)", (shared,))
    _put_company(portal, next(ids), "АО «Две печати»", (fresh_inn(), fresh_inn()))
    deals = [
        (horizon, "Внедрение PASS24: УК Новый горизонт, 4 КПП", True, "720000"),
        (parking, "Пилот: шлагбаумы на двух парковках", False, "90000"),
    ]
    if clients:
        first = links.get(clients[0].pk) or UNLINKED_BASE + clients[0].pk
        deals.append((first, "Расширение: мобильные пропуска для арендаторов", True, "96000"))
    for deal_id, (company_id, title, won, amount) in enumerate(deals, start=FIRST_EXTRA_ID):
        portal.add_deal(company_id, title, won=won, OPPORTUNITY=amount)
        portal.deals[deal_id] = {**portal.deals.pop(max(portal.deals)), "ID": str(deal_id)}
    return {
        "companies": len(portal.companies),
        "conflicts": 4,
        "won_deals": sum(1 for _c, _t, won, _a in deals if won),
    }


@dataclass
class Fakes:
    portal: WatchablePortal
    telegram: FakeTelegramChat
    contact: Contact
    expected: dict[str, int]
    linked_before: bool

    def environment(self) -> dict[str, str]:
        """What the app's processes are told (and nothing else is)."""
        return {
            "BITRIX24_WEBHOOK_URL": self.portal.url,
            "BITRIX24_APP_TOKEN": self.portal.application_token,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_BASE_URL": self.telegram.base_url,
            "TELEGRAM_WEBHOOK_URL": "",
            "TELEGRAM_POLL_TIMEOUT": str(POLL_TIMEOUT),
        }

    def stop(self) -> None:
        self.telegram.stop()
        self.portal.stop()


def demo_contact() -> Contact | None:
    return (
        Contact.objects.select_related("client", "user")
        .filter(user__username=PORTAL_USERNAMES[0])
        .first()
    )


def start_fakes(*, delay: float = WATCH_DELAY) -> Fakes:
    """Both fakes running, the portal seeded; the chat page plays the demo's first portal
    contact, in the chat linked to them, or in a new one that sends a one-time code first
    (the bot links it when the app polls)."""
    contact = demo_contact()
    if contact is None:
        raise LookupError("the demo data is not loaded")
    portal = WatchablePortal()
    expected = seed_portal(portal)
    chat = TelegramChat.objects.filter(contact=contact).order_by("pk").first()
    offset = PollState.objects.filter(name="default").values_list("offset", flat=True).first()
    telegram = FakeTelegramChat(
        BOT_TOKEN,
        chat_id=chat.chat_id if chat else CHAT_ID,
        name=contact.full_name,
        first_update_id=max(offset or 0, 100_001),
    )
    portal.start()
    telegram.start()
    portal.delay = delay
    if chat is not None:
        telegram.note(
            f"Этот чат уже привязан к контакту {contact.full_name} ({contact.client.name})."
        )
    else:
        code, _row = telegram_actions.do_issue_code(contact.user, contact=contact)
        telegram.note(
            f"Код привязки из личного кабинета {contact.full_name} отправлен боту автоматически."
        )
        telegram.say(code)
    return Fakes(portal, telegram, contact, expected, linked_before=chat is not None)


@contextlib.contextmanager
def pointed_at(fakes: Fakes) -> Iterator[dict[str, str]]:
    """The environment for the app's processes (children inherit it) and this process's
    settings, both pointed at the fakes until the block ends; restored after."""
    environment = fakes.environment()
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        with override_settings(**{**environment, "TELEGRAM_POLL_TIMEOUT": POLL_TIMEOUT}):
            yield environment
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def queued_jobs() -> int:
    """Jobs waiting in the embedded mode's file broker (0 with Redis: not counted there)."""
    folder = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get(
        "data_folder_in"
    )
    if settings.REDIS_URL or not folder or not Path(folder).is_dir():
        return 0
    return sum(1 for _entry in Path(folder).iterdir())


def instructions(fakes: Fakes, app_url: str) -> str:
    """What the person at the terminal reads: where to go, as whom, what will happen."""
    contact = fakes.contact
    head = users_with_role(Role.HEAD).order_by("pk").first()
    support = users_with_role(Role.SUPPORT_MANAGER).order_by("pk").first()
    head_login = head.username if head else "head"
    support_login = support.username if support else "support"
    e = fakes.expected
    name, company = contact.full_name, contact.client.name
    chat = fakes.telegram.chat_url
    backlog = queued_jobs()
    waiting = (
        f"""
Сначала воркер выполнит {backlog} заданий, оставленных загрузкой демо-данных (письма,
отчёты): первые минуту-две синхронизация и ответы бота ждут своей очереди.
The worker first runs the {backlog} jobs the demo data left (mail, reports): for a minute
or two the sync and the bot's answers wait their turn.
"""
        if backlog > 20
        else ""
    )
    return f"""
Демо с поддельными Bitrix24 и Telegram (всё на этом компьютере, в интернет ничего не уходит)
  Soprovod ............ {app_url}/   (пароль всех демо-входов: demo)
  Bitrix24 (подделка) . {fakes.portal.url}
  Telegram (подделка) . {fakes.telegram.base_url}
  Чат с ботом ......... {chat}

1. Синхронизация с Bitrix24. Войдите как «{head_login}», откройте {app_url}/bitrix/ и
   нажмите «Синхронизировать сейчас». Страница следит за запуском: {e["companies"]} компаний,
   каждый запрос к порталу {WATCH_DELAY} с. Первый запуск заводит 2 клиента, переименовывает 2,
   кладёт {e["conflicts"]} конфликта на проверку ({app_url}/bitrix/conflicts/) и
   создаёт {e["won_deals"]} черновика передачи из выигранных сделок; следующий уже
   ничего не меняет.
2. Разговор в Telegram. Откройте {chat}: вы пишете боту как
   {name} ({company}). Нажмите «Новое обращение», опишите проблему (первая строка —
   тема), выберите тип кнопкой: обращение появится в очереди {app_url}/tickets/.
   Войдите в другом браузере (или приватном окне) как «{support_login}» и ответьте
   клиенту: ответ придёт в чат. Решите обращение — в чате появятся кнопки оценки.
   Бот забирает сообщения раз в {POLL_TIMEOUT + 2} с, ответы появляются в чате сами.

Demo with a fake Bitrix24 and a fake Telegram (all on this machine, nothing leaves it)
1. Sign in as «{head_login}» (password: demo), open /bitrix/ and press «Синхронизировать сейчас»
   (Sync now): the page follows the run, then the review list holds the conflicts.
2. Open the chat page above: you are {name}. Press «Новое обращение», describe the
   problem, choose its type; the ticket is in the queue. Answer it as «{support_login}»
   in another browser: the reply shows up in the chat; resolve it and rate it there.

{waiting}
Ctrl+C stops everything. The fakes' addresses live as long as this command: nothing is
written to a settings file, and plain `make run` stays without Bitrix24 and Telegram.
"""


# ---- the non-interactive check (CI) ---------------------------------------------------------


class CheckFailed(Exception):
    pass


def wait_for(what: str, condition: Callable[[], Any], seconds: float = 120) -> Any:
    """Ask ``condition`` every half second until it gives something true."""
    value = poll_until(condition, seconds=seconds, every=0.5)
    if not value:
        raise CheckFailed(f"gave up waiting ({seconds:.0f} s) for {what}")
    return value


def _sign_in(client: httpx.Client, app_url: str, username: str) -> None:
    client.get(f"{app_url}/accounts/login/")
    answer = client.post(
        f"{app_url}/accounts/login/",
        data={
            "username": username,
            "password": "demo",
            "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
        },
        headers={"Referer": f"{app_url}/accounts/login/"},
    )
    if "sessionid" not in client.cookies:
        raise CheckFailed(f"could not sign in as {username} (HTTP {answer.status_code})")


def _press_sync(app_url: str, username: str) -> None:
    """What the head does: the sync log page, then «Sync now» (its form, its CSRF token)."""
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        _sign_in(client, app_url, username)
        page = client.get(f"{app_url}/bitrix/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or token is None or "/bitrix/sync/" not in page.text:
            raise CheckFailed(f"/bitrix/ shows no «Sync now» (HTTP {page.status_code})")
        answer = client.post(
            f"{app_url}/bitrix/sync/",
            data={"csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{app_url}/bitrix/"},
        )
        if answer.status_code != 200:
            raise CheckFailed(f"«Sync now» answered HTTP {answer.status_code}")


def _chat(fakes: Fakes, path: str, body: dict) -> None:
    """What the chat page's form and buttons send."""
    answer = httpx.post(f"{fakes.telegram.base_url}{path}", json=body, timeout=10)
    if answer.status_code != 200:
        raise CheckFailed(f"the chat page refused {path}: HTTP {answer.status_code}")


def _buttons(message: dict, prefix: str) -> list:
    """The (label, data) buttons of a bot message whose data starts with ``prefix``."""
    return [b for row in message["buttons"] for b in row if b[1].startswith(prefix)]


def _bot_message(fakes: Fakes, *, after: int, having: Callable[[dict], bool]) -> dict | None:
    for item in fakes.telegram.transcript[after:]:
        if item["who"] == "bot" and having(item):
            return item
    return None


def check(fakes: Fakes, app_url: str, say: Callable[[str], None]) -> None:
    """A sync through «Sync now» and a conversation through the chat page, against the app
    running at ``app_url``; raises CheckFailed at the first thing that did not happen."""
    head = users_with_role(Role.HEAD).order_by("pk").first()
    manager = users_with_role(Role.SUPPORT_MANAGER).order_by("pk").first()
    if head is None or manager is None:
        raise CheckFailed("the demo has no head or no support manager")
    wait_for("the web server", lambda: _answers(f"{app_url}/accounts/login/"))

    # Bitrix24: «Sync now» as the head, the worker runs it against the fake portal.
    before = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _press_sync(app_url, head.username)
    say("bitrix: «Sync now» pressed as " + head.username)
    runs = SyncRun.objects.filter(started_by=head, pk__gt=before)
    run = wait_for(
        "the sync run to finish",
        lambda: runs.exclude(status=RunStatus.RUNNING).order_by("-pk").first(),
    )
    say(
        f"bitrix: run #{run.pk} {run.status}: {run.companies_seen} companies, "
        f"{run.clients_created} created, {run.clients_updated} updated, {run.conflicts} "
        f"conflicts, {run.handoffs_created} hand-offs, {run.error_count} errors"
    )
    if run.status != RunStatus.DONE or run.error_count:
        raise CheckFailed(f"the sync run stopped: {run.errors}")
    if run.companies_seen != fakes.expected["companies"]:
        raise CheckFailed(f"the run read {run.companies_seen} of the portal's companies")
    if run.conflicts != fakes.expected["conflicts"]:
        raise CheckFailed(f"{run.conflicts} conflicts, not {fakes.expected['conflicts']}")

    # Telegram: the contact writes in the chat page; the worker's poll takes it.
    contact = fakes.contact
    chat = wait_for(
        "the chat to be linked",
        lambda: TelegramChat.objects.filter(
            chat_id=fakes.telegram.chat_id, contact=contact
        ).first(),
    )
    say(f"telegram: chat {chat.chat_id} is {contact.full_name}'s ({contact.client.name})")
    shown = len(fakes.telegram.transcript)
    _chat(fakes, "/chat/send", {"text": "/new"})
    _chat(
        fakes,
        "/chat/send",
        {"text": "Не открывается шлагбаум на КПП-1\nС утра не реагирует на пропуска."},
    )
    asked = wait_for(
        "the bot's type buttons",
        lambda: _bot_message(fakes, after=shown, having=lambda m: _buttons(m, "type:")),
    )
    types = _buttons(asked, "type:")
    label, data = next((b for b in types if b[1].endswith(":standard")), types[0])
    _chat(fakes, "/chat/press", {"data": data, "label": label, "message_id": asked["message_id"]})
    draft_id = int(data.split(":")[1])
    ticket = wait_for(
        "the ticket from the chat",
        lambda: Draft.objects.filter(pk=draft_id, ticket__isnull=False).first() or None,
    ).ticket
    if ticket.channel != Channel.TELEGRAM or ticket.contact_id != contact.pk:
        raise CheckFailed(f"ticket #{ticket.pk} is not the contact's Telegram ticket")
    say(f"telegram: «{label}» pressed, ticket #{ticket.pk} «{ticket.subject}» is in the queue")

    # A colleague answers in Soprovod, then resolves; the contact rates in the chat.
    reply = "Проверьте, пожалуйста, питание контроллера шлагбаума и напишите, что видите."
    shown = len(fakes.telegram.transcript)
    ticket_actions.do_add_message(manager, ticket, reply, take=True)
    wait_for(
        "the staff reply in the chat page",
        lambda: _bot_message(fakes, after=shown, having=lambda m: reply in m["text"]),
    )
    say(f"telegram: {manager.get_full_name()}'s reply is in the chat page")
    ticket.refresh_from_db()
    shown = len(fakes.telegram.transcript)
    ticket_actions.do_change_status(manager, ticket, TicketStatus.RESOLVED)
    notice = wait_for(
        "the rating buttons in the chat page",
        lambda: _bot_message(fakes, after=shown, having=lambda m: _buttons(m, "rate:")),
    )
    label, data = _buttons(notice, "rate:")[-1]
    handled = ProcessedUpdate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _chat(fakes, "/chat/press", {"data": data, "label": label, "message_id": notice["message_id"]})
    wait_for(
        "the rating",
        lambda: ProcessedUpdate.objects.filter(
            pk__gt=handled, chat_id=chat.chat_id, outcome="rated"
        ).exists(),
    )
    say(f"telegram: rated {label} of 5 in the chat page")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def app_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"
