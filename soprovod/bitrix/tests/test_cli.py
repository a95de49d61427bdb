"""``soprovod bitrix sync [--since DATE] [--dry-run]``."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils.timezone import localtime

from soprovod.bitrix.models import SyncRun
from soprovod.bitrix.tests.conftest import BAD_INN, INN_A, INN_B
from soprovod.clients.models import Client

pytestmark = pytest.mark.django_db


def sync(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("bitrix", "sync", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_dry_run_prints_what_would_change_and_writes_nothing(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    fake.add_company("Опечатка", BAD_INN)
    out = sync("--dry-run")
    assert "+ new client «ООО «Альфа»», INN 7707083893 (company 1)" in out
    assert "! to the review list: company 2" in out
    assert "dry run: nothing was written" in out
    assert not Client.objects.exists() and not SyncRun.objects.exists()


def test_sync_writes_and_summarises(fake, staff):
    fake.add_company("ООО «Альфа»", INN_A)
    out = sync("--user", "head")
    assert "clients created 1" in out
    assert SyncRun.objects.get().started_by == staff.head


def test_since_takes_a_date(fake):
    fake.add_company("Старая", INN_A, DATE_MODIFY="2025-01-10T10:00:00+03:00")
    fake.add_company("Новая", INN_B, DATE_MODIFY="2026-11-10T10:00:00+03:00")
    sync("--since", "2026-11-01")
    assert list(Client.objects.values_list("name", flat=True)) == ["Новая"]
    assert localtime(SyncRun.objects.get().since).isoformat() == "2026-11-01T00:00:00+03:00"


def test_refusals(fake, settings):
    with pytest.raises(CommandError, match="not a date"):
        sync("--since", "yesterday")
    with pytest.raises(CommandError, match="no active user"):
        sync("--user", "nobody")
    settings.BITRIX24_WEBHOOK_URL = ""
    with pytest.raises(CommandError, match="not configured"):
        sync()


def test_a_failed_run_exits_with_an_error(fake):
    fake.add_company("ООО «Альфа»", INN_A)
    fake.fail("html", "crm.company.list")
    with pytest.raises(CommandError, match="run it again to carry on"):
        sync()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_a_progress_bar(fake):
    for n, inn in enumerate((INN_A, INN_B)):
        fake.add_company(f"Компания {n}", inn)
    err = Terminal()
    call_command("bitrix", "sync", stdout=io.StringIO(), stderr=err)
    assert "2/2" in err.getvalue() and "company" in err.getvalue()
