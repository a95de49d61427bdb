"""Two-factor authentication in Chromium on a 390 px phone screen: a support manager whose
role requires it signs in, is taken to enrolment, scans (reads) the QR code, confirms the
first code, sees the recovery codes once and reaches the queue; the next sign-in asks for a
code and takes a recovery code."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from soprovod.accounts.roles import Role
from soprovod.tests_browser.conftest import log_in, log_out
from soprovod.twofactor import actions
from soprovod.twofactor.queries import forget_policy

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def required(staff):
    forget_policy()
    actions.do_set_required_roles(staff.head, [Role.SUPPORT_MANAGER])
    yield
    forget_policy()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_required_role_enrols_and_signs_in_again_with_a_recovery_code(page, staff, required):
    page.set_viewport_size(PHONE)
    log_in(page, "support")
    assert "/security/two-factor/enrol/" in page.url
    assert page.locator("#qr svg").is_visible()
    assert page.locator("h1").inner_text() == "Двухфакторная аутентификация"
    assert fits_the_screen(page)

    device = TOTPDevice.objects.get(user=staff.support, confirmed=False)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("button[type=submit].btn")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{8}", c) for c in codes)
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.click("text=Я сохранил коды")
    page.goto("/tickets/")
    assert page.url.endswith("/tickets/")

    log_out(page)
    log_in(page, "support")
    assert "/security/two-factor/verify/" in page.url
    assert fits_the_screen(page)
    page.fill("input[name=code]", codes[0])
    with page.expect_navigation():
        page.click("button[type=submit].btn")
    assert "/security/" not in page.url
