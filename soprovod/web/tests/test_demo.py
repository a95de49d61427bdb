"""Demo data: a login per role with password «demo», a believable portfolio, the same data
for the same seed, and a second run that adds nothing."""

import datetime
import random
import zoneinfo
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from soprovod.accounts.models import User
from soprovod.audit.models import AuditEvent
from soprovod.clients.models import (
    Client,
    ClientStatus,
    ClientStatusChange,
    Contact,
    MrrReason,
    Site,
)
from soprovod.core.testing import built_once
from soprovod.lib.inn import is_valid_inn
from soprovod.lib.periods import months_before
from soprovod.web import demo
from soprovod.web.demo import build_demo

TODAY = datetime.date(2026, 11, 25)
ROLES = {
    "head": "head",
    "support": "support_manager",
    "csm": "success_manager",
    "implementation": "implementation_manager",
    "engineer": "senior_engineer",
    "sales": "sales",
    "dev": "development",
    "ceo": "ceo",
    "client1": "client_contact",
    "client2": "client_contact",
}


@pytest.fixture(scope="class")
def built_small_demo(django_db_setup, django_db_blocker):
    """The 20-client demo, built once for the read-only tests of TestTheSmallDemo (built
    per test it cost ~5 s each; soprovod.core.testing)."""
    with built_once(django_db_blocker):
        yield build_demo(clients=20, months=1, seed=42, today=TODAY)


@pytest.fixture
def small_demo(built_small_demo, db):
    return built_small_demo


class TestTheSmallDemo:
    def test_every_role_has_a_login_with_password_demo(self, small_demo):
        for username, role in ROLES.items():
            user = User.objects.get(username=username)
            assert user.role_codes == {role}, username
            assert user.check_password("demo"), username
            assert user.get_full_name(), username

    def test_department_has_colleagues_besides_the_role_logins(self, small_demo):
        managers = User.objects.filter(role_rows__role="success_manager")
        support = User.objects.filter(role_rows__role="support_manager")

        assert managers.count() >= 3
        assert support.count() >= 3

    def test_client_logins_are_contacts_of_two_different_current_companies(self, small_demo):
        one = Contact.objects.get(user__username="client1")
        two = Contact.objects.get(user__username="client2")

        assert one.client != two.client
        assert one.client.status != ClientStatus.CHURNED
        assert two.client.status != ClientStatus.CHURNED
        assert one.user.email == one.email

    def test_clients_are_valid_and_believable(self, small_demo):
        clients = list(Client.objects.all())

        assert len(clients) == 20
        for client in clients:
            client.full_clean()
            assert is_valid_inn(client.inn)
            assert client.success_manager.has_role("success_manager")
            assert client.sold_by.has_role("sales")
            assert 5_000 <= client.mrr_rub <= 300_000
            assert TODAY - datetime.timedelta(days=4 * 366) <= client.contract_start <= TODAY
            assert 1 <= client.sites.count() <= 4
            assert 1 <= client.contacts.count() <= 3
        assert len({client.inn for client in clients}) == 20
        assert len({client.name for client in clients}) == 20

    def test_sites_have_addresses_and_real_time_zones(self, small_demo):
        for site in Site.objects.all():
            site.full_clean()
            zoneinfo.ZoneInfo(site.timezone)
            assert site.address.startswith("г. ")
            assert site.equipment_notes

    def test_demo_emails_cannot_reach_anyone(self, small_demo):
        emails = [*Contact.objects.values_list("email", flat=True)]
        emails += User.objects.values_list("email", flat=True)

        assert all(email.endswith(".example") for email in emails)

    def test_mrr_history_starts_at_the_contract_and_ends_at_todays_mrr(self, small_demo):
        reasons = set()
        for client in Client.objects.prefetch_related("mrr_history"):
            history = sorted(client.mrr_history.all(), key=lambda change: change.effective_on)
            assert history[0].effective_on == client.contract_start
            assert history[0].reason == MrrReason.NEW
            assert history[-1].mrr_rub == client.mrr_rub
            assert all(change.effective_on <= TODAY and change.mrr_rub > 0 for change in history)
            reasons |= {change.reason for change in history}
        assert {MrrReason.PRICE, MrrReason.UPSELL} <= reasons

    def test_survey_campaigns_have_answers_detractor_tasks_and_internal_answers(self, small_demo):
        from soprovod.surveys.models import DetractorTask, NpsCampaign, SurveyLink, SurveyResponse

        campaign = NpsCampaign.objects.get(name="NPS: декабрьский опрос")
        assert campaign.links.exists()
        answered = SurveyLink.objects.filter(response__isnull=False)
        assert answered.exists()
        assert all(link.used_at == link.response.answered_at for link in answered)
        for task in DetractorTask.objects.select_related("response"):
            assert task.response.score <= 6 and task.due_at > task.created_at
        assert SurveyResponse.objects.filter(kind="internal").exists()

    def test_creation_is_in_the_audit_trail(self, small_demo):
        client = Client.objects.first()
        created = AuditEvent.objects.get(
            content_type__model="client", object_id=str(client.pk), action=AuditEvent.Action.CREATED
        )

        assert created.at == client.created_at
        assert created.changes["name"] == [None, client.name]
        site_events = AuditEvent.objects.filter(
            content_type__model="site", parent_id=str(client.pk)
        )
        assert site_events.count() == client.sites.count()


