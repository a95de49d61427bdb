"""The disk fills up while an attachment is saved: the ticket write (a client's new ticket or
reply in the portal, a staff reply) is refused whole, with a Russian message saying why, and
nothing is half-saved — no ticket, message, attachment, audit event or SLA clock row, and no
file on the disk (neither the truncated one nor the files stored before it).

The disk is a real one where the tests may mount a file system (root: a 64 KB tmpfs as
MEDIA_ROOT, which really answers ENOSPC); elsewhere a storage whose disk "fills up" after the
first chunk of a file, so the same code path (a partial file, then ENOSPC) is taken."""

from __future__ import annotations

import errno
import html
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soprovod.audit.models import AuditEvent
from soprovod.core.storage import SafeFileSystemStorage
from soprovod.sla.models import SlaClock
from soprovod.tickets import actions
from soprovod.tickets.models import Attachment, Channel, Ticket, TicketMessage, TicketType
from soprovod.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

REFUSAL = "не удалось сохранить: на сервере закончилось место для файлов. Ничего не сохранено"
SMALL = b"reader offline\n" * 500  # 7.5 KB: fits the 64 KB disk
LARGE = b"\x89PNG" + os.urandom(1024 * 1024)  # 1 MB: does not


class _FillsUp:
    """File content whose disk is full after the first chunk."""

    def __init__(self, content):
        self.content = content

    def chunks(self, chunk_size=None):
        yield self.content.read(4096)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.content, name)


class FullDiskStorage(SafeFileSystemStorage):
    """Only where no file system can be mounted: files over 16 KB fill the disk up."""

    def _save(self, name, content):
        if content.size > 16 * 1024:
            content = _FillsUp(content)
        return super()._save(name, content)


@pytest.fixture(params=["tmpfs", "storage"])
def small_disk(request, settings, tmp_path):
    """MEDIA_ROOT on a 64 KB disk; yields the folder to look for leftover files in. Each
    test runs on a real tmpfs (skipped where mounting is not allowed) and on the storage
    that fills up, so both paths stay tested wherever the suite runs."""
    media = tmp_path / "media"
    media.mkdir()
    mounted = False
    if request.param == "tmpfs":
        mounted = (
            os.geteuid() == 0
            and subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(media)],
                capture_output=True,
            ).returncode
            == 0
        )
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root): the storage variant runs")
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
        }
    settings.MEDIA_ROOT = media
    try:
        yield media
    finally:
        if mounted:
            subprocess.run(["umount", str(media)], check=True)


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Ticket, TicketMessage, Attachment, AuditEvent, SlaClock)
    }


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def files():
    """A file that fits, then one that does not: the first must not stay behind."""
    return [
        SimpleUploadedFile("журнал.txt", SMALL, content_type="text/plain"),
        SimpleUploadedFile("фото.png", LARGE, content_type="image/png"),
    ]


@pytest.fixture
def ticket(companies):
    return actions.do_create_ticket(
        companies.client1,
        client=companies.a,
        contact=companies.contact_a,
        subject="Не открывается шлагбаум",
        body="Шлагбаум на въезде не реагирует на пропуск.",
        type=TicketType.STANDARD,
        channel=Channel.PORTAL,
        category=CategoryFactory(),
    )


def test_a_new_portal_ticket_with_a_file_is_refused_whole(client, companies, small_disk):
    before = counts()
    client.force_login(companies.client1)
    response = client.post(
        reverse("portal:create"),
        {
            "type": TicketType.STANDARD,
            "category": CategoryFactory().pk,
            "site": companies.site_a.pk,
            "subject": "Никто не может выехать",
            "body": "Шлагбаум на выезде закрыт.",
            "attachments": files(),
        },
    )
    assert response.status_code == 200  # the form again, with what was typed
    page = page_text(response)
    assert "«фото.png» " + REFUSAL in page
    assert "Никто не может выехать" in page
    assert counts() == before
    assert files_under(small_disk) == []


def test_a_portal_reply_with_a_file_is_refused_whole(client, companies, ticket, small_disk):
    before = counts()
    client.force_login(companies.client1)
    response = client.post(
        reverse("portal:reply", args=[ticket.number]),
        {"body": "Вот журнал и фото", "version": ticket.version, "attachments": files()},
    )
    assert response.status_code == 200
    assert "«фото.png» " + REFUSAL in page_text(response)
    assert counts() == before
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version
    assert files_under(small_disk) == []


def test_a_staff_reply_with_a_file_is_refused_whole(client, staff, ticket, small_disk):
    before = counts()
    client.force_login(staff.support)
    response = client.post(
        reverse("tickets:reply", args=[ticket.number]),
        {
            "body": "Перезагрузите контроллер",
            "kind": "public",
            "version": ticket.version,
            "take": "on",
            "attachments": files(),
        },
    )
    assert response.status_code == 200
    assert "«фото.png» " + REFUSAL in page_text(response)
    assert counts() == before
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.assignee_id, fresh.first_response_at) == (
        ticket.version,
        None,
        None,
    )
    assert files_under(small_disk) == []


def test_with_space_again_the_same_reply_is_saved(client, staff, ticket, small_disk):
    """The refusal leaves nothing that stands in the way of sending again."""
    client.force_login(staff.support)
    data = {"body": "Перезагрузите контроллер", "kind": "public", "version": ticket.version}
    refused = client.post(
        reverse("tickets:reply", args=[ticket.number]), {**data, "attachments": files()}
    )
    assert refused.status_code == 200
    small = SimpleUploadedFile("журнал.txt", SMALL, content_type="text/plain")
    saved = client.post(
        reverse("tickets:reply", args=[ticket.number]), {**data, "attachments": [small]}
    )
    assert saved.status_code == 302
    message = TicketMessage.objects.get(body="Перезагрузите контроллер")
    attachment = message.attachments.get()
    assert attachment.filename == "журнал.txt"
    assert files_under(small_disk) == [Path(attachment.file.path)]
    assert Path(attachment.file.path).read_bytes() == SMALL
