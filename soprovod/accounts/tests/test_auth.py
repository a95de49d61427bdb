import re

import pytest
from django.core import mail
from django.urls import reverse

from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_speaks_russian_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Вход в Сопровод" in response.content.decode()
    assert '<html lang="ru">' in response.content.decode()


def test_language_switch_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert "Sign in to Soprovod" in response.content.decode()


def test_login_with_password_and_logout(client):
    UserFactory(username="support", roles=[Role.SUPPORT_MANAGER])
    response = client.post(
        "/accounts/login/", {"username": "support", "password": "secret-pass-42"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, settings):
    UserFactory(username="head", roles=[Role.HEAD])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "head", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "head", "password": "secret-pass-42"})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.content.decode()
    assert client.get("/").status_code == 302  # still not signed in


def test_failures_below_the_limit_do_not_lock(client, settings):
    UserFactory(username="head", roles=[Role.HEAD])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "head", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "head", "password": "secret-pass-42"})
    assert response.status_code == 302


def test_password_reset_by_email(client):
    user = UserFactory(username="csm", email="csm@example.test", roles=[Role.SUCCESS_MANAGER])
    response = client.post(reverse("accounts:password_reset"), {"email": "csm@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Сопровод" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Novyi-parol-2026!", "new_password2": "Novyi-parol-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Novyi-parol-2026!")


def test_password_reset_for_unknown_email_sends_nothing(client):
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert mail.outbox == []


def test_production_hasher_is_argon2():
    from soprovod import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_api_token_shown_once_and_revocable(client):
    user = UserFactory(username="head", roles=[Role.HEAD])
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"name": "Выгрузка"})
    token = re.search(r'<code id="new-token">(spv_[^<]+)</code>', response.content.decode()).group(
        1
    )
    assert user.api_tokens.get().hint == token[:8]
    assert token not in client.get(reverse("accounts:profile")).content.decode()
    other = UserFactory(username="other", roles=[Role.HEAD])
    client.force_login(other)
    assert (
        client.post(reverse("accounts:revoke_token", args=[user.api_tokens.get().pk])).status_code
        == 404
    )
    client.force_login(user)
    client.post(reverse("accounts:revoke_token", args=[user.api_tokens.get().pk]))
    assert not user.api_tokens.active().exists()
