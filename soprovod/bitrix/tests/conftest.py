import pytest
from django.utils import translation

from soprovod.bitrix.fake import FakeBitrix24

# Valid INNs (checksums right) for the fake portal's companies.
INN_A = "7707083893"
INN_B = "7736050003"
INN_C = "500100732259"  # 12 digits: a sole trader
BAD_INN = "7707083894"


@pytest.fixture(autouse=True)
def english(default_language):
    with translation.override("en"):
        yield


@pytest.fixture
def fake(settings):
    """A fake Bitrix24 portal on 127.0.0.1 and a free port, and Soprovod pointed at it."""
    with FakeBitrix24() as portal:
        settings.BITRIX24_WEBHOOK_URL = portal.url
        settings.BITRIX24_APP_TOKEN = portal.application_token
        settings.BITRIX24_CLIENT_ID_FIELD = ""
        settings.BITRIX24_HEALTH_FIELD = ""
        settings.BITRIX24_HANDOFF_OWNER = ""
        yield portal


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in
