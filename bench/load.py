"""Load test: a mixed workload against gunicorn and PostgreSQL with 1,000,000 tickets.

    python bench/load.py [--tickets 1000000] [--duration 180] [--workers 5] [--keep] [--reuse]

(``make load``; not run by ``make bench`` nor by the test suite.)

1. Creates its own database (``soprovod_load`` on postgres://postgres@127.0.0.1:5432, or the
   one ``BENCH_DATABASE_URL`` names), dropped and recreated on each run, and migrates it.
2. Loads the tickets with the KPI bench's generator (``bench/kpi.py``: 400 clients with their
   history, staff, five years of tickets and their SLA clocks, in COPY and INSERT ... SELECT),
   and adds what a working desk has besides: three contacts per client, 50 of them with a
   portal login; the conversation of every ticket (the client's message, the first answer,
   the resolving one); a live backlog (the newest 0.5 % of tickets, at least 300, filed over
   the last three days, new, in progress or waiting for the client, with running clocks).
   The closed months' KPI facts are stored as the hourly job does.
3. Starts what production runs (the environment as deploy/ sets it: DEBUG off, Redis db
   ``LOAD_REDIS_URL``, default redis://127.0.0.1:6379/7): gunicorn with ``--workers``
   (soprovod/gunicorn.py), the Celery worker with its embedded beat (the command ``soprovod
   serve`` starts: the SLA checker every minute, the mail poller every minute) and a Dovecot
   IMAP mailbox that gets a client's mail every few seconds (skipped, and said so, without
   the dovecot binary).
4. Runs ``bench/_locustfile.py`` headless for ``--duration`` seconds: 20 agents (queue tabs,
   ticket pages, replies, assignments), 5 managers (the KPI dashboard, client pages),
   50 portal contacts (filing and reading tickets), and a probe of the trivial view
   (``GET /favicon.ico`` signed in: the whole middleware stack, no view work).

Prints the table of p50/p95/p99 per page (stderr), then one line per page, its p95 as a
multiple of the trivial view's p95 in the same run, and the error count (stdout):

    load.queue.p95: 3.1x
    load.errors: 0

Goal (issue 14): 0 errors (failed requests, and errors the servers logged), every p95 within
5x: stated as met or MISSED. Exit 0 unless the run itself fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep bench/ off the import path (see bench/kpi.py); the repository root on it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from email.message import EmailMessage  # noqa: E402

from bench._common import (  # noqa: E402
    bench_url,
    log,
    recreate,
    report_failure,
    setup_django,
    tear_down,
)

BENCH = "load bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/soprovod_load"
TICKETS = int(os.environ.get("BENCH_LOAD_TICKETS", "1000000"))
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7")
DURATION = 180
WARMUP = 30
LOGS = Path(tempfile.gettempdir()) / "soprovod-load-logs"
GOAL = 5.0
USERS = 20 + 5 + 50 + 1  # agents, managers, portal contacts, the probe (bench/_locustfile.py)
PORTAL_LOGINS = 50
MAIL_EVERY_SECONDS = 5.0
SECRET_KEY = "load-bench-only-not-secret"  # noqa: S105 - a throwaway instance
# The order of the table; anything else the workload names is added after.
PAGES = [
    "trivial",
    "queue",
    "ticket",
    "reply",
    "assign",
    "kpi",
    "clients",
    "client",
    "portal.home",
    "portal.ticket",
    "portal.new",
    "portal.file",
]


# ---- the data on top of the KPI generator ------------------------------------------------

CONTACTS_SQL = """
INSERT INTO clients_contact (client_id, full_name, email, phone, position, is_primary)
SELECT c.id,
       (ARRAY['Ирина Соколова', 'Павел Андреев', 'Ольга Морозова'])[k] || ' (' || c.name || ')',
       CASE WHEN k = 1 THEN 'contact' || c.id || '@client.example'
            ELSE 'contact' || c.id || '-' || k || '@client.example' END,
       '', (ARRAY['Администратор СКУД', 'Начальник охраны', 'Офис-менеджер'])[k], k = 1