def test_status_history_is_dated_in_the_past_and_ends_in_the_status(db):
    build_demo(clients=200, months=6, seed=7, today=TODAY)
    window_start = months_before(TODAY, 6)

    churned = Client.objects.filter(status=ClientStatus.CHURNED)
    assert churned.exists()
    for client in Client.objects.prefetch_related("status_history"):
        history = sorted(client.status_history.all(), key=lambda c: (c.effective_on, c.id))
        assert history[0].status == ClientStatus.ONBOARDING
        assert history[0].effective_on == client.contract_start
        assert history[-1].status == client.status
        assert all(change.effective_on <= TODAY for change in history)
    for client in churned:
        assert window_start <= client.churned_at < TODAY
        assert client.status_history.filter(status=ClientStatus.ACTIVE).exists()


class _Rollback(Exception):
    pass


def demo_data(seed: int) -> list[tuple]:
    """The demo's clients and contacts for ``seed``, leaving the database as it was."""
    try:
        with transaction.atomic():
            build_demo(clients=20, months=1, seed=seed, today=TODAY)
            clients = Client.objects.order_by("external_id").values_list(
                "external_id", "name", "inn", "tariff", "mrr_rub", "status", "contract_start"
            )
            contacts = Contact.objects.order_by("client__external_id", "id").values_list(
                "full_name", "email"
            )
            history = ClientStatusChange.objects.order_by(
                "client__external_id", "effective_on", "id"
            ).values_list("status", "effective_on")
            raise _Rollback([*clients, *contacts, *history])
    except _Rollback as rollback:
        return rollback.args[0]


def test_same_seed_gives_the_same_data(db):
    first = demo_data(seed=42)
    second = demo_data(seed=42)
    other = demo_data(seed=43)

    assert first == second
    assert first != other


def test_command_does_not_load_twice(db):
    out = StringIO()
    call_command("demo", clients=20, months=1, force=True, stdout=out)
    counts = (User.objects.count(), Client.objects.count(), AuditEvent.objects.count())

    again = StringIO()
    call_command("demo", clients=20, months=1, force=True, stdout=again)

    assert "Demo data loaded." in out.getvalue()
    assert "Demo data is already loaded." in again.getvalue()
    assert (User.objects.count(), Client.objects.count(), AuditEvent.objects.count()) == counts


def test_command_prints_the_logins(db):
    out = StringIO()
    call_command("demo", clients=20, months=1, force=True, stdout=out)

    table = out.getvalue().split("Demo logins (password: demo):", 1)[1]
    for username in ROLES:
        assert f"\n{username} " in table
    client1 = Contact.objects.get(user__username="client1").client
    assert client1.name in table


def test_if_empty_leaves_a_database_with_data_alone(db):
    User.objects.create_user("admin", password="x" * 12)
    out = StringIO()

    call_command("demo", clients=20, months=1, if_empty=True, force=True, stdout=out)

    assert "demo data was not loaded" in out.getvalue()
    assert not Client.objects.exists()
    assert not User.objects.filter(username="head").exists()


SEEN_BY_STEP: dict = {}


def step_for_test(ctx):
    SEEN_BY_STEP.update(
        clients=len(ctx.clients),
        first_random=ctx.rng.random(),
        support=[user.username for user in ctx.users_with_role("support_manager")],
    )


def test_a_later_part_plugs_in_as_a_step(db, monkeypatch):
    monkeypatch.setattr(
        demo, "DEMO_STEPS", [*demo.DEMO_STEPS, ("count", f"{__name__}.step_for_test")]
    )

    build_demo(clients=20, months=1, seed=1, today=TODAY)

    assert SEEN_BY_STEP["clients"] == 20
    assert SEEN_BY_STEP["support"] == ["support", "support2", "support3"]
    # Each step's random numbers depend only on the seed and its name.
    assert SEEN_BY_STEP["first_random"] == random.Random("1:count").random()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 11, 25), 12, datetime.date(2025, 11, 25)),
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 1, 15), 1, datetime.date(2025, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_command_refuses_production_without_force(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", clients=20, months=1, stdout=StringIO())
    assert not User.objects.exists()
