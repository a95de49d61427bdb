"""Shared fixtures: a department with one user per role, and two client companies with a
portal contact each, so every permission test has an owner, a colleague and an outsider."""

from types import SimpleNamespace

import pytest

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.clients.tests.factories import ClientFactory, ContactFactory, SiteFactory


@pytest.fixture
def staff(db):
    """One user per staff role, plus a second success manager (a colleague)."""
    return SimpleNamespace(
        head=UserFactory(username="head", roles=[Role.HEAD]),
        support=UserFactory(username="support", roles=[Role.SUPPORT_MANAGER]),
        csm=UserFactory(username="csm", roles=[Role.SUCCESS_MANAGER]),
        csm2=UserFactory(username="csm2", roles=[Role.SUCCESS_MANAGER]),
        implementation=UserFactory(username="implementation", roles=[Role.IMPLEMENTATION_MANAGER]),
        engineer=UserFactory(username="engineer", roles=[Role.SENIOR_ENGINEER]),
        sales=UserFactory(username="sales", roles=[Role.SALES]),
        sales2=UserFactory(username="sales2", roles=[Role.SALES]),
        dev=UserFactory(username="dev", roles=[Role.DEVELOPMENT]),
        ceo=UserFactory(username="ceo", roles=[Role.CEO]),
    )


@pytest.fixture
def companies(staff):
    """Two client companies: A (managed by csm, sold by sales) and B (csm2, sales2), each
    with a site and a contact who has a portal login (client1 at A, client2 at B)."""
    a = ClientFactory(name="ООО «Альфа»", success_manager=staff.csm, sold_by=staff.sales)
    b = ClientFactory(name="АО «Бета»", success_manager=staff.csm2, sold_by=staff.sales2)
    client1 = UserFactory(username="client1", roles=[Role.CLIENT_CONTACT])
    client2 = UserFactory(username="client2", roles=[Role.CLIENT_CONTACT])
    return SimpleNamespace(
        a=a,
        b=b,
        site_a=SiteFactory(client=a),
        site_b=SiteFactory(client=b),
        contact_a=ContactFactory(client=a, user=client1, is_primary=True),
        contact_b=ContactFactory(client=b, user=client2, is_primary=True),
        client1=client1,
        client2=client2,
    )


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the interface's default language (Russian): a request made by an
    earlier test leaves its language active in the thread otherwise."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def sla_defaults_after_flush(request):
    """A transactional test's flush removes what data migrations made (the default SLA policy
    and the Russian calendar); put them back before each transactional test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        from django.apps import apps

        from soprovod.projects.defaults import install_default_templates
        from soprovod.sla.defaults import install_defaults

        request.getfixturevalue("transactional_db")
        install_defaults(apps)
        install_default_templates(apps)
