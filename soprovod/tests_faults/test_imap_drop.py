"""The IMAP connection drops in the middle of a fetch (the network, or Dovecot going away):
the poll stops with an error, and the next poll files every mail — none lost, none filed
twice, no mail filed from a truncated download. The drop is real: the app talks to Dovecot
through a proxy that cuts the connection part-way through the server's answer."""

from __future__ import annotations

import imaplib
import os

import pytest

from soprovod.tests_faults.proxy import CuttingProxy
from soprovod.tickets import intake
from soprovod.tickets.models import Attachment, Ticket, TicketMessage
from soprovod.tickets.tests.test_intake import DONE, letter

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PHOTO = os.urandom(60_000)  # the second mail is long: the cut falls inside its download


@pytest.fixture
def proxy(imap_mailbox, dovecot, settings):
    """The app's IMAP settings point at the proxy in front of Dovecot."""
    settings.SUPPORT_EMAIL = "support@example.test"
    cutting = CuttingProxy(dovecot.host, dovecot.port)
    settings.IMAP_PORT = cutting.port
    yield cutting
    cutting.close()


@pytest.fixture
def three_mails(imap_mailbox, companies):
    sender = companies.contact_a.email
    ids = ["<one@client.test>", "<two@client.test>", "<three@client.test>"]
    imap_mailbox.append(letter(sender, subject="Первое", message_id=ids[0]))
    imap_mailbox.append(
        letter(
            sender,
            subject="Второе, с фото",
            message_id=ids[1],
            attachments=[("фото.png", PHOTO, "image/png")],
        )
    )
    imap_mailbox.append(letter(sender, subject="Третье", message_id=ids[2]))
    return ids


def filed(ids) -> dict[str, int]:
    return {mid: TicketMessage.objects.filter(email_message_id=mid).count() for mid in ids}


def test_a_drop_mid_download_loses_and_doubles_nothing(proxy, imap_mailbox, three_mails):
    # The second FETCH: 3 KB of the 80 KB answer arrive, then the connection is gone.
    proxy.cut_after(b"UID FETCH", nth=2, budget=3000)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        intake.fetch_mail()
    assert proxy.cuts == 1
    assert filed(three_mails) == {three_mails[0]: 1, three_mails[1]: 0, three_mails[2]: 0}
    assert imap_mailbox.flags() == [DONE, set(), set()]  # only the filed one is marked

    result = intake.fetch_mail()  # the next poll, the network is back
    assert (result.fetched, result.created, result.duplicates) == (2, 2, 0)
    assert filed(three_mails) == dict.fromkeys(three_mails, 1)
    assert Ticket.objects.count() == 3
    photo = Attachment.objects.get(filename="фото.png")
    assert photo.size == len(PHOTO) and photo.file.read() == PHOTO  # whole, not truncated
    assert imap_mailbox.flags() == [DONE, DONE, DONE]


def test_a_drop_before_the_mail_is_marked_does_not_file_it_twice(proxy, imap_mailbox, three_mails):
    # The first mail is filed and committed; the answer to its STORE (the mark) never comes.
    proxy.cut_after(b"UID STORE", nth=1, budget=0)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        intake.fetch_mail()
    assert proxy.cuts == 1
    assert filed(three_mails) == {three_mails[0]: 1, three_mails[1]: 0, three_mails[2]: 0}

    result = intake.fetch_mail()
    # Dovecot may or may not have applied the lost STORE: either way the first mail is either
    # not fetched again or found to be a duplicate, never filed twice.
    assert result.created == 2 and result.fetched - result.duplicates == 2
    assert filed(three_mails) == dict.fromkeys(three_mails, 1)
    assert Ticket.objects.count() == 3
    assert imap_mailbox.flags() == [DONE, DONE, DONE]
    assert intake.fetch_mail().fetched == 0  # and nothing is left to do
