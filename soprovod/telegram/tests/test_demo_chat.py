from __future__ import annotations

import pytest
from django.core.management import call_command

from soprovod.tickets.models import Channel, Ticket


@pytest.mark.django_db(transaction=True)
def test_the_demo_conversation_plays_against_the_local_fake(companies, staff, capsys):
    call_command("telegram", "demo")
    out = capsys.readouterr().out
    ticket = Ticket.objects.get(channel=Channel.TELEGRAM)
    assert ticket.contact == companies.contact_a
    assert ticket.csat_score == 5
    assert "Перезапустите контроллер" in out  # the colleague's answer reached the chat
    assert "привяжите" in out.lower()  # the unknown chat got instructions first
    assert ticket.messages.filter(from_staff=False).count() == 1
