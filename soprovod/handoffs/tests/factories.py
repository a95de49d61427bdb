"""Hand-offs for tests: made through the real actions, complete unless told otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from soprovod.handoffs.actions import do_add_document, do_save_handoff
from soprovod.handoffs.models import Handoff

SITE = {
    "name": "БЦ «Северный»",
    "address": "г. Москва, ул. Лесная, д. 5",
    "timezone": "Europe/Moscow",
    "equipment": "2 турникета, 4 считывателя, 6 камер",
}


def complete_values(**overrides) -> dict:
    values = {
        "client_name": "ООО «Гамма»",
        "inn": "7707083893",
        "segment": "Бизнес-центр",
        "contract_number": "Д-2026/117",
        "contract_date": dt.date(2026, 10, 1),
        "tariff": "Бизнес",
        "mrr_rub": Decimal("45000.00"),
        "term_months": 12,
        "decision_maker_name": "Иванов Пётр",
        "decision_maker_phone": "+7 495 111-11-11",
        "technical_name": "Смирнов Олег",
        "technical_email": "it@gamma.test",
        "billing_name": "Козлова Анна",
        "billing_email": "buh@gamma.test",
        "modules": "Пропуска, Парковка",
        "integrations": "1С",
        "passes_or_users": 800,
        "promised_go_live": dt.date(2026, 11, 30),
    }
    values.update(overrides)
    return values


def make_handoff(sales, *, sites=None, documents: int = 1, **overrides) -> Handoff:
    """A draft hand-off of ``sales``, with one site and one document unless told."""
    handoff = do_save_handoff(
        sales, sites=[SITE] if sites is None else sites, **complete_values(**overrides)
    )
    for number in range(documents):
        do_add_document(
            sales,
            handoff,
            file=SimpleUploadedFile(f"contract{number}.pdf", b"%PDF-1.4 test"),
        )
    handoff.refresh_from_db()
    return handoff
