import datetime as dt

import pytest

from soprovod.accounts.actions import do_record_absence
from soprovod.accounts.permissions import can_agree_handoffs
from soprovod.audit.models import AuditEvent
from soprovod.clients.models import Client, ClientStatus, Contact, Site
from soprovod.core.models import Notification
from soprovod.handoffs.actions import (
    HandoffError,
    do_accept_handoff,
    do_check_clocks,
    do_return_handoff,
    do_save_handoff,
    do_submit_handoff,
)
from soprovod.handoffs.models import HandoffStatus, RoundOutcome
from soprovod.handoffs.permissions import can_answer_handoff
from soprovod.handoffs.tests.conftest import msk
from soprovod.handoffs.tests.factories import make_handoff
from soprovod.projects.actions import do_complete_task, do_go_live
from soprovod.projects.models import Project, ProjectTemplate
from soprovod.tickets.models import Escalation


def test_submission_names_every_missing_item(staff, friday):
    handoff = make_handoff(
        staff.sales,
        documents=0,
        contract_number="",
        mrr_rub=None,
        billing_phone="",
        billing_email="",
        sites=[{"name": "Склад", "address": "", "timezone": "Europe/Moscow", "equipment": ""}],
    )
    with pytest.raises(HandoffError) as refused:
        do_submit_handoff(staff.sales, handoff)
    assert refused.value.messages == [
        "Договор: номер, дата, тариф, MRR, срок: не указано: номер договора.",
        "Договор: номер, дата, тариф, MRR, срок: не указано: MRR.",
        "Контакт по оплате: не указано: телефон или email контакта по оплате.",
        "Объекты: адрес, часовой пояс, оборудование: не указано: адрес объекта «Склад».",
        "Объекты: адрес, часовой пояс, оборудование: не указано: оборудование объекта «Склад».",
        "Приложенные документы: не указано: хотя бы один документ (подписанный договор).",
    ]
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DRAFT
    assert not handoff.rounds.exists()


def test_clock_is_24_calendar_hours_by_default(staff, friday):
    agreement = do_submit_handoff(staff.sales, make_handoff(staff.sales))
    assert agreement.calendar is None
    assert agreement.due_at == msk(2026, 10, 17, 16, 0)  # Saturday: calendar time
    assert agreement.warn_at == msk(2026, 10, 17, 11, 12)  # 80 % = 19 h 12 min


def test_clock_on_a_business_calendar_crosses_the_weekend(staff, friday, settings, time_machine):
    settings.HANDOFF_CALENDAR = "default"  # Mon–Fri 09:00–18:00
    agreement = do_submit_handoff(staff.sales, make_handoff(staff.sales))
    # Fri 16–18 (2 h), Mon 9–18 (9 h), Tue 9–18 (9 h), Wed 9–13 (4 h) = 24 working hours.
    assert agreement.due_at == msk(2026, 10, 21, 13, 0)
    # 19.2 h: Fri 2 h, Mon 9 h, Tue 9:00 + 8 h 12 min.
    assert agreement.warn_at == msk(2026, 10, 20, 17, 12)
    time_machine.move_to(msk(2026, 10, 19, 12, 0), tick=False)
    do_return_handoff(staff.csm, agreement.handoff, reasons={"sites": "Нет схемы"})
    agreement.refresh_from_db()
    assert agreement.elapsed_seconds == 5 * 3600  # Fri 2 h + Mon 3 h; the weekend not counted


def test_unknown_calendar_is_refused_by_name(staff, friday, settings):
    settings.HANDOFF_CALENDAR = "Нет такого"
    with pytest.raises(HandoffError, match="Нет такого"):
        do_submit_handoff(staff.sales, make_handoff(staff.sales))


def test_return_then_fix_and_resubmit_is_a_new_round_with_history(staff, friday, time_machine):
    handoff = make_handoff(staff.sales)
    first = do_submit_handoff(staff.sales, handoff)
    with pytest.raises(HandoffError):
        do_return_handoff(staff.csm, handoff, reasons={"sites": "  "})
    time_machine.move_to(msk(2026, 10, 17, 10, 0), tick=False)
    do_return_handoff(
        staff.csm,
        handoff,
        reasons={"sites": "Нет оборудования у входа Б", "documents": "Скан без подписи"},
        comment="Поправьте, пожалуйста",
    )
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.RETURNED
    first.refresh_from_db()
    assert (first.outcome, first.answered_by, first.elapsed_seconds) == (
        RoundOutcome.RETURNED,
        staff.csm,
        18 * 3600,
    )
    assert list(first.reasons) == ["sites", "documents"]  # in checklist order

    with pytest.raises(HandoffError):
        do_accept_handoff(staff.head, handoff, success_manager=staff.csm)
    do_save_handoff(staff.sales, handoff, special_terms="Вход Б: 2 турникета")
    time_machine.move_to(msk(2026, 10, 17, 12, 0), tick=False)
    second = do_submit_handoff(staff.sales, handoff)
    assert second.number == 2
    assert second.due_at == msk(2026, 10, 18, 12, 0)
    assert second.checklist["promises"].endswith("Вход Б: 2 турникета")
    assert [r.number for r in handoff.rounds.all()] == [1, 2]
    assert first.checklist["promises"] != second.checklist["promises"]


