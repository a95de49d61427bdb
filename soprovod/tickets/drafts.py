"""A reply draft handed to the ticket page through the session: a page of another app (a
macro that set fields and wrote the answer) leaves the text, and the ticket page's reply
box opens with it once, against the ticket's current version."""

from __future__ import annotations

KEY = "reply_draft:{number}"


def save_reply_draft(session, number: int, body: str) -> None:
    session[KEY.format(number=number)] = body[:20_000]


def take_reply_draft(session, number: int) -> str:
    """The draft left for ticket ``number``, removed from the session ("" when none)."""
    return session.pop(KEY.format(number=number), "") or ""
