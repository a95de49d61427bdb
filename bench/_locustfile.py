"""The mixed workload of ``bench/load.py``, for locust (``locust -f bench/_locustfile.py
--headless``). Not a bench itself: ``bench/load.py`` loads the database, starts the servers and
runs this file; ``make bench`` skips files starting with ``_``.

Who (fixed numbers of users, each signed in with a session ``load.py`` created for it):

Think times: an agent 5–15 s between pages, a manager 10–30 s, a contact 20–60 s (times
``--pace``).

- 20 agents: the queue's tabs, ticket pages, public replies and internal notes, assigning a
  ticket to someone;
- 5 managers: the KPI dashboard, the client list and client pages;
- 50 portal contacts: their portal home, filing a ticket, reading their tickets;
- one probe: the trivial view every second, so every page is compared with it under the
  same load.

The trivial view is ``GET /favicon.ico`` signed in as an agent: Django's whole middleware stack
(session, user and roles, second-factor check, CSRF, axes) and a view that answers 204 with
no database work of its own: what every page costs before it does anything.

Every request goes as nginx forwards it (``X-Forwarded-Proto: https``, see deploy/nginx), so
the production settings (DEBUG off, secure cookies, HTTPS redirect) apply unchanged. Forms are
posted with a CSRF secret this user set as its cookie and sends in the ``X-CSRFToken``
header, and the ``Referer`` a browser sends. POSTs are timed alone (redirects not followed).

Every response time (ms, float, not locust's rounded ones) is written, with the page's name,
why it failed (if it did) and when it ended, to the JSON file ``LOAD_SAMPLES`` when locust quits.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import string
import time

from locust import HttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115, PTH123
SAMPLES: list[tuple[str, float, str, float]] = []
VERSION = re.compile(r'name="version" value="(\d+)"')
QUEUE_TABS = ["mine", "unassigned", "open", "breached", "soon", "waiting"]
# Think time between one page and the next, in seconds, times ``pace`` (``load.py --pace``).
PACE = float(PLAN.get("pace", 1.0))


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    # (page, ms, why it failed or "", when it ended): load.py drops the warm-up's samples.
    SAMPLES.append((name, float(response_time), str(exception or "")[:300], time.time()))


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["LOAD_SAMPLES"], "w", encoding="utf-8") as out:  # noqa: PTH123
        json.dump(SAMPLES, out)


def _people(kind: str):
    """Hand out the sessions of one kind in turn, one per user."""
    pool = list(PLAN["sessions"][kind])
    while True:
        yield from pool


_NEXT = {kind: _people(kind) for kind in PLAN["sessions"]}


class SignedIn(HttpUser):
    abstract = True
    kind = ""

    def on_start(self) -> None:
        session = next(_NEXT[self.kind])
        self.user_id = session["user_id"]
        self.client.cookies.set(PLAN["session_cookie"], session["key"])
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.client.cookies.set(PLAN["csrf_cookie"], self.csrf)
        self.client.headers["X-Forwarded-Proto"] = "https"

    def get(self, url: str, name: str, expect: tuple[int, ...] = (200,)) -> str:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{url}: {response.status_code}")
                return ""
            return response.text

    def post(self, url: str, name: str, data: dict) -> None:
        headers = {"X-CSRFToken": self.csrf, "Referer": f"https://{PLAN['host']}{url}"}
        with self.client.post(
            url, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            # Success redirects to the ticket; a form shown again means it was refused.
            if response.status_code != 302:
                response.failure(f"POST {url}: {response.status_code}")


class Agent(SignedIn):
    fixed_count = 20
    kind = "agent"
    wait_time = between(5 * PACE, 15 * PACE)

    def ticket_number(self) -> int:
        # Mostly the live backlog, now and then an old ticket (a client quotes its number).
        if random.random() < 0.85:
            return random.choice(PLAN["live_tickets"])
        return random.randint(1, PLAN["max_ticket"])

    @task(6)
    def queue(self) -> None:
        tab = random.choice(QUEUE_TABS)
        self.get(f"/tickets/?view={tab}", "queue")

    @task(6)
    def ticket(self) -> None:
        self.get(f"/tickets/{self.ticket_number()}/", "ticket")

    @task(2)
    def reply(self) -> None:
        number = random.choice(PLAN["live_tickets"])
        page = self.get(f"/tickets/{number}/", "ticket")
        found = VERSION.search(page)
        if not found:
            return
        kind = "internal" if random.random() < 0.3 else "public"
        self.post(
            f"/tickets/{number}/reply/",
            "reply",
            {
                "body": "Проверили настройки считывателя, перезапустили контроллер. "
                "Проверьте, пожалуйста, проходит ли пропуск сейчас.",
                "kind": kind,
                "version": found.group(1),
            },
        )

    @task(1)
    def assign(self) -> None:
        number = random.choice(PLAN["live_tickets"])
        page = self.get(f"/tickets/{number}/", "ticket")
        found = VERSION.search(page)
        if not found:
            return
        self.post(
            f"/tickets/{number}/update/",
            "assign",
            {
                "assignee": random.choice(PLAN["agents"]),
                "type": random.choice(["standard", "consultation"]),
                "category": random.choice(PLAN["categories"]),
                "version": found.group(1),
            },
        )


class Manager(SignedIn):
    fixed_count = 5
    kind = "manager"
    wait_time = between(10 * PACE, 30 * PACE)

    @task(3)
    def dashboard(self) -> None:
        self.get("/kpi/", "kpi")

    @task(1)
    def clients(self) -> None:
        self.get("/clients/", "clients")

    @task(4)
    def client(self) -> None:
        self.get(f"/clients/{random.choice(PLAN['clients'])}/", "client")


class Contact(SignedIn):
    fixed_count = 50
    kind = "contact"
    wait_time = between(20 * PACE, 60 * PACE)

    def on_start(self) -> None:
        super().on_start()
        self.mine: list[int] = []

    @task(4)
    def home(self) -> None:
        page = self.get("/portal/", "portal.home")
        self.mine = [int(n) for n in re.findall(r'href="/portal/tickets/(\d+)/"', page)][:20]

    @task(4)
    def read(self) -> None:
        if not self.mine:
            self.home()
        if self.mine:
            self.get(f"/portal/tickets/{random.choice(self.mine)}/", "portal.ticket")

    @task(1)
    def file(self) -> None:
        self.get("/portal/new/", "portal.new")
        self.post(
            "/portal/new/",
            "portal.file",
            {
                "type": random.choice(["standard", "standard", "consultation", "emergency"]),
                "category": random.choice(PLAN["categories"]),
                "subject": f"Не открывается шлагбаум на въезде {random.randint(1, 9)}",
                "body": "С утра шлагбаум не реагирует на пропуска сотрудников, "
                "гостевые пропуска тоже не проходят. Контроллер перезагружали.",
            },
        )


class Probe(SignedIn):
    fixed_count = 1
    kind = "probe"
    wait_time = constant(1)

    @task
    def trivial(self) -> None:
        self.get("/favicon.ico", "trivial", expect=(204,))
