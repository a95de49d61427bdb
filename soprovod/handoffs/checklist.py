"""The hand-off checklist (issue 10): its items, what each requires, and what is missing.

Support returns a hand-off with a reason per *item*; a submission is refused naming each
missing *field*. One list serves the form, the page, the return form and the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from soprovod.clients.models import validate_inn_field


@dataclass(frozen=True)
class Item:
    key: str
    label: str


ITEMS = (
    Item("client", _("Client")),
    Item("contract", _("Contract: number, date, tariff, MRR, term")),
    Item("decision_maker", _("Decision maker")),
    Item("technical", _("Technical contact")),
    Item("billing", _("Billing contact")),
    Item("sites", _("Sites: address, time zone, equipment")),
    Item("scope", _("What was sold: modules, integrations, passes or users")),
    Item("promises", _("Promised dates and special terms")),
    Item("documents", _("Attached documents")),
)
ITEM_KEYS = tuple(item.key for item in ITEMS)
ITEM_LABELS = {item.key: item.label for item in ITEMS}

# (checklist item, field, label) of each required field of the hand-off itself.
REQUIRED_FIELDS = (
    ("contract", "contract_number", _("contract number")),
    ("contract", "contract_date", _("contract date")),
    ("contract", "tariff", _("tariff")),
    ("contract", "mrr_rub", _("MRR")),
    ("contract", "term_months", _("contract term")),
    ("decision_maker", "decision_maker_name", _("decision maker's name")),
    ("technical", "technical_name", _("technical contact's name")),
    ("billing", "billing_name", _("billing contact's name")),
    ("scope", "modules", _("modules sold")),
    ("scope", "passes_or_users", _("number of passes or users")),
)
CONTACTS = (
    ("decision_maker", _("decision maker's phone or email")),
    ("technical", _("technical contact's phone or email")),
    ("billing", _("billing contact's phone or email")),
)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing(handoff, sites: list, document_count: int) -> list[tuple[str, str]]:
    """Every required item the hand-off lacks, as (checklist item, what is missing), in
    checklist order. ``sites`` are the hand-off's sites (objects with ``name``,
    ``address``, ``timezone``, ``equipment``)."""
    found: list[tuple[str, str]] = []
    if handoff.client_id is None:
        if _blank(handoff.client_name):
            found.append(("client", str(_("client name"))))
        if _blank(handoff.inn):
            found.append(("client", str(_("INN"))))
        else:
            try:
                validate_inn_field(handoff.inn)
            except Exception:  # noqa: BLE001 - any refusal of the INN is "a valid INN"
                found.append(("client", str(_("a valid INN"))))
    for item, field, label in REQUIRED_FIELDS:
        if _blank(getattr(handoff, field)):
            found.append((item, str(label)))
    for prefix, label in CONTACTS:
        if _blank(getattr(handoff, f"{prefix}_phone")) and _blank(
            getattr(handoff, f"{prefix}_email")
        ):
            found.append((prefix, str(label)))
    if not sites:
        found.append(("sites", str(_("at least one site"))))
    for site in sites:
        for field, label in (
            ("address", _("address of site «%(site)s»")),
            ("timezone", _("time zone of site «%(site)s»")),
            ("equipment", _("equipment of site «%(site)s»")),
        ):
            if _blank(getattr(site, field)):
                found.append(("sites", str(label) % {"site": site.name}))
    if not document_count:
        found.append(("documents", str(_("at least one document (the signed contract)"))))
    order = {key: i for i, key in enumerate(ITEM_KEYS)}
    return sorted(found, key=lambda pair: order[pair[0]])


def snapshot(handoff, sites: list, documents: list) -> dict:
    """The checklist as submitted (what a round was about), for the history."""
    return {
        "client": handoff.client.name if handoff.client_id else handoff.client_name,
        "inn": handoff.client.inn if handoff.client_id else handoff.inn,
        "contract": f"№ {handoff.contract_number} · {handoff.contract_date} · {handoff.tariff}"
        f" · {handoff.mrr_rub} ₽ · {handoff.term_months}",
        "decision_maker": _contact(handoff, "decision_maker"),
        "technical": _contact(handoff, "technical"),
        "billing": _contact(handoff, "billing"),
        "sites": [f"{s.name}: {s.address} ({s.timezone}); {s.equipment}" for s in sites],
        "scope": f"{handoff.modules} / {handoff.integrations} / {handoff.passes_or_users}",
        "promises": f"{handoff.promised_go_live or ''} {handoff.promised_dates} "
        f"{handoff.special_terms}".strip(),
        "documents": [d.name for d in documents],
    }


def _contact(handoff, prefix: str) -> str:
    parts = [getattr(handoff, f"{prefix}_{field}") for field in ("name", "phone", "email")]
    return ", ".join(p for p in parts if p)
