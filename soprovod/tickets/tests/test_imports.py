"""Ticket import from CSV: all or nothing, clocks computed from the timestamps as the live
workflow computes them, re-import a no-op, changed rows refused — and the replay behind it
gives exactly what the ticket actions give."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection

from soprovod.audit.models import AuditEvent
from soprovod.cli import main
from soprovod.clients.tests.factories import ClientFactory
from soprovod.core.models import Notification
from soprovod.lib.csvio import CsvFileError
from soprovod.sla.models import ClockStatus, Metric, SlaClock, SlaPause
from soprovod.tickets import actions
from soprovod.tickets.imports import import_tickets
from soprovod.tickets.models import (
    Category,
    Channel,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from soprovod.tickets.replay import (
    History,
    change_status,
    client_reply,
    note,
    rate,
    replay,
    reply,
)
from soprovod.tickets.tests.factories import CategoryFactory

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=MSK)
HEADER = (
    "external_id,client_external_id,type,category,subject,created_at,"
    "first_response_at,resolved_at,on_hold,csat"
)
# Monday 2 March 2026, 10:00 Moscow: first reply 10:30, waits for the client from Monday
# 12:00 to Tuesday 12:00, resolved Tuesday 15:00.
PAUSED = (
    "T-1,CRM-1,стандартное,Пропуска,Не печатается пропуск,2026-03-02T10:00,"
    "2026-03-02 10:30,2026-03-03T15:00,2026-03-02T12:00/2026-03-03T12:00,5"
)


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def issues_of(error: CsvFileError) -> list[tuple[int | None, str | None]]:
    return [(issue.row, issue.column) for issue in error.issues]


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client(db):
    return ClientFactory(external_id="CRM-1", name="ООО «Альфа»")


def clock(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


# ---- the file ---------------------------------------------------------------------------


def test_on_hold_pauses_the_resolution_clock_by_business_time_worked_out_by_hand(client):
    import_tickets(csv_bytes(HEADER, PAUSED), filename="tickets.csv")

    ticket = Ticket.objects.get(external_id="T-1")
    resolution = clock(ticket, Metric.RESOLUTION)
    # Monday 10:00–18:00 and Tuesday 09:00–15:00 is 14 business hours; the wait covers
    # Monday 12:00–18:00 and Tuesday 09:00–12:00, 9 hours; so 5 hours of work: 300 minutes.
    assert resolution.paused_seconds == 9 * 3600
    assert resolution.elapsed_seconds == 300 * 60
    # 24 business hours plus the 9 paused: Monday 8 + Tuesday 9 + Wednesday 9 + 7 on Thursday.
    assert resolution.due_at == msk(2026, 3, 5, 16, 0)
    assert resolution.status == ClockStatus.MET
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert first.elapsed_seconds == 30 * 60
    assert first.due_at == msk(2026, 3, 2, 14, 0)
    assert first.status == ClockStatus.MET
    # The ceiling waited the 24 calendar hours on hold too.
    assert clock(ticket, Metric.RESOLUTION_CEILING).due_at == msk(2026, 3, 8, 10, 0)
    assert ticket.first_response_at == msk(2026, 3, 2, 10, 30)
    assert ticket.resolved_at == msk(2026, 3, 3, 15, 0)
    assert ticket.csat_score == 5
    pause = SlaPause.objects.get(clock=resolution)
    assert (pause.started_at, pause.ended_at) == (msk(2026, 3, 2, 12, 0), msk(2026, 3, 3, 12, 0))


def test_resolved_long_ago_is_closed_when_the_reopen_window_passed_and_keeps_its_outcome(client):
    import_tickets(csv_bytes(HEADER, PAUSED))

    ticket = Ticket.objects.get(external_id="T-1")
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_at == msk(2026, 3, 10, 15, 0)
    assert all(SlaClock.objects.filter(ticket=ticket).values_list("frozen", flat=True))


def test_history_is_in_the_conversation_and_the_audit_trail(client, staff):
    import_tickets(csv_bytes(HEADER, PAUSED), actor=staff.head, filename="tickets.csv")

    ticket = Ticket.objects.get(external_id="T-1")
    messages = list(ticket.messages.all())
    assert [(m.from_staff, m.created_at) for m in messages] == [
        (False, msk(2026, 3, 2, 10, 0)),
        (True, msk(2026, 3, 2, 10, 30)),
    ]
    assert messages[0].body == "Не печатается пропуск"
    assert {m.source for m in messages} == {TicketMessage.Source.IMPORT}
    events = AuditEvent.objects.filter(object_id=str(ticket.pk)).order_by("id")
    assert [e.action for e in events] == [
        "created",
        "status",
        "status",
        "status",
        "other",
        "status",
        "imported",
    ]
    imported = events.last()
    assert imported.actor == staff.head
    assert imported.reason == "tickets.csv"
    assert imported.changes["created_at"] == [None, "2026-03-02T07:00:00+00:00"]


def test_open_ticket_without_reply_keeps_its_clocks_running(client):
    import_tickets(
        csv_bytes(HEADER, "T-2,CRM-1,emergency,Шлагбаумы,Не открывается,2026-11-25T11:00,,,,")
    )

    ticket = Ticket.objects.get(external_id="T-2")
    assert ticket.status == TicketStatus.NEW
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert first.stopped_at is None
    assert first.due_at == msk(2026, 11, 25, 11, 15)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("экстренное", TicketType.EMERGENCY),
        ("Стандартное", TicketType.STANDARD),
        ("консультация", TicketType.CONSULTATION),
        ("consultation", TicketType.CONSULTATION),
    ],
)
def test_type_accepts_codes_and_russian_labels(client, label, code):
    import_tickets(csv_bytes(HEADER, f"T-3,CRM-1,{label},Пропуска,Вопрос,2026-03-02T10:00,,,,"))

    assert Ticket.objects.get(external_id="T-3").type == code


def test_imports_windows_1251_file_with_semicolons(client):
    data = csv_bytes(
        "external_id;client_external_id;type;category;subject;created_at;resolved_at",
        "T-4;CRM-1;консультация;Биллинг и документы;Нужен акт сверки;02.03.2026 10:00;"
        "03.03.2026 11:00",
        encoding="cp1251",
    )

    result = import_tickets(data, filename="tickets.csv")

    assert (result.created, result.unchanged) == (1, 0)
    ticket = Ticket.objects.get(external_id="T-4")
    assert ticket.subject == "Нужен акт сверки"
    assert ticket.category.name == "Биллинг и документы"
    assert ticket.resolved_at == msk(2026, 3, 3, 11, 0)


def test_imports_utf8_file_with_bom(client):
    import_tickets(b"\xef\xbb\xbf" + csv_bytes(HEADER, PAUSED))

    assert Ticket.objects.filter(external_id="T-1").exists()


def test_unknown_column_is_named(client):
    with pytest.raises(CsvFileError) as refused:
        import_tickets(csv_bytes(HEADER + ",priority", PAUSED + ",high"))

    assert "unknown columns: priority" in str(refused.value)
    assert not Ticket.objects.exists()


def test_categories_are_matched_by_name_ignoring_case_and_missing_ones_created(client):
    existing = CategoryFactory(name="Пропуска")

    import_tickets(
        csv_bytes(
            HEADER,
            "T-5,CRM-1,standard,пропуска,А,2026-03-02T10:00,,,,",
            "T-6,CRM-1,standard,Мобильное приложение,Б,2026-03-02T11:00,,,,",
            "T-7,CRM-1,standard,мобильное приложение,В,2026-03-02T12:00,,,,",
        )
    )

    assert Ticket.objects.get(external_id="T-5").category == existing
    assert Category.objects.count() == 2
    assert Ticket.objects.get(external_id="T-7").category.name == "Мобильное приложение"


def test_every_bad_row_is_reported_and_nothing_is_imported(client):
    data = csv_bytes(
        HEADER,
        PAUSED,
        "T-8,CRM-404,standard,Пропуска,А,2026-03-02T10:00,,,,",
        "T-9,CRM-1,срочное,Пропуска,Б,2026-03-02T10:00,,,,",
        "T-10,CRM-1,standard,Пропуска,В,2026-03-02T10:00,2026-03-02T09:00,2026-03-01T10:00,,",
        "T-11,CRM-1,standard,Пропуска,Г,2026-03-02T10:00,,2026-03-03T10:00,"
        "2026-03-02T09:00/2026-03-02T11:00;2026-03-03T09:00/2026-03-03T11:00,",
        "T-12,CRM-1,standard,Пропуска,Д,2026-03-02T10:00,,,,5",
        "T-13,CRM-1,standard,Пропуска,Е,2026-12-01T10:00,,,,",
        "T-1,CRM-1,standard,Пропуска,Ё,2026-03-02T10:00,,,,",
        "T-14,CRM-1,standard,Пропуска,Ж,вчера,,,,7",
    )

    with pytest.raises(CsvFileError) as refused:
        import_tickets(data, filename="tickets.csv")

    assert issues_of(refused.value) == [
        (3, "client_external_id"),
        (4, "type"),
        (5, "first_response_at"),
        (5, "resolved_at"),
        (6, "on_hold"),
        (6, "on_hold"),
        (7, "csat"),
        (8, "created_at"),
        (9, "external_id"),
        (10, "created_at"),
        (10, "csat"),
    ]
    messages = [str(issue) for issue in refused.value.issues]
    assert messages[0] == "row 3, column client_external_id: no client with external_id 'CRM-404'"
    assert "экстренное" in messages[1]
    assert messages[2] == "row 5, column first_response_at: is before created_at"
    assert messages[4] == "row 6, column on_hold: interval 1 starts before created_at"
    assert messages[5] == "row 6, column on_hold: interval 2 ends after resolved_at"
    assert (
        messages[6] == "row 7, column csat: only a resolved ticket is rated: resolved_at is empty"
    )
    assert messages[7] == "row 8, column created_at: is in the future"
    assert messages[8] == "row 9, column external_id: 'T-1' is already used in row 2"
    assert not Ticket.objects.exists()
    assert not Category.objects.exists()


def test_first_response_after_resolution_is_refused(client):
    data = csv_bytes(
        HEADER,
        "T-15,CRM-1,standard,Пропуска,А,2026-03-02T10:00,2026-03-04T10:00,2026-03-03T10:00,,",
    )

    with pytest.raises(CsvFileError) as refused:
        import_tickets(data)

    assert str(refused.value) == "row 2, column first_response_at: is after resolved_at"


def test_file_with_only_a_header_is_refused(db):
    with pytest.raises(CsvFileError, match="no tickets"):
        import_tickets(csv_bytes(HEADER))


# ---- importing again ----------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(client):
    data = csv_bytes(
        HEADER, PAUSED, "T-2,CRM-1,emergency,Шлагбаумы,Не открывается,2026-11-25T11:00,,,,"
    )
    import_tickets(data)
    counts = (Ticket.objects.count(), TicketMessage.objects.count(), AuditEvent.objects.count())
    versions = list(Ticket.objects.order_by("pk").values_list("version", flat=True))

    result = import_tickets(data)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert list(Ticket.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_same_row_written_differently_is_unchanged(client):
    import_tickets(csv_bytes(HEADER, PAUSED))
    same = csv_bytes(
        "external_id;client_external_id;type;category;subject;created_at;first_response_at;"
        "resolved_at;on_hold;csat",
        "T-1;CRM-1;standard;ПРОПУСКА;Не печатается пропуск;2026-03-02T07:00:00Z;"
        "02.03.2026 10:30;2026-03-03T15:00+03:00;"
        '"2026-03-02T12:00/2026-03-03T09:00;2026-03-02T18:00/2026-03-03T12:00";5',
    )

    assert import_tickets(same).unchanged == 1


def test_re_import_stays_a_no_op_after_the_ticket_moved_on(client, staff):
    data = csv_bytes(HEADER, "T-2,CRM-1,standard,Пропуска,Не открывается,2026-11-24T11:00,,,,")
    import_tickets(data)
    ticket = Ticket.objects.get(external_id="T-2")
    actions.do_add_message(staff.support, ticket, "Смотрим", at=msk(2026, 11, 25, 11, 30))

    assert import_tickets(data).unchanged == 1


def test_changed_row_is_refused_naming_each_changed_column(client):
    import_tickets(csv_bytes(HEADER, PAUSED))
    changed = PAUSED.replace("2026-03-03T15:00", "2026-03-04T15:00").replace(",5", ",4")

    with pytest.raises(CsvFileError) as refused:
        import_tickets(csv_bytes(HEADER, changed))

    assert issues_of(refused.value) == [(2, "resolved_at"), (2, "csat")]
    ticket = Ticket.objects.get(external_id="T-1")
    assert "was imported with '2026-03-03T12:00:00+00:00'" in str(refused.value.issues[0])
    assert "never rewrites" in str(refused.value.issues[0])
    assert ticket.resolved_at == msk(2026, 3, 3, 15, 0)


def test_ticket_with_the_external_id_that_was_not_imported_is_refused(client, staff):
    actions.do_create_ticket(
        staff.support,
        client=client,
        subject="Вручную",
        body="…",
        type=TicketType.STANDARD,
        channel=Channel.PHONE,
        created_at=msk(2026, 3, 2, 9, 0),
    )
    Ticket.objects.update(external_id="T-1")

    with pytest.raises(CsvFileError, match="was not imported from a file"):
        import_tickets(csv_bytes(HEADER, PAUSED))


def test_dry_run_checks_and_counts_but_writes_nothing(client):
    import_tickets(csv_bytes(HEADER, PAUSED))
    data = csv_bytes(
        HEADER, PAUSED, "T-2,CRM-1,standard,Новая категория,Вопрос,2026-03-02T10:00,,,,"
    )
    seen = []

    result = import_tickets(data, dry_run=True, progress=lambda done, total: seen.append(done))

    assert (result.created, result.unchanged, result.dry_run) == (1, 1, True)
    assert seen == [1, 2]
    assert Ticket.objects.count() == 1
    assert not Category.objects.filter(name="Новая категория").exists()


def test_progress_reaches_the_total(client):
    seen = []

    import_tickets(
        csv_bytes(HEADER, PAUSED), progress=lambda done, total: seen.append((done, total))
    )

    assert seen[-1] == (1, 1)


def test_repeat_of_a_ticket_resolved_within_30_days_in_the_same_file(client):
    import_tickets(
        csv_bytes(
            HEADER,
            # The repeat comes first in the file: repeats are found whatever the row order.
            "T-21,CRM-1,standard,Пропуска,Снова не печатается,2026-03-20T10:00,,,,",
            PAUSED,
            "T-22,CRM-1,standard,Биллинг,Другая тема,2026-03-21T10:00,,,,",
        )
    )

    repeat = Ticket.objects.get(external_id="T-21")
    assert repeat.is_repeat
    assert repeat.repeat_of.external_id == "T-1"
    assert not Ticket.objects.get(external_id="T-22").is_repeat
    # Numbered in order of creation, not of the file.
    assert Ticket.objects.get(external_id="T-1").pk < repeat.pk


def test_import_notifies_and_mails_no_one(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_tickets(
            csv_bytes(HEADER, PAUSED, "T-2,CRM-1,emergency,Шлагбаумы,Срочно,2026-11-25T11:00,,,,")
        )

    # Nothing but the rebuild of the KPI facts of the closed months the tickets fell in, the
    # recomputation of the health scores and the search indexing the new tickets.
    assert all(
        hasattr(callback, "kpi_month")
        or hasattr(callback, "health_recompute")
        or hasattr(callback, "search_index")
        for callback in callbacks
    )
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_command_imports_and_says_what_it_did(transactional_db, tmp_path, capsys):
    ClientFactory(external_id="CRM-1")
    path = tmp_path / "tickets.csv"
    path.write_bytes(csv_bytes(HEADER, PAUSED))

    assert main(["import", "tickets", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "tickets.csv: dry run, nothing written: would be 1 created, 0 updated, 0 unchanged"
    )
    assert main(["import", "tickets", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "tickets.csv: 1 created, 0 updated, 0 unchanged"
    path.write_bytes(csv_bytes(HEADER, PAUSED.replace(",5", ",9")))
    assert main(["import", "tickets", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: tickets.csv: row 2, column csat: must be from 1 to 5, got 9"
    )


# ---- the replay is the actions ------------------------------------------------------------


def _scripts(rng: random.Random, count: int) -> list[dict]:
    """Random but valid ticket lives: what the actions allow in each status."""
    scripts = []
    for index in range(count):
        created = msk(2026, 1, 5, 8, 0) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 300))
        status, at, events = TicketStatus.NEW, created, []
        for _ in range(rng.randint(0, 10)):
            at += dt.timedelta(minutes=rng.choice([0, 1, 13, 95, 400, 1500, 4000, 9000]))
            if at >= NOW or status == TicketStatus.CLOSED:
                break
            options = {
                TicketStatus.NEW: ["reply", "note", "waiting", "resolve", "client"],
                TicketStatus.OPEN: ["reply", "note", "waiting", "resolve", "client"],
                TicketStatus.WAITING_CLIENT: ["client", "open", "resolve", "note"],
                TicketStatus.RESOLVED: ["reopen", "close", "rate", "reply", "client"],
            }[status]
            kind = rng.choice(options)
            events.append((kind, at, rng.randint(1, 5)))
            status = {
                "reply": TicketStatus.OPEN if status == TicketStatus.NEW else status,
                "client": TicketStatus.OPEN if status == TicketStatus.WAITING_CLIENT else status,
                "waiting": TicketStatus.WAITING_CLIENT,
                "open": TicketStatus.OPEN,
                "reopen": TicketStatus.OPEN,
                "resolve": TicketStatus.RESOLVED,
                "close": TicketStatus.CLOSED,
            }.get(kind, status)
        scripts.append(
            {
                "index": index,
                "client": rng.randrange(3),
                "category": rng.choice(["Пропуска", "Биллинг"]),
                "type": rng.choice(TicketType.values),
                "channel": rng.choice([Channel.PORTAL, Channel.EMAIL]),
                "created": created,
                "events": events,
            }
        )
    return scripts


def _event(kind, at, number, staff):
    if kind == "reply":
        return reply(at, staff.support, f"Ответ {number}")
    if kind == "note":
        return note(at, staff.engineer, f"Заметка {number}")
    if kind == "client":
        return client_reply(at, f"Клиент {number}", author_email="c@client.test")
    if kind == "rate":
        return rate(at, number, f"Оценка {number}")
    if kind == "close":
        return change_status(at, TicketStatus.CLOSED, None)
    status = {
        "waiting": TicketStatus.WAITING_CLIENT,
        "open": TicketStatus.OPEN,
        "reopen": TicketStatus.OPEN,
        "resolve": TicketStatus.RESOLVED,
    }[kind]
    return change_status(at, status, staff.support, "Повторилось" if kind == "reopen" else "")


def _history(script, clients, categories, staff) -> History:
    events = [_event(kind, at, number, staff) for kind, at, number in script["events"]]
    return History(
        subject=f"Обращение {script['index']}",
        body="Текст обращения",
        type=script["type"],
        created_at=script["created"],
        channel=script["channel"],
        client=clients[script["client"]],
        category=categories[script["category"]],
        assignee=staff.support,
        creator=staff.support,
        external_id=f"R-{script['index']}",
        events=events,
    )


def _act(script, clients, categories, staff) -> None:
    ticket = actions.do_create_ticket(
        staff.support,
        client=clients[script["client"]],
        subject=f"Обращение {script['index']}",
        body="Текст обращения",
        type=script["type"],
        channel=script["channel"],
        category=categories[script["category"]],
        assignee=staff.support,
        created_at=script["created"],
    )
    Ticket.objects.filter(pk=ticket.pk).update(external_id=f"A-{script['index']}")
    for kind, at, number in script["events"]:
        ticket = Ticket.objects.get(pk=ticket.pk)
        if kind == "reply":
            actions.do_add_message(staff.support, ticket, f"Ответ {number}", at=at, from_staff=True)
        elif kind == "note":
            actions.do_add_message(
                staff.engineer, ticket, f"Заметка {number}", internal=True, at=at, from_staff=True
            )
        elif kind == "client":
            actions.do_add_message(
                None,
                ticket,
                f"Клиент {number}",
                at=at,
                from_staff=False,
                source=TicketMessage.Source.PORTAL,
                author_email="c@client.test",
            )
        elif kind == "rate":
            actions.do_rate(None, ticket, number, f"Оценка {number}", at=at)
        else:
            status = {
                "waiting": TicketStatus.WAITING_CLIENT,
                "open": TicketStatus.OPEN,
                "reopen": TicketStatus.OPEN,
                "resolve": TicketStatus.RESOLVED,
                "close": TicketStatus.CLOSED,
            }[kind]
            actor = None if kind == "close" else staff.support
            actions.do_change_status(
                actor, ticket, status, at=at, reason="Повторилось" if kind == "reopen" else ""
            )


TICKET_FIELDS = (
    "type", "channel", "subject", "status", "requester_email", "assignee_id", "created_at",
    "first_response_at", "resolved_at", "closed_at", "reopened_count", "is_repeat",
    "csat_score", "csat_comment", "csat_at", "version", "policy_id", "category_id",
)  # fmt: skip
MESSAGE_FIELDS = (
    "author_id", "author_email", "from_staff", "kind", "source", "is_automatic", "body",
    "created_at",
)  # fmt: skip
CLOCK_FIELDS = (
    "calendar_id", "calendar_version", "target_seconds", "extension_seconds", "ceiling_at",
    "started_at", "due_at", "paused_since", "paused_seconds", "stopped_at", "elapsed_seconds",
    "status", "frozen",
)  # fmt: skip


def _everything(ticket: Ticket) -> dict:
    """Every stored row of a ticket, without primary keys and recording times."""
    clocks = ticket.clocks.order_by("metric")
    return {
        "ticket": [getattr(ticket, name) for name in TICKET_FIELDS],
        "client": ticket.client.name,
        "repeat_of": ticket.repeat_of.external_id[2:] if ticket.repeat_of else None,
        "messages": list(ticket.messages.order_by("created_at", "id").values_list(*MESSAGE_FIELDS)),
        "clocks": {c.metric: [getattr(c, name) for name in CLOCK_FIELDS] for c in clocks},
        "pauses": list(
            SlaPause.objects.filter(clock__ticket=ticket)
            .order_by("clock__metric", "started_at", "id")
            .values_list("clock__metric", "started_at", "ended_at", "reason")
        ),
        "audit": list(
            AuditEvent.objects.filter(object_id=str(ticket.pk), content_type__model="ticket")
            .order_by("id")
            .values_list("actor_id", "action", "changes", "reason")
        ),
    }


def test_replay_writes_exactly_what_the_actions_write(staff):
    """Random histories (every status, pauses, reopenings, ratings, closing, repeats, all
    three types, weekends and holidays) replayed by `replay` and through the actions with
    the same times give the same rows, field by field."""
    rng = random.Random(20261125)
    scripts = _scripts(rng, 60)
    categories = {name: CategoryFactory(name=name) for name in ("Пропуска", "Биллинг")}
    # Twin clients with the same names, so that repeats stay within each half.
    acted_clients = [ClientFactory(name=f"ООО «Пара {n}»") for n in range(3)]
    replayed_clients = [ClientFactory(name=f"ООО «Пара {n}»") for n in range(3)]

    for script in sorted(scripts, key=lambda s: s["created"]):
        _act(script, acted_clients, categories, staff)
    replay([_history(s, replayed_clients, categories, staff) for s in scripts], now=NOW)

    assert sum(1 for s in scripts for kind, *_ in s["events"] if kind == "reopen") >= 3
    assert Ticket.objects.filter(external_id__startswith="R-", is_repeat=True).exists()
    for script in scripts:
        acted = Ticket.objects.get(external_id=f"A-{script['index']}")
        replayed = Ticket.objects.get(external_id=f"R-{script['index']}")
        assert _everything(replayed) == _everything(acted), script


def _written_rows() -> dict:
    """Every row an import writes, with ids replaced by the ticket's position (ids come from
    sequences, so two runs give different ones) and the audit chain's hashes left out."""
    tickets = list(Ticket.objects.order_by("pk"))
    position = {t.pk: i for i, t in enumerate(tickets)}
    skip = {"id", "updated_at"}

    def plain(obj, *extra_skip):
        return {
            f.attname: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if f.attname not in skip | set(extra_skip)
        }

    return {
        "tickets": [
            {
                **plain(t, "repeat_of_id", "category_id"),
                "repeat_of": position.get(t.repeat_of_id),
                "category": t.category.name if t.category_id else None,
            }
            for t in tickets
        ],
        "messages": [
            (position[m.ticket_id], plain(m, "ticket_id"))
            for m in TicketMessage.objects.order_by("ticket_id", "created_at", "pk")
        ],
        "clocks": [
            (position[c.ticket_id], plain(c, "ticket_id"))
            for c in SlaClock.objects.order_by("ticket_id", "metric")
        ],
        "pauses": [
            (position[p.clock.ticket_id], p.clock.metric, plain(p, "clock_id"))
            for p in SlaPause.objects.select_related("clock").order_by(
                "clock__ticket_id", "started_at"
            )
        ],
        "audit": [
            (position[int(e.object_id)], plain(e, "object_id", "object_repr", "prev_hash", "hash"))
            for e in AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(Ticket)
            ).order_by("pk")
        ],
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path exists on PostgreSQL only"
)
def test_copy_path_writes_exactly_what_bulk_create_writes(client, monkeypatch):
    from django.db import transaction

    from soprovod.tickets import replay as replay_module

    rows = [
        PAUSED,
        "T-2,CRM-1,emergency,Шлагбаумы,Срочно,2026-11-25T11:00,,,,",
        "T-3,CRM-1,консультация,Пропуска,Вопрос,2026-03-10T10:00,2026-03-10T10:05,"
        "2026-03-10T11:00,,3",
        # a repeat of T-1 (same client and category, within 30 days of its resolution)
        "T-4,CRM-1,standard,Пропуска,Снова пропуск,2026-03-20T09:00,2026-03-20T09:30,,,",
        "T-5,CRM-1,standard,Отчёты,Отчёт,2026-10-01T10:00,2026-10-01T11:00,"
        "2026-10-05T10:00,2026-10-01T12:00/2026-10-02T12:00;2026-10-03T09:00/2026-10-03T10:00,",
    ]
    data = csv_bytes(HEADER, *rows)
    written = {}
    for use_copy in (False, True):
        monkeypatch.setattr(replay_module, "COPY_ON_POSTGRESQL", use_copy)
        with time_machine.travel(msk(2026, 12, 1, 12, 0), tick=False), transaction.atomic():
            import_tickets(data, filename="old.csv")
            written[use_copy] = _written_rows()
            transaction.set_rollback(True)
    assert written[True]["tickets"] and written[True]["audit"]
    assert written[True] == written[False]