def test_accept_creates_the_client_and_opens_its_project(staff, friday):
    handoff = make_handoff(staff.sales)
    do_submit_handoff(staff.sales, handoff)
    accepted = do_accept_handoff(
        staff.head, handoff, success_manager=staff.csm, implementation_manager=staff.implementation
    )
    client = accepted.client
    assert (client.name, client.inn, client.status) == ("ООО «Гамма»", "7707083893", "onboarding")
    assert (client.sold_by, client.success_manager, client.tariff) == (
        staff.sales,
        staff.csm,
        "Бизнес",
    )
    assert client.contract_end == dt.date(2027, 9, 30)
    assert list(client.status_history.values_list("status", "effective_on")) == [
        ("onboarding", dt.date(2026, 10, 1))
    ]
    assert sorted(client.contacts.values_list("position", flat=True)) == [
        "Контакт по оплате",
        "Лицо, принимающее решения",
        "Технический контакт",
    ]
    assert list(client.sites.values_list("name", "equipment_notes")) == [
        ("БЦ «Северный»", "2 турникета, 4 считывателя, 6 камер")
    ]
    project = accepted.project
    assert (project.client, project.owner, project.template.name) == (
        client,
        staff.implementation,
        "Типовое внедрение",
    )
    handoff.refresh_from_db()
    assert (handoff.status, handoff.client, handoff.project) == ("accepted", client, project)
    assert AuditEvent.objects.filter(
        content_type__model="handoff", object_id=str(handoff.pk), action="status"
    ).exists()


def test_accepting_for_an_existing_client_makes_it_onboarding_until_go_live(
    staff, companies, friday
):
    handoff = make_handoff(staff.sales, client=companies.a, tariff="Корпоративный")
    assert (handoff.client_name, handoff.inn) == ("", "")
    do_submit_handoff(staff.sales, handoff)
    accepted = do_accept_handoff(
        staff.head, handoff, success_manager=staff.csm2, implementation_manager=staff.implementation
    )
    client = Client.objects.get(pk=companies.a.pk)
    assert (client.status, client.success_manager, client.tariff) == (
        "onboarding",
        staff.csm2,
        "Корпоративный",
    )
    assert client.status_history.filter(
        status="onboarding", effective_on=dt.date(2026, 10, 16)
    ).exists()
    assert accepted.project.template.name == "Корпоративное внедрение"
    project = accepted.project
    task = project.tasks.first()
    do_complete_task(staff.implementation, task)
    do_go_live(staff.implementation, project)
    client.refresh_from_db()
    assert client.status == ClientStatus.ACTIVE


def test_a_failure_while_accepting_leaves_nothing_half_made(staff, friday):
    handoff = make_handoff(staff.sales)
    agreement = do_submit_handoff(staff.sales, handoff)
    ProjectTemplate.objects.update(is_active=False)  # the project cannot be opened
    counts = (Client.objects.count(), Contact.objects.count(), Site.objects.count())
    with pytest.raises(Exception, match="шаблон"):
        do_accept_handoff(staff.head, handoff, success_manager=staff.csm)
    assert (Client.objects.count(), Contact.objects.count(), Site.objects.count()) == counts
    assert not Project.objects.exists()
    assert not AuditEvent.objects.filter(content_type__model="client").exists()
    handoff.refresh_from_db()
    agreement.refresh_from_db()
    assert (handoff.status, handoff.client, agreement.answered_at) == ("submitted", None, None)


