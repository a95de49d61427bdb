from __future__ import annotations

from soprovod.telegram import actions, intake
from soprovod.telegram.models import TelegramChat
from soprovod.tickets import actions as ticket_actions
from soprovod.tickets.models import Channel


def poll(capture, timeout: int = 0):
    """One polling round with every on-commit job run (the outbound queue included)."""
    with capture(execute=True):
        return intake.poll_once(timeout)


def link_contact(fake, capture, contact, chat_id: int) -> TelegramChat:
    """Link ``chat_id`` to ``contact`` the way a person does: a code, sent to the bot."""
    code, _row = actions.do_issue_code(None, contact=contact)
    fake.user_message(chat_id, code)
    poll(capture)
    return TelegramChat.objects.get(chat_id=chat_id)


def link_user(fake, capture, user, chat_id: int) -> TelegramChat:
    code, _row = actions.do_issue_code(user, user=user)
    fake.user_message(chat_id, code)
    poll(capture)
    return TelegramChat.objects.get(chat_id=chat_id)


def texts(fake, chat_id: int) -> list[str]:
    return [item.get("text", "") for item in fake.sent_to(chat_id)]


def portal_ticket(companies, subject: str, *, company: str = "a", **fields):
    """A ticket the contact of company ``company`` ("a" or "b") filed in the portal, of the
    standard type unless ``fields`` say otherwise."""
    fields = {"body": "…", "type": "standard", **fields}
    return ticket_actions.do_create_ticket(
        None,
        subject=subject,
        channel=Channel.PORTAL,
        client=getattr(companies, company),
        contact=getattr(companies, f"contact_{company}"),
        **fields,
    )