FROM clients_client AS c CROSS JOIN generate_series(1, 3) AS k
"""

# The newest tickets become the live backlog: filed over the last three days in number
# order, new (unassigned), in progress or waiting for the client.
LIVE_TICKETS_SQL = """
UPDATE tickets_ticket AS t SET
    created_at = l.created,
    status = l.status,
    assignee_id = CASE WHEN l.status = 'new' THEN NULL
                       ELSE coalesce(t.assignee_id,
                                     (%(staff)s::bigint[])[1 + t.id %% cardinality(%(staff)s::bigint[])])
                  END,
    first_response_at = CASE WHEN l.status <> 'new'
                             THEN least(l.created + interval '20 minutes', now()) END,
    resolved_at = NULL, closed_at = NULL, csat_score = NULL, csat_at = NULL, csat_comment = '',
    reopened_count = 0, updated_at = now()
FROM (
    SELECT id,
           now() - row_number() OVER (ORDER BY id DESC) * (interval '72 hours' / %(n)s) AS created,
           (ARRAY['new', 'open', 'open', 'waiting_client'])[1 + id %% 4] AS status
    FROM tickets_ticket ORDER BY id DESC LIMIT %(n)s
) AS l
WHERE t.id = l.id
"""

# Their clocks run again: first response met for those answered, resolution running (paused
# while waiting for the client, keeping the due time it had), due by the target (business
# targets stretched by nights).
LIVE_CLOCKS_SQL = """
UPDATE sla_slaclock AS c SET
    started_at = x.started, due_at = x.due, stopped_at = x.stopped, paused_since = x.paused,
    paused_seconds = 0, late_paused_seconds = 0, frozen = false,
    elapsed_seconds = CASE WHEN x.stopped IS NOT NULL THEN 1200 END,
    ceiling_at = CASE WHEN c.ceiling_at IS NOT NULL THEN x.started + interval '5 days' END,
    status = CASE WHEN x.stopped IS NOT NULL THEN 'met'
                  WHEN x.due < now() THEN 'breached' ELSE 'pending' END
FROM (
    SELECT c2.id, t.created_at AS started,
           CASE WHEN c2.metric = 'first_response' AND t.status <> 'new'
                THEN t.first_response_at END AS stopped,
           CASE WHEN c2.metric = 'resolution' AND t.status = 'waiting_client'
                THEN t.first_response_at END AS paused,
           CASE WHEN c2.calendar_id IS NULL OR c2.calendar_id = %(always)s
                THEN t.created_at + c2.target_seconds * interval '1 second'
                ELSE t.created_at + c2.target_seconds * 2.5 * interval '1 second' END AS due
    FROM sla_slaclock AS c2 JOIN tickets_ticket AS t ON t.id = c2.ticket_id
    WHERE t.id > %(first_live)s
) AS x
WHERE c.id = x.id
"""

# Every ticket's conversation: the client's message, the first answer, the resolving answer.
MESSAGES_SQL = """
INSERT INTO tickets_ticketmessage (
    ticket_id, author_id, author_email, from_staff, kind, source, is_automatic, body,
    created_at)
SELECT t.id,
       CASE WHEN m.k > 1 THEN t.assignee_id END,
       CASE WHEN m.k = 1 THEN t.requester_email ELSE '' END,
       m.k > 1, 'public',
       CASE WHEN m.k > 1 THEN 'web' WHEN t.channel IN ('email', 'portal', 'phone') THEN t.channel
            ELSE 'web' END,
       false,
       (ARRAY[
         'Добрый день! ' || t.subject || '. Сотрудники не могут пройти, гостевые пропуска тоже '
         || 'не работают. Контроллер перезагружали, не помогло.',
         'Здравствуйте! Видим проблему, проверяем журнал контроллера и настройки считывателя. '
         || 'Вернёмся с ответом в течение часа.',
         'Причина найдена: после обновления прошивки сбросился список пропусков. Восстановили '
         || 'его, проход работает. Если повторится, напишите в это обращение.'])[m.k],
       m.at