def test_warning_at_80_percent_and_breach_escalated_once(staff, friday, client):
    handoff = make_handoff(staff.sales)
    agreement = do_submit_handoff(staff.sales, handoff)
    assert do_check_clocks(msk(2026, 10, 17, 11, 11)).warnings == 0
    assert do_check_clocks(msk(2026, 10, 17, 11, 12)).warnings == 1
    assert do_check_clocks(msk(2026, 10, 17, 11, 30)).warnings == 0
    warned = set(
        Notification.objects.filter(key=f"handoff-round:{agreement.pk}:warning").values_list(
            "recipient__username", flat=True
        )
    )
    assert warned == {"head", "csm", "csm2", "implementation"}

    assert do_check_clocks(msk(2026, 10, 17, 15, 59)).breaches == 0
    for _run in range(3):
        do_check_clocks(msk(2026, 10, 17, 16, 0))
    escalations = Escalation.objects.filter(key=f"handoff-round:{agreement.pk}:head")
    assert escalations.count() == 1
    assert escalations.get().level == "head"
    # About the hand-off (the link kept on the hand-offs' side), described by its kind.
    escalation = escalations.get()
    assert escalation.subject == "handoff"
    assert escalation.handoff_link.handoff == agreement.handoff
    from soprovod.tickets.escalations import describe

    assert describe([escalation])[escalation.pk].url.endswith(f"/handoffs/{agreement.handoff_id}/")
    assert (
        Notification.objects.filter(
            key=f"handoff-round:{agreement.pk}:breach", recipient=staff.head
        ).count()
        == 1
    )
    agreement.refresh_from_db()
    assert agreement.escalated_at == msk(2026, 10, 17, 16, 0)
    client.force_login(staff.head)
    page = client.get(f"/handoffs/{handoff.pk}/").content.decode()
    assert "Эскалировано руководителю ОС 17.10.2026 16:00" in page


def test_an_answered_round_is_neither_warned_nor_escalated(staff, friday):
    handoff = make_handoff(staff.sales)
    do_submit_handoff(staff.sales, handoff)
    do_return_handoff(staff.csm, handoff, reasons={"client": "ИНН другой компании"})
    result = do_check_clocks(msk(2026, 10, 20, 10, 0))
    assert (result.warnings, result.breaches) == (0, 0)
    assert not Escalation.objects.exists()


def test_the_checker_runs_every_minute_as_a_task(staff, friday, settings, time_machine):
    from soprovod.celery import app
    from soprovod.handoffs import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["handoffs-check"]
    assert (entry["task"], entry["schedule"]) == ("handoffs.check_clocks", 60.0)
    assert "handoffs.check_clocks" in app.tasks
    do_submit_handoff(staff.sales, make_handoff(staff.sales))
    time_machine.move_to(msk(2026, 10, 17, 16, 0), tick=False)
    assert tasks.check_clocks.delay().get() == {"warnings": 0, "breaches": 1, "failed": 0}
    assert tasks.check_clocks.delay().get() == {"warnings": 0, "breaches": 0, "failed": 0}


def test_the_heads_deputy_is_asked_to_agree_while_the_head_is_away(
    staff, friday, django_capture_on_commit_callbacks
):
    """Issue 12: the head's approvals go to the deputy during the absence (acting_for)."""
    do_record_absence(
        staff.head,
        staff.head,
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2026, 10, 23),
        deputy=staff.engineer,
    )
    with django_capture_on_commit_callbacks(execute=True):
        agreement = do_submit_handoff(staff.sales, make_handoff(staff.sales))
    asked = set(
        Notification.objects.filter(key=f"handoff-round:{agreement.pk}:submitted").values_list(
            "recipient__username", flat=True
        )
    )
    assert "engineer" in asked
    do_check_clocks(msk(2026, 10, 17, 16, 0))
    breach = set(
        Notification.objects.filter(key=f"handoff-round:{agreement.pk}:breach").values_list(
            "recipient__username", flat=True
        )
    )
    assert "engineer" in breach
    escalation = Escalation.objects.get(key=f"handoff-round:{agreement.pk}:head")
    assert escalation.addressed_to == staff.engineer


def test_the_heads_deputy_may_agree_during_the_absence_and_not_after(staff, friday, time_machine):
    """Asked to agree, the deputy can: the head's approval capability is theirs for the
    period of the absence only (an engineer alone may not agree hand-offs)."""
    assert not can_agree_handoffs(staff.engineer)
    do_record_absence(
        staff.head,
        staff.head,
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2026, 10, 23),
        deputy=staff.engineer,
    )
    assert can_agree_handoffs(staff.engineer)
    handoff = make_handoff(staff.sales)
    do_submit_handoff(staff.sales, handoff)
    handoff.refresh_from_db()
    assert can_answer_handoff(staff.engineer, handoff)
    time_machine.move_to(msk(2026, 10, 24, 10, 0), tick=False)
    assert not can_agree_handoffs(staff.engineer)
    assert not can_answer_handoff(staff.engineer, handoff)
