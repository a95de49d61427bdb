"""Two-factor authentication: the head requires it per role; a person who needs it reaches
nothing but enrolment, confirmation and sign-out until they confirm a code; API tokens are
not affected; client contacts may opt in."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.urls import URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soprovod.accounts.models import ApiToken
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.twofactor import actions, queries
from soprovod.twofactor.middleware import OPEN_URL_NAMES

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def require_roles(actor, *roles):
    actions.do_set_required_roles(actor, list(roles))


def enrol(client, user, clock) -> list[str]:
    """Go through the enrolment pages as ``user``; return the recovery codes shown."""
    page = client.get("/security/two-factor/enrol/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    answer = client.post("/security/two-factor/enrol/", {"code": code_for(device), "next": "/"})
    assert answer.status_code == 200
    clock.shift(dt.timedelta(seconds=31))  # a code is accepted once; move to the next one
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", answer.content.decode())


def sign_in_again(client, user):
    client.logout()
    client.force_login(user)


# ---- the policy -----------------------------------------------------------------------------


def test_the_head_requires_roles_on_the_security_page_and_it_is_audited(client, staff):
    client.force_login(staff.head)
    page = client.get("/security/")
    assert page.status_code == 200
    assert "Двухфакторная аутентификация" in page.content.decode()

    answer = client.post(
        "/security/", {"roles": [Role.SUPPORT_MANAGER, Role.SENIOR_ENGINEER], "version": 0}
    )
    assert answer.status_code == 302
    assert queries.policy().required_roles == [Role.SENIOR_ENGINEER, Role.SUPPORT_MANAGER]
    event = AuditEvent.objects.latest("id")
    assert (event.actor, event.action) == (staff.head, "updated")
    assert event.changes == {
        "required_roles": ["—", "Старший инженер, Менеджер технической поддержки"]
    }


def test_a_stale_policy_form_is_refused_and_changes_nothing(client, staff):
    require_roles(staff.head, Role.SALES)
    client.force_login(staff.head)
    answer = client.post("/security/", {"roles": [Role.CEO], "version": 0})
    assert answer.status_code == 200
    assert "изменил" in answer.content.decode()
    assert queries.policy().required_roles == [Role.SALES]


def test_client_contacts_cannot_be_required(staff):
    policy = actions.do_set_required_roles(staff.head, [Role.CLIENT_CONTACT, Role.SALES])
    assert policy.required_roles == [Role.SALES]


def test_only_the_head_opens_the_security_page(client, staff, companies):
    for user, status in ((staff.csm, 403), (staff.ceo, 403), (companies.client1, 403)):
        client.force_login(user)
        assert client.get("/security/").status_code == status, user
        assert client.post("/security/", {"roles": [], "version": 0}).status_code == status
    assert queries.policy().required_roles == []


def test_the_menu_shows_security_to_the_head_only(client, staff):
    client.force_login(staff.head)
    assert 'href="/security/"' in client.get("/").content.decode()
    client.force_login(staff.csm)
    assert 'href="/security/"' not in client.get("/").content.decode()


# ---- denials before the second factor ------------------------------------------------------


def test_a_required_role_reaches_no_page_before_enrolling(client, staff, companies):
    require_roles(staff.head, Role.SUPPORT_MANAGER)
    client.force_login(staff.support)
    for path in ("/", "/tickets/", f"/clients/{companies.a.pk}/", "/accounts/profile/", "/admin/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer["Location"].startswith("/security/two-factor/enrol/?next="), path
    answer = client.post("/security/two-factor/off/")
    assert answer["Location"] == "/security/two-factor/enrol/"
    answer = client.get("/tickets/", HTTP_HX_REQUEST="true")
    assert (answer.status_code, answer["HX-Redirect"]) == (
        204,
        "/security/two-factor/enrol/?next=%2Ftickets%2F",
    )
    # What remains open: enrolment, sign-out, the health check, static files.
    assert client.get("/security/two-factor/enrol/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/static/soprovod/app.css").status_code in (200, 404)
    assert client.post("/accounts/logout/").status_code == 302


def _every_route(patterns=None, prefix="/"):
    """A sample path for every route of the URL configuration (converters filled in)."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # the admin's regular expressions; the admin index is a route
        route = re.sub(r"<(?:int:)\w+>", "1", str(entry.pattern))
        route = re.sub(r"<(?:uuid:)\w+>", "00000000-0000-0000-0000-000000000001", route)
        route = re.sub(r"<(?:\w+:)?\w+>", "x", route)
        if isinstance(entry, URLResolver):
            yield from _every_route(entry.url_patterns, prefix + route)
        else:
            yield prefix + route


