"""The Telegram page: a client contact (portal) and a colleague get a one-time code,
a contact by email too; unlinking; who may open what."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from soprovod.telegram import actions
from soprovod.telegram.models import LinkCode, TelegramChat


def test_a_contact_gets_a_code_on_the_page(client, companies):
    client.force_login(companies.client1)
    page = client.get(reverse("telegram:home"))
    assert page.status_code == 200
    response = client.post(reverse("telegram:code"))
    assert response.status_code == 302
    page = client.get(reverse("telegram:home")).content.decode()
    code = LinkCode.objects.get(contact=companies.contact_a)
    shown = page.split('id="link-code" class="link-code">')[1].split("<")[0]
    assert actions.hash_code(shown) == code.code_hash
    # Shown once: a reload does not show it again.
    assert "link-code" not in client.get(reverse("telegram:home")).content.decode()


def test_a_contact_gets_the_code_by_email(client, companies, django_capture_on_commit_callbacks):
    client.force_login(companies.client1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("telegram:email_code"))
    message = mail.outbox[-1]
    assert message.to == [companies.contact_a.email]
    code = next(word for word in message.body.split() if actions.looks_like_code(word))
    assert actions.hash_code(code) == LinkCode.objects.get(contact=companies.contact_a).code_hash


def test_staff_mail_a_contact_a_code(client, staff, companies, django_capture_on_commit_callbacks):
    client.force_login(staff.support)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("telegram:contact_code"), {"email": companies.contact_b.email})
    assert mail.outbox[-1].to == [companies.contact_b.email]
    assert LinkCode.objects.filter(contact=companies.contact_b).exists()


def test_a_colleague_links_for_duty(client, staff):
    client.force_login(staff.engineer)
    client.post(reverse("telegram:code"))
    assert LinkCode.objects.filter(user=staff.engineer).exists()


def test_unlinking_from_the_page_only_ones_own_chat(client, companies):
    mine = TelegramChat.objects.create(chat_id=1, contact=companies.contact_a)
    theirs = TelegramChat.objects.create(chat_id=2, contact=companies.contact_b)
    client.force_login(companies.client1)
    assert client.post(reverse("telegram:unlink", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_linked
    assert client.post(reverse("telegram:unlink", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert not mine.is_linked


def test_who_may_open_the_page(client, staff, companies):
    for allowed in (staff.head, staff.support, staff.engineer, companies.client1):
        client.force_login(allowed)
        assert client.get(reverse("telegram:home")).status_code == 200
    for refused in (staff.sales, staff.dev, staff.ceo):
        client.force_login(refused)
        assert client.get(reverse("telegram:home")).status_code == 403
        assert client.post(reverse("telegram:code")).status_code == 403
    client.force_login(companies.client1)
    assert client.post(reverse("telegram:contact_code"), {"email": "x@y.ru"}).status_code == 403
    client.logout()
    assert client.get(reverse("telegram:home")).status_code == 302


def test_the_page_lists_linked_contacts_for_staff_only(client, staff, companies):
    TelegramChat.objects.create(chat_id=5, contact=companies.contact_b, username="beta_guard")
    client.force_login(staff.support)
    assert "beta_guard" in client.get(reverse("telegram:home")).content.decode()
    client.force_login(companies.client1)
    assert "beta_guard" not in client.get(reverse("telegram:home")).content.decode()
