"""A linked contact's conversation with the bot, against the fake Bot API server."""

from __future__ import annotations

import pytest
from django.conf import settings

from soprovod.portal.forms import TYPE_SITUATIONS
from soprovod.telegram.models import Draft, OutgoingMessage
from soprovod.telegram.tests.helpers import link_contact, poll, portal_ticket, texts
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel, Ticket, TicketMessage, TicketStatus

CHAT = 700001
OTHER = 700002


@pytest.fixture
def linked(fake_telegram, companies, django_capture_on_commit_callbacks):
    chat = link_contact(
        fake_telegram, django_capture_on_commit_callbacks, companies.contact_a, CHAT
    )
    fake_telegram.sent.clear()
    return chat


def _buttons(fake, chat_id):
    return [item for item in fake.sent_to(chat_id) if item.get("buttons")][-1]["buttons"]


def test_a_message_opens_a_ticket_after_the_type_is_chosen(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fake_telegram.user_message(
        CHAT, "Не открывается шлагбаум на въезде\nС утра не реагирует на пропуска"
    )
    poll(capture)
    assert not Ticket.objects.exists()
    question = fake_telegram.sent_to(CHAT)[-1]
    # Each type explained in plain Russian, one button per type.
    assert "Экстренное" in question["text"] and "Консультац" in question["text"]
    assert "обходной" in question["text"] or "обойти" in question["text"]
    labels = [row[0][0] for row in question["buttons"]]
    assert labels == ["Экстренное", "Стандартное", "Консультация"]
    assert [row[0][1].rsplit(":", 1)[1] for row in question["buttons"]] == [
        "emergency",
        "standard",
        "consultation",
    ]
    lines = question["text"].splitlines()
    for label, code in zip(labels, ("emergency", "standard", "consultation"), strict=True):
        (line,) = [line for line in lines if line.startswith(f"• {label}:")]
        assert str(TYPE_SITUATIONS[code]) in line  # when to choose it, in plain words
        assert "Мы ответим в течение" in line  # and what the client is promised
    assert "15 минут (круглосуточно)" in question["text"]
    emergency = question["buttons"][0][0][1]
    assert emergency.startswith("type:")
    fake_telegram.user_callback(CHAT, emergency)
    poll(capture)
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.TELEGRAM
    assert ticket.type == "emergency"
    assert ticket.client == companies.a and ticket.contact == companies.contact_a
    assert ticket.subject == "Не открывается шлагбаум на въезде"
    first = ticket.messages.get(from_staff=False)
    assert first.source == TicketMessage.Source.TELEGRAM and not first.from_staff
    assert "С утра" in first.body
    assert f"№{ticket.pk}" in texts(fake_telegram, CHAT)[-1]
    assert fake_telegram.callback_answers  # the button's spinner stopped
    # The same button pressed again files nothing new.
    fake_telegram.user_callback(CHAT, emergency)
    poll(capture)
    assert Ticket.objects.count() == 1


def test_the_one_open_ticket_gets_the_next_message(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Пропуска")
    fake_telegram.user_message(CHAT, "Добавлю: на втором КПП то же самое")
    poll(capture)
    message = ticket.messages.latest("id")
    assert message.body == "Добавлю: на втором КПП то же самое"
    assert message.source == TicketMessage.Source.TELEGRAM
    assert f"№{ticket.pk}" in texts(fake_telegram, CHAT)[-1]


def test_several_open_tickets_are_offered_as_buttons(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    one, two = (portal_ticket(companies, s) for s in ("Первое", "Второе"))
    fake_telegram.user_message(CHAT, "Уточнение")
    poll(capture)
    buttons = _buttons(fake_telegram, CHAT)
    data = [row[0][1] for row in buttons]
    assert f"to:{Draft.objects.get().pk}:{one.pk}" in data
    assert data[-1].endswith(":new")
    fake_telegram.user_callback(CHAT, f"to:{Draft.objects.get().pk}:{one.pk}")
    poll(capture)
    assert one.messages.latest("id").body == "Уточнение"
    assert two.messages.count() == 1
    # The next message goes to the ticket just chosen.
    fake_telegram.user_message(CHAT, "И ещё")
    poll(capture)
    assert one.messages.latest("id").body == "И ещё"


def test_new_command_opens_another_ticket(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    portal_ticket(companies, "Старое")
    fake_telegram.user_message(CHAT, "/new")
    fake_telegram.user_message(CHAT, "Как добавить гостевой пропуск?")
    poll(capture)
    fake_telegram.user_callback(CHAT, _buttons(fake_telegram, CHAT)[2][0][1])
    poll(capture)
    new = Ticket.objects.get(subject="Как добавить гостевой пропуск?")
    assert new.type == "consultation"


def test_another_companys_ticket_is_never_reachable(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    theirs = portal_ticket(companies, "Чужое", company="b", body="секрет")
    # A made-up button naming the other company's ticket.
    fake_telegram.user_message(CHAT, "Текст")
    poll(capture)
    draft = Draft.objects.get()
    fake_telegram.user_callback(CHAT, f"to:{draft.pk}:{theirs.pk}")
    poll(capture)
    assert theirs.messages.count() == 1
    # A reply to a bot message about it (a message id of another chat) goes nowhere either.
    sent = OutgoingMessage.objects.create(
        key="x",
        chat=linked,
        text="…",
        ticket=theirs,
        telegram_message_id=424242,
        status=OutgoingMessage.Status.SENT,
    )
    fake_telegram.user_message(CHAT, "Ответ", reply_to=sent.telegram_message_id)
    poll(capture)
    assert theirs.messages.count() == 1
    assert not any("секрет" in text for text in texts(fake_telegram, CHAT))


def test_a_reply_to_the_bot_goes_to_that_ticket(
    fake_telegram, companies, linked, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    one, two = (portal_ticket(companies, s) for s in ("Первое", "Второе"))
    with capture(execute=True):
        ticket_actions.do_add_message(staff.support, two, "Пришлите фото табло")
    about_two = fake_telegram.sent_to(CHAT)[-1]
    assert "Пришлите фото табло" in about_two["text"]
    fake_telegram.user_message(CHAT, "Вот", reply_to=about_two["message_id"])
    poll(capture)
    assert two.messages.latest("id").body == "Вот"
    assert one.messages.count() == 1


def test_photos_and_files_are_attached(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Табло")
    fake_telegram.user_photo(CHAT, b"\xff\xd8JPEGDATA", caption="Вот табло")
    fake_telegram.user_document(CHAT, b"log line\n", "controller.log", "text/plain")
    poll(capture)
    photo, document = ticket.messages.order_by("id")[1:]
    assert photo.body == "Вот табло"
    attachment = photo.attachments.get()
    assert attachment.filename.endswith(".jpg")
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"\xff\xd8JPEGDATA"  # the largest size, not the thumbnail
    assert document.attachments.get().filename == "controller.log"
    assert "getFile" in fake_telegram.calls


def test_files_over_the_portal_limits_are_refused(
    fake_telegram, companies, linked, settings, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Табло")
    fake_telegram.user_document(CHAT, b"MZ", "setup.exe", "application/octet-stream")
    fake_telegram.user_document(
        CHAT, b"%PDF", "big.pdf", "application/pdf", size=settings.ATTACHMENT_MAX_BYTES + 1
    )
    calls_before = fake_telegram.calls.count("getFile")
    poll(capture)
    assert ticket.messages.count() == 1
    assert fake_telegram.calls.count("getFile") == calls_before  # never downloaded
    refusals = [t for t in texts(fake_telegram, CHAT) if "не приняты" in t]
    assert len(refusals) == 2
    assert "setup.exe" in refusals[0] and "big.pdf" in refusals[1]
    # The portal's own reasons, in Russian: the kind, and the size against the limit.
    assert "«setup.exe»: файлы этого типа не принимаются" in refusals[0]
    limit = settings.ATTACHMENT_MAX_BYTES // 1024 // 1024
    assert f"допустимо не больше {limit} МБ" in refusals[1]


def test_a_resolved_ticket_is_reopened_by_a_message(
    fake_telegram, companies, linked, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Пропуска")
    with capture(execute=True):
        ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED)
    notice = fake_telegram.sent_to(CHAT)[-1]
    fake_telegram.user_message(CHAT, "Снова не работает", reply_to=notice["message_id"])
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.latest("id").body == "Снова не работает"


def test_the_reopen_window_is_kept(
    fake_telegram, companies, linked, staff, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Давнее")
    long_ago = timezone.now() - dt.timedelta(days=settings.REOPEN_WINDOW_DAYS + 1)
    ticket_actions.do_change_status(staff.support, ticket, TicketStatus.RESOLVED, at=long_ago)
    fake_telegram.user_message(CHAT, "Опять")
    poll(capture)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert Draft.objects.filter(text="Опять").exists()  # a new ticket is offered instead


# ---- albums and the portal's count limit ------------------------------------------------------


def test_an_album_is_one_question_and_one_ticket_message(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    """Telegram sends an album as one update per photo; they gather in one draft, so the
    contact is asked the type once and the ticket gets one message with every photo."""
    capture = django_capture_on_commit_callbacks
    fake_telegram.user_photo(CHAT, b"\xff\xd8ONE", caption="Табло КПП-1", media_group="A1")
    fake_telegram.user_photo(CHAT, b"\xff\xd8TWO", media_group="A1")
    fake_telegram.user_document(CHAT, b"log\n", "kpp.log", "text/plain", media_group="A1")
    poll(capture)
    questions = [item for item in fake_telegram.sent_to(CHAT) if item.get("buttons")]
    assert len(questions) == 1
    assert Draft.objects.count() == 1
    fake_telegram.user_callback(CHAT, questions[0]["buttons"][1][0][1])  # standard
    poll(capture)
    ticket = Ticket.objects.get()
    first = ticket.messages.get(from_staff=False)
    assert first.body == "Табло КПП-1"
    contents = set()
    for attachment in first.attachments.all():
        with attachment.file.open("rb") as handle:
            contents.add(handle.read())
    assert contents == {b"\xff\xd8ONE", b"\xff\xd8TWO", b"log\n"}


def test_an_album_over_the_portals_file_count_is_cut_with_a_reason(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    """The portal takes at most MAX_FILES files in one message; so does the bot (the fake
    sends more than Telegram's own album of ten allows)."""
    from soprovod.portal.forms import MAX_FILES

    capture = django_capture_on_commit_callbacks
    for number in range(MAX_FILES + 1):
        fake_telegram.user_document(
            CHAT, b"scan", f"act-{number}.pdf", "application/pdf", media_group="BIG"
        )
    poll(capture)
    refusals = [text for text in texts(fake_telegram, CHAT) if "не приняты" in text]
    assert len(refusals) == 1
    assert f"act-{MAX_FILES}.pdf" in refusals[0] and str(MAX_FILES) in refusals[0]
    question = next(item for item in fake_telegram.sent_to(CHAT) if item.get("buttons"))
    fake_telegram.user_callback(CHAT, question["buttons"][1][0][1])
    poll(capture)
    names = set(
        Ticket.objects.get()
        .messages.get(from_staff=False)
        .attachments.values_list("filename", flat=True)
    )
    assert names == {f"act-{number}.pdf" for number in range(MAX_FILES)}


def test_an_empty_file_is_refused_like_in_the_portal(
    fake_telegram, companies, linked, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ticket = portal_ticket(companies, "Табло")
    fake_telegram.user_document(CHAT, b"", "empty.txt", "text/plain", size=1)
    poll(capture)
    assert ticket.messages.count() == 1
    (refusal,) = [t for t in texts(fake_telegram, CHAT) if "не приняты" in t]
    assert "empty.txt" in refusal and "пуст" in refusal