def test_every_page_and_api_route_is_closed_before_the_second_factor(client, staff):
    require_roles(staff.head, Role.HEAD)
    client.force_login(staff.head)
    checked = 0
    for path in sorted(set(_every_route())):
        if resolve(path).view_name in OPEN_URL_NAMES:
            continue
        answer = client.get(path)
        if path.startswith("/api/"):
            assert answer.status_code == 403, path
        else:
            assert answer.status_code == 302, path
            assert answer["Location"].startswith("/security/two-factor/enrol/?next="), path
        checked += 1
    assert checked > 60


def test_a_required_role_makes_no_session_api_call_before_the_second_factor(client, staff):
    require_roles(staff.head, Role.HEAD)
    client.force_login(staff.head)
    answer = client.get("/api/v1/tickets")
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Сначала подтвердите второй фактор входа в аккаунт."}
    assert client.post("/api/v1/tickets", {}, content_type="application/json").status_code == 403


def test_api_tokens_are_not_affected(client, staff):
    require_roles(staff.head, Role.HEAD)
    _token, raw = ApiToken.issue(staff.head, "скрипт")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/tickets", **auth).status_code == 200
    # Even alongside an unconfirmed session of the same person.
    client.force_login(staff.head)
    assert client.get("/api/v1/tickets", **auth).status_code == 200
    assert client.get("/api/v1/tickets").status_code == 403
    # A wrong token is refused as before, the session does not stand in for it.
    bad = {"HTTP_AUTHORIZATION": "Bearer wrong"}
    assert client.get("/api/v1/tickets", **bad).status_code == 401


def test_roles_not_required_and_not_enrolled_work_as_before(client, staff):
    require_roles(staff.head, Role.SALES)
    client.force_login(staff.csm)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200


def test_checking_costs_no_query_once_the_policy_is_cached(rf, staff, django_assert_num_queries):
    require_roles(staff.head, Role.SALES)
    request = rf.get("/")
    request.user = staff.csm
    request.user.is_verified = lambda: False
    request.session = SessionStore()
    staff.csm.role_codes  # read once per request by the menu anyway  # noqa: B018
    queries.required_roles()
    with django_assert_num_queries(0):
        assert queries.second_factor_pending(request) is False


# ---- enrolment and confirmation ------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_recovery_codes_once_then_opens_the_pages(
    client, staff, clock
):
    require_roles(staff.head, Role.SUPPORT_MANAGER)
    client.force_login(staff.support)
    page = client.get("/security/two-factor/enrol/?next=/tickets/").content.decode()
    assert "<svg" in page and 'id="secret"' in page
    device = TOTPDevice.objects.get(user=staff.support, confirmed=False)
    assert "otpauth://totp/Soprovod%3Asupport?" in device.config_url

    wrong = client.post("/security/two-factor/enrol/", {"code": "000000"})
    assert "неверен" in wrong.content.decode()
    assert client.get("/tickets/").status_code == 302

    clock.shift(dt.timedelta(seconds=5))  # past the throttle of the wrong code
    answer = client.post(
        "/security/two-factor/enrol/", {"code": code_for(device), "next": "/tickets/"}
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", answer.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=staff.support).values_list("token", flat=True)
    )
    assert client.get("/tickets/").status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200
    event = AuditEvent.objects.filter(object_id=str(staff.support.pk)).latest("id")
    assert (event.actor, event.changes) == (staff.support, {"two_factor": ["off", "on"]})
    # The codes are not shown again.
    assert "<code>" not in client.get("/security/two-factor/").content.decode()


def test_the_next_sign_in_asks_for_a_code_and_refuses_a_wrong_one(client, staff, clock):
    require_roles(staff.head, Role.SUPPORT_MANAGER)
    client.force_login(staff.support)
    enrol(client, staff.support, clock)
    sign_in_again(client, staff.support)

    answer = client.get("/tickets/")
    assert answer["Location"] == "/security/two-factor/verify/?next=%2Ftickets%2F"
    assert client.get("/api/v1/tickets").status_code == 403
    page = client.post("/security/two-factor/verify/", {"code": "123456", "next": "/tickets/"})
    assert page.status_code == 200 and "неверен" in page.content.decode()
    assert client.get("/tickets/").status_code == 302

    clock.shift(dt.timedelta(seconds=31))
    device = TOTPDevice.objects.get(user=staff.support)
    answer = client.post(
        "/security/two-factor/verify/", {"code": code_for(device), "next": "/tickets/"}
    )
    assert answer["Location"] == "/tickets/"
    assert client.get("/tickets/").status_code == 200