FROM tickets_ticket AS t
CROSS JOIN LATERAL (VALUES (1, t.created_at), (2, t.first_response_at), (3, t.resolved_at))
     AS m(k, at)
WHERE m.at IS NOT NULL
"""


def add_desk(tickets: int, phases, rng: random.Random) -> dict:
    """Contacts, portal logins, conversations and the live backlog on top of the KPI data.
    Returns what the workload needs to know (ids, numbers)."""
    from django.db import connection

    from bench.kpi import secondary_indexes
    from soprovod.accounts.models import User, UserRole
    from soprovod.clients.models import Client, Contact
    from soprovod.sla.models import WorkCalendar
    from soprovod.tickets.models import Category

    staff = list(UserRole.objects.filter(role="support_manager").values_list("user_id", flat=True))
    always = WorkCalendar.objects.filter(is_24x7=True).first()
    live = max(300, tickets // 200)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(CONTACTS_SQL)
        cursor.execute("SELECT max(id) FROM tickets_ticket")
        max_id = cursor.fetchone()[0]
        cursor.execute(LIVE_TICKETS_SQL, {"n": live, "staff": staff})
        cursor.execute(
            LIVE_CLOCKS_SQL, {"first_live": max_id - live, "always": always.pk if always else 0}
        )
        phases.done(f"contacts, the live backlog ({live:,} open tickets)")
        dropped = secondary_indexes(cursor, "tickets_ticketmessage")
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(MESSAGES_SQL)
        cursor.execute("SELECT count(*) FROM tickets_ticketmessage")
        messages = cursor.fetchone()[0]
        for _name, definition in dropped:
            cursor.execute(definition)
        cursor.execute("RESET ALL")
        phases.done(f"{messages:,} messages")

    # Portal logins for contacts of 50 clients still with us, and the managers: the head
    # and the CEO (the KPI dashboard is theirs).
    current = list(
        Client.objects.exclude(status="churned").order_by("id").values_list("id", flat=True)
    )
    portal = []
    for client_id in rng.sample(current, min(PORTAL_LOGINS, len(current))):
        contact = Contact.objects.filter(client_id=client_id, is_primary=True).first()
        user = User.objects.create(username=contact.email, email=contact.email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        UserRole.objects.create(user=user, role="client_contact")
        contact.user = user
        contact.save(update_fields=["user"])
        portal.append(user.pk)
    ceo = User.objects.create(username="load-ceo", first_name="CEO")
    UserRole.objects.create(user=ceo, role="ceo")
    head = User.objects.get(username="bench-head")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    phases.done("portal logins, VACUUM ANALYZE")
    return {
        "max_ticket": max_id,
        "live_tickets": list(range(max_id - live + 1, max_id + 1)),
        "agents": staff,
        "managers": [head.pk, ceo.pk],
        "portal": portal,
        "clients": current,
        "categories": list(Category.objects.values_list("id", flat=True)),
    }


def sessions(desk: dict) -> dict:
    """A signed-in session per simulated person (as a browser holds one after the login
    form), in the session store the servers read."""
    import logging

    from django.conf import settings
    from django.test import Client

    from soprovod.accounts.models import User

    def session_of(user_id: int) -> dict:
        browser = Client()
        browser.force_login(User.objects.get(pk=user_id))
        return {"user_id": user_id, "key": browser.cookies[settings.SESSION_COOKIE_NAME].value}

    logging.getLogger("axes").setLevel(logging.WARNING)  # no "successful login" lines
    agents = desk["agents"]
    return {
        "agent": [session_of(agents[i % len(agents)]) for i in range(20)],
        "manager": [session_of(desk["managers"][i % 2]) for i in range(5)],
        "contact": [session_of(pk) for pk in desk["portal"]],
        "probe": [session_of(agents[0])],
    }


# ---- the servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port} in {seconds:.0f} s")


class Dovecot:
    """A throwaway IMAP mailbox on loopback for the mail poller (the same set-up as the mail
    tests' fixture, soprovod/tickets/tests/conftest.py)."""

    USER = "support@load.example"
    PASSWORD = "load-secret"  # noqa: S105 - a throwaway mailbox on loopback

    def __init__(self) -> None:
        import pwd

        self.binary = shutil.which("dovecot") or (
            "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None
        )
        if self.binary is None:
            return
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-load-"))
        self.root.chmod(0o711)
        for sub in ("mail", "run", "state"):
            (self.root / sub).mkdir()
        owner = pwd.getpwnam("dovecot")
        os.chown(self.root / "mail", owner.pw_uid, owner.pw_gid)
        self.port = free_port()
        (self.root / "passwd").write_text(
            f"{self.USER}:{{PLAIN}}{self.PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::"
            f"{self.root}/mail/support\n"
        )
        self.config = self.root / "dovecot.conf"
        self.config.write_text(
            f"""protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
"""
        )
        subprocess.run([self.binary, "-c", str(self.config)], check=True)  # noqa: S603
        wait_for_port(self.port, 15, "Dovecot")

    @property
    def running(self) -> bool:
        return self.binary is not None

    def environment(self) -> dict[str, str]:
        if not self.running:
            return {}
        return {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": str(self.port),
            "IMAP_SSL": "0",
            "IMAP_USER": self.USER,
            "IMAP_PASSWORD": self.PASSWORD,
        }

    def deliver(self, message: EmailMessage) -> None:
        import imaplib

        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(self.USER, self.PASSWORD)
            imap.append("INBOX", None, None, message.as_bytes())
        finally:
            imap.logout()

    def stop(self) -> None:
        if self.running:
            subprocess.run([self.binary, "-c", str(self.config), "stop"], check=False)  # noqa: S603
            shutil.rmtree(self.root, ignore_errors=True)


class MailFeed(threading.Thread):
    """A client's mail every few seconds while the load runs: a new request, or an answer to
    one of the live tickets (``[#N]`` in the subject), from the client's primary contact."""

    def __init__(self, dovecot: Dovecot, desk: dict, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.dovecot, self.desk, self.rng = dovecot, desk, rng
        self.stopping = threading.Event()
        self.sent = 0
        self.failed = 0

    def run(self) -> None:
        from soprovod.tickets.models import Ticket

        while not self.stopping.wait(MAIL_EVERY_SECONDS):
            message = EmailMessage()
            number = self.rng.choice(self.desk["live_tickets"])
            client = Ticket.objects.filter(pk=number).values_list("client_id", flat=True).first()
            message["From"] = f"contact{client}@client.example"
            message["To"] = Dovecot.USER
            if self.rng.random() < 0.5:
                message["Subject"] = f"Re: [#{number}] Шлагбаум"
                message.set_content("Спасибо, проверили: сейчас пропуск проходит.")
            else:
                message["Subject"] = "Не печатается гостевой пропуск"
                message.set_content("На посту охраны не печатаются гостевые пропуска с утра.")
            try:
                self.dovecot.deliver(message)
                self.sent += 1
            except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
                self.failed += 1
                log(f"# mail feed: {error!r}")
        from django.db import connection

        connection.close()


def server_environment(url: str, data_dir: str, port: int, workers: int, extra: dict) -> dict:
    """What deploy/ gives the app: production settings behind nginx on this host."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET_KEY,
            "SOPROVOD_DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "soprovod.settings",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "LOG_LEVEL": "WARNING",
            # Replies are mailed to clients: kept nowhere (no SMTP server on this machine).
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            **extra,
        }
    )
    return env


class Servers:
    def __init__(self, env: dict, data_dir: str, logs: Path) -> None:
        from soprovod.web.management.commands.serve import worker_command

        self.logs = logs
        root = str(_HERE.parent)
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "soprovod.cli", "collectstatic", "--noinput", "-v", "0"],
            env=env,
            cwd=root,
            check=True,
        )
        self.worker = subprocess.Popen(  # noqa: S603 - the command `soprovod serve` starts
            worker_command(concurrency=2, data_dir=Path(data_dir)),
            env=env,
            cwd=root,
            stdout=open(self.logs / "worker.log", "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
        self.web = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "soprovod.wsgi:application",
                "-c",
                "python:soprovod.gunicorn",
            ],
            env=env,
            cwd=root,
            stdout=open(self.logs / "web.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail('web.log')}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer /healthz:\n{self.tail('web.log')}")

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / name
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def logged_errors(self) -> list[str]:
        """Errors the servers logged: tracebacks and ERROR lines (gunicorn, Django, Celery)."""
        found = []
        for name in ("web.log", "worker.log"):
            path = self.logs / name
            if path.exists():
                for line in path.read_text(errors="replace").splitlines():
                    if re.search(
                        r"\bERROR\b|Traceback \(most recent call last\)|\[CRITICAL\]", line
                    ):
                        found.append(f"{name}: {line[:300]}")
        return found

    def jobs_run(self) -> dict[str, int]:
        text = (self.logs / "worker.log").read_text(errors="replace")
        return {
            name: len(re.findall(rf"Task {re.escape(name)}\[[^\]]+\] succeeded", text))
            for name in ("sla.check", "tickets.fetch_mail")
        }


# ---- the run -----------------------------------------------------------------------------


def run_locust(base: str, plan_path: Path, samples_path: Path, seconds: int, logs: Path) -> None:
    env = dict(os.environ, LOAD_PLAN=str(plan_path), LOAD_SAMPLES=str(samples_path))
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(_HERE / "_locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        "15",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "15",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with open(logs / "locust.log", "wb") as out:  # noqa: PTH123
        status = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if status.returncode or not samples_path.exists():
        text = (logs / "locust.log").read_text(errors="replace")
        raise RuntimeError(f"locust exited with {status.returncode}:\n{text[-3000:]}")


IDLE_REPEATS = 10
SATURATED = 5.0


def idle_pass(base: str, plan: dict) -> dict[str, float]:
    """Each page's median time alone (one request at a time, after one unmeasured request):
    what the page costs without queueing, to tell a slow page from a busy machine."""
    import urllib.error

    agent = plan["sessions"]["agent"][0]["key"]
    manager = plan["sessions"]["manager"][0]["key"]
    contact = plan["sessions"]["contact"][0]["key"]
    live = plan["live_tickets"][len(plan["live_tickets"]) // 2]
    pages = {
        "trivial": ("/favicon.ico", agent),
        "queue": ("/tickets/?view=open", agent),
        "ticket": (f"/tickets/{live}/", agent),
        "kpi": ("/kpi/", manager),
        "clients": ("/clients/", manager),
        "client": (f"/clients/{plan['clients'][0]}/", manager),
        "portal.home": ("/portal/", contact),
        "portal.new": ("/portal/new/", contact),
    }
    times = {}
    for page, (path, key) in pages.items():
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            base + path,
            headers={
                "Cookie": f"{plan['session_cookie']}={key}",
                "X-Forwarded-Proto": "https",
            },
        )
        samples = []
        for attempt in range(IDLE_REPEATS + 1):
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    response.read()
            except urllib.error.HTTPError as error:
                raise RuntimeError(f"{path} answered {error.code} alone") from error
            if attempt:
                samples.append((time.perf_counter() - started) * 1000)
        times[page] = percentile(samples, 0.5)
    return times


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(
    samples: list, idle: dict, logged: list[str], jobs: dict, mail, started_with: dict
) -> bool:
    by_page: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for name, ms, failed, _at in samples:
        by_page.setdefault(name, []).append(ms)
        if failed:
            failures[name] = failures.get(name, 0) + 1
            reasons[failed] = reasons.get(failed, 0) + 1
    if "trivial" not in by_page:
        raise RuntimeError("the trivial view was never measured")
    pages = [p for p in PAGES if p in by_page] + sorted(set(by_page) - set(PAGES))
    log(
        f"# {'page':<14} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f"  {'alone ms':>8} {'alone x':>7}"
    )
    for page in pages:
        values = by_page[page]
        alone = (
            f"{idle[page]:>8.1f} {idle[page] / idle['trivial']:>6.1f}x"
            if page in idle
            else f"{'':>8} {'':>7}"
        )
        log(
            f"# {page:<14} {len(values):>8} {failures.get(page, 0):>6} "
            f"{percentile(values, 0.50):>8.1f} {percentile(values, 0.95):>8.1f} "
            f"{percentile(values, 0.99):>8.1f}  {alone}"
        )
    base = percentile(by_page["trivial"], 0.95)
    log(
        f"# trivial view (GET /favicon.ico, signed in) p95: {base:.1f} ms under load, "
        f"{idle['trivial']:.1f} ms alone; «alone» is the median of {IDLE_REPEATS} requests one "
        f"at a time before the load started"
    )
    saturated = base > SATURATED * idle["trivial"]
    if saturated:
        log(
            f"# warning: the trivial view's p95 under load is over {SATURATED:g}x its time alone: "
            f"requests queued for a busy CPU (the machine is shared), which inflates every page "
            f"alike and compresses the ratios; run with a larger --pace or on a quieter machine"
        )
    errors = sum(failures.values())
    log(
        f"# background: sla.check ran {jobs['sla.check']}x, tickets.fetch_mail ran "
        f"{jobs['tickets.fetch_mail']}x; mail delivered to the mailbox: "
        f"{mail.sent if mail else 'no mailbox (dovecot missing)'}"
        + (f", {mail.failed} failed" if mail and mail.failed else "")
        + f"; tickets filed during the run: {started_with.get('new_tickets', '?')}"
    )
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1])[:10]:
        log(f"# failed {count}x: {reason}")
    if logged:
        log(f"# the servers logged {len(logged)} error line(s); the first ones:")
        for line in logged[:15]:
            log(f"#   {line}")
    missed = []
    for page in pages:
        if page == "trivial":
            continue
        ratio = percentile(by_page[page], 0.95) / base
        print(f"load.{page}.p95: {ratio:.1f}x", flush=True)
        if ratio > GOAL:
            missed.append(page)
    print(f"load.errors: {errors + len(logged)}", flush=True)
    met = not missed and errors == 0 and not logged
    log(
        f"# goal: 0 errors and every p95 <= {GOAL:g}x the trivial view: "
        + ("met" if met else "MISSED")
        + (" (but the server was saturated, see the warning above)" if met and saturated else "")
        + (f" (over {GOAL:g}x: {', '.join(missed)})" if missed else "")
        + (f" ({errors} failed requests, {len(logged)} logged errors)" if not met else "")
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds of load")
    parser.add_argument(
        "--warmup", type=int, default=WARMUP, help="seconds of load before the measured ones"
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument(
        "--pace", type=float, default=1.0, help="think times times this (below 1: busier people)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="run on a kept database, no reload")
    args = parser.parse_args()

    from bench.kpi import Phases

    phases = Phases()
    url = bench_url(DEFAULT_URL)
    rng = random.Random(14)
    log(
        f"# load bench: {USERS - 1} simulated people for {args.duration} s against gunicorn "
        f"({args.workers} workers), {args.tickets:,} tickets; each page's p95 as a multiple of "
        f"the trivial view's p95 in the same run; goal: 0 errors, each <= {GOAL:g}x"
    )
    data_dir = tempfile.mkdtemp(prefix="soprovod-load-")
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["REDIS_URL"] = REDIS_URL
    plan_file = Path(data_dir) / "plan.json"
    kept_plan = Path(tempfile.gettempdir()) / "soprovod-load-plan.json"
    if not (args.reuse and kept_plan.exists()):
        args.reuse = False
        recreate(url, BENCH)
    servers = dovecot = mail = None
    failed = False
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # this bench's own index: no stale jobs
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.db import connection

        from soprovod.tickets.models import Ticket

        call_command("migrate", verbosity=0)  # a kept database too: the code may be newer
        phases.done("migrate")
        if args.reuse:
            desk = json.loads(kept_plan.read_text())["desk"]
            log("# reusing the kept database")
        else:
            from bench.kpi import load

            load(args.tickets, phases)
            desk = add_desk(args.tickets, phases, rng)
            from soprovod.kpi.actions import do_store_months

            do_store_months()
            phases.done("stored the closed months' KPI facts")
        from bench.kpi import describe

        log(f"# data: {describe(connection)}")
        port = free_port()
        plan = {
            **desk,
            "sessions": sessions(desk),
            "session_cookie": "sessionid",
            "csrf_cookie": "csrftoken",
            "host": f"127.0.0.1:{port}",
            "pace": args.pace,
        }
        from django.conf import settings

        plan["session_cookie"] = settings.SESSION_COOKIE_NAME
        plan["csrf_cookie"] = settings.CSRF_COOKIE_NAME
        plan_file.write_text(json.dumps(plan))
        if args.keep:
            kept_plan.write_text(json.dumps({"desk": desk}))
        before = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
        connection.close()

        dovecot = Dovecot()
        if not dovecot.running:
            log("# note: no dovecot binary: the mail poller runs without a mailbox to poll")
        env = server_environment(url, data_dir, port, args.workers, dovecot.environment())
        shutil.rmtree(LOGS, ignore_errors=True)
        LOGS.mkdir(parents=True)
        servers = Servers(env, data_dir, LOGS)
        servers.wait_ready(port)
        phases.done(f"gunicorn ({args.workers} workers), Celery worker with beat, Dovecot")
        idle = idle_pass(f"http://127.0.0.1:{port}", plan)
        if dovecot.running:
            mail = MailFeed(dovecot, desk, rng)
            mail.start()
        uptime = os.getloadavg()
        run_locust(
            f"http://127.0.0.1:{port}",
            plan_file,
            Path(data_dir) / "samples.json",
            args.warmup + args.duration,
            servers.logs,
        )
        load_after = os.getloadavg()
        if mail:
            mail.stopping.set()
            mail.join(timeout=30)
        time.sleep(2)  # the last jobs finish and log
        phases.done(f"{args.warmup} s of warm-up, {args.duration} s of measured load")
        log(
            f"# machine: {os.cpu_count()} cores; load average before "
            f"{uptime[0]:.2f}/{uptime[1]:.2f}/{uptime[2]:.2f}, after "
            f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} (1/5/15 min)"
        )
        samples = json.loads((Path(data_dir) / "samples.json").read_text())
        # The warm-up (workers importing, caches filling) is not measured.
        if samples:
            start = min(at - ms / 1000 for _name, ms, _failed, at in samples)
            samples = [s for s in samples if s[3] - s[1] / 1000 >= start + args.warmup]
        log(f"# server logs: {LOGS}")
        new = Ticket.objects.filter(pk__gt=before).count()
        connection.close()
        servers.stop()
        summarise(
            samples, idle, servers.logged_errors(), servers.jobs_run(), mail, {"new_tickets": new}
        )
    except Exception as error:  # noqa: BLE001 - report and exit non-zero
        report_failure(BENCH, error)
        if servers:
            log(
                f"# web.log:\n{servers.tail('web.log')}\n# worker.log:\n{servers.tail('worker.log')}"
            )
        failed = True
    finally:
        if mail:
            mail.stopping.set()
        if servers:
            servers.stop()
        if dovecot:
            dovecot.stop()
        tear_down(url, BENCH, data_dir, keep=args.keep)
        log(f"# total: {phases.total():.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