def test_a_recovery_code_works_once(client, staff, clock):
    client.force_login(staff.support)
    codes = enrol(client, staff.support, clock)
    sign_in_again(client, staff.support)
    answer = client.post("/security/two-factor/verify/", {"code": codes[3].upper(), "next": "/"})
    assert answer["Location"] == "/"
    assert queries.recovery_codes_left(staff.support) == 9

    sign_in_again(client, staff.support)
    clock.shift(dt.timedelta(seconds=10))
    client.post("/security/two-factor/verify/", {"code": codes[3]})
    assert client.get("/").status_code == 302


def test_a_foreign_next_is_not_followed(client, staff, clock):
    client.force_login(staff.support)
    enrol(client, staff.support, clock)
    sign_in_again(client, staff.support)
    device = TOTPDevice.objects.get(user=staff.support)
    answer = client.post(
        "/security/two-factor/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert answer["Location"] == "/"


# ---- opting in, turning off, the head's reset ---------------------------------------------


def test_a_client_contact_opts_in_and_is_then_asked_for_a_code(client, companies, clock):
    client.force_login(companies.client1)
    assert client.get("/portal/").status_code == 200
    assert "Выключена" in client.get("/security/two-factor/").content.decode()
    enrol(client, companies.client1, clock)
    sign_in_again(client, companies.client1)
    assert client.get("/portal/")["Location"].startswith("/security/two-factor/verify/")
    device = TOTPDevice.objects.get(user=companies.client1)
    client.post("/security/two-factor/verify/", {"code": code_for(device)})
    assert client.get("/portal/").status_code == 200


def test_turning_off_is_refused_while_a_role_requires_it(client, staff, clock):
    client.force_login(staff.csm)
    enrol(client, staff.csm, clock)
    require_roles(staff.head, Role.SUCCESS_MANAGER)
    client.post("/security/two-factor/off/")
    assert queries.has_second_factor(staff.csm)

    require_roles(staff.head)
    client.post("/security/two-factor/off/")
    assert not queries.has_second_factor(staff.csm)
    assert not StaticToken.objects.filter(device__user=staff.csm).exists()
    sign_in_again(client, staff.csm)
    assert client.get("/").status_code == 200


def test_the_head_resets_a_lost_second_factor(client, staff, clock):
    require_roles(staff.head, Role.SUCCESS_MANAGER)
    csm = client
    csm.force_login(staff.csm)
    enrol(csm, staff.csm, clock)
    assert csm.get("/").status_code == 200

    from django.test import Client

    head = Client()
    head.force_login(staff.head)
    page = head.get("/security/").content.decode()
    assert f"/security/people/{staff.csm.pk}/reset/" in page
    assert head.post(f"/security/people/{staff.csm.pk}/reset/").status_code == 302
    assert not queries.has_second_factor(staff.csm)
    event = AuditEvent.objects.filter(object_id=str(staff.csm.pk)).latest("id")
    assert (event.actor, event.changes, event.reason) == (
        staff.head,
        {"two_factor": ["on", "off"]},
        "сброшено руководителем",
    )
    # The session confirmed with the removed device is confirmed no more: enrol again.
    assert csm.get("/")["Location"].startswith("/security/two-factor/")
    assert csm.get("/security/two-factor/verify/")["Location"].startswith(
        "/security/two-factor/enrol/"
    )


def test_only_the_head_resets(client, staff, clock):
    client.force_login(staff.csm)
    enrol(client, staff.csm, clock)
    client.force_login(staff.support)
    assert client.post(f"/security/people/{staff.csm.pk}/reset/").status_code == 403
    assert queries.has_second_factor(staff.csm)


def test_the_security_page_lists_staff_in_a_fixed_number_of_queries(
    client, staff, companies, django_assert_max_num_queries
):
    client.force_login(staff.head)
    client.get("/security/")
    with django_assert_max_num_queries(12):
        page = client.get("/security/").content.decode()
    assert str(staff.csm2) in page
    assert str(companies.client1) not in page
