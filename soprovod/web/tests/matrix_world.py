"""The fixed "world" of the permission matrix (permission_matrix.txt): one user per column
and one object of each kind a URL or an API operation takes an id for, all owned by client
company A. ``client`` is a contact of A, ``other`` a contact of company B.

``build_world()`` returns the users by column and ``params``: the value of every
``{placeholder}`` the table's paths use. It is built once per test module (it takes a few
seconds); every cell runs inside a savepoint that is rolled back, so the world never changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from soprovod.accounts import actions as account_actions
from soprovod.accounts.models import ApiToken
from soprovod.accounts.roles import Role
from soprovod.accounts.tests.factories import UserFactory
from soprovod.clients.tests.factories import ClientFactory, ContactFactory, SiteFactory

# The table's columns, in order, and the role each signs in with (None: nobody signed in;
# "client"/"other": the contact of company A / of company B).
COLUMNS = [
    "anon",
    "head",
    "support",
    "csm",
    "impl",
    "engineer",
    "sales",
    "dev",
    "ceo",
    "client",
    "other",
]
STAFF_ROLES = {
    "head": Role.HEAD,
    "support": Role.SUPPORT_MANAGER,
    "csm": Role.SUCCESS_MANAGER,
    "impl": Role.IMPLEMENTATION_MANAGER,
    "engineer": Role.SENIOR_ENGINEER,
    "sales": Role.SALES,
    "dev": Role.DEVELOPMENT,
    "ceo": Role.CEO,
}
YEAR = 2026


def _users() -> dict:
    users = {
        column: UserFactory(username=f"m_{column}", roles=[role])
        for column, role in STAFF_ROLES.items()
    }
    users["client"] = UserFactory(username="m_client", roles=[Role.CLIENT_CONTACT])
    users["other"] = UserFactory(username="m_other", roles=[Role.CLIENT_CONTACT])
    return users


def build_world() -> SimpleNamespace:
    from soprovod.bitrix.models import Conflict
    from soprovod.budget import actions as budget_actions
    from soprovod.core.models import Notification
    from soprovod.devrequests import actions as dev_actions
    from soprovod.handoffs.tests.factories import make_handoff
    from soprovod.incidents import actions as incident_actions
    from soprovod.knowledge import actions as kb_actions
    from soprovod.knowledge.models import ArticleStatus, Audience, Category
    from soprovod.meetings.models import MeetingKind
    from soprovod.meetings.tests import factories as meeting_factories
    from soprovod.problems import actions as problem_actions
    from soprovod.projects.tests.factories import open_project
    from soprovod.quality import actions as quality_actions
    from soprovod.reports.models import Report
    from soprovod.sla.models import SlaPolicy, WorkCalendar
    from soprovod.strategic import actions as strategic_actions
    from soprovod.success import actions as success_actions
    from soprovod.surveys import actions as survey_actions
    from soprovod.surveys.models import DetractorTask, SurveyLink
    from soprovod.team import actions as team_actions
    from soprovod.telegram import actions as telegram_actions
    from soprovod.telegram.models import TelegramChat
    from soprovod.tickets import actions as ticket_actions
    from soprovod.tickets.models import Attachment, Channel, TicketStatus, TicketType
    from soprovod.tickets.tests.factories import CategoryFactory

    users = _users()
    head = users["head"]
    company = ClientFactory(
        name="ООО «Матрица»", success_manager=users["csm"], sold_by=users["sales"]
    )
    other_company = ClientFactory(name="АО «Сторонняя»")
    site = SiteFactory(client=company)
    SiteFactory(client=other_company)
    contact = ContactFactory(client=company, user=users["client"], is_primary=True)
    other_contact = ContactFactory(client=other_company, user=users["other"], is_primary=True)
    spare_contact = ContactFactory(client=company, is_primary=False)

    # ---- tickets ------------------------------------------------------------------------
    category = CategoryFactory(name="Пропуска")

    def new_ticket(subject: str, **values):
        return ticket_actions.do_create_ticket(
            None,
            client=company,
            contact=contact,
            site=site,
            subject=subject,
            body="Не открывается шлагбаум.",
            type=TicketType.STANDARD,
            channel=Channel.PORTAL,
            category=category,
            **values,
        )

    ticket = new_ticket(
        "Шлагбаум",
        assignee=users["support"],
        attachments=[SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n", "image/png")],
    )
    attachment = Attachment.objects.filter(message__ticket=ticket).first()
    duplicate = new_ticket("Шлагбаум ещё раз", assignee=users["support"])
    resolved = new_ticket("Пропуск не печатается", assignee=users["support"])
    ticket_actions.do_add_message(users["support"], resolved, "Исправили.")
    ticket_actions.do_change_status(users["support"], resolved, TicketStatus.RESOLVED)
    saved_view = ticket_actions.do_save_view(head, name="Мои", query="tab=mine")
    escalation = ticket_actions.do_escalate(users["support"], ticket, "head", "Клиент грозит уйти")

    notification = Notification.objects.create(
        recipient=head, key="matrix", text="Проверка", url="/"
    )
    for column in ("support", "client"):
        Notification.objects.create(recipient=users[column], key="matrix", text="Проверка", url="/")

    # ---- knowledge ----------------------------------------------------------------------
    kb_category = Category.objects.create(name="Пропуска")
    article = kb_actions.do_create_article(
        head,
        title="Как выдать пропуск",
        category=kb_category,
        audience=Audience.CLIENT,
        body="Откройте раздел «Пропуска».",
        status=ArticleStatus.PUBLISHED,
    )
    kb_actions.do_update_article(
        head,
        article,
        title=article.title,
        category=kb_category,
        audience=Audience.CLIENT,
        summary="",
        body="Откройте раздел «Пропуска» слева.",
        status=ArticleStatus.PUBLISHED,
    )
    article.refresh_from_db()
    kb_file = kb_actions.do_add_attachment(
        head, article, SimpleUploadedFile("scheme.png", b"\x89PNG\r\n\x1a\n", "image/png")
    )
    kb_actions.do_link_ticket(head, ticket, article)

    # ---- incidents, problems, dev requests ----------------------------------------------
    incident = incident_actions.do_create_incident(head, title="Сбой печати", tickets=[duplicate])
    problem = problem_actions.do_create_problem(head, title="Шлагбаумы", tickets=[ticket])
    dev_request = dev_actions.do_create_request(
        users["support"],
        kind="bug",
        title="Не печатается пропуск",
        tickets=[ticket],
        clients=[company],
        submit=True,
    )
    dev_request2 = dev_actions.do_create_request(
        users["support"], kind="feature", title="Печать пропусков пачкой", clients=[company]
    )

    # ---- projects -----------------------------------------------------------------------
    project = open_project(company, users["impl"], start=dt.date(YEAR, 10, 5))
    task = project.tasks.order_by("pk").first()
    from soprovod.projects import actions as project_actions

    blocker = project_actions.do_raise_blocker(users["impl"], project, reason="Нет доступа")
    template = project.template if getattr(project, "template", None) else None
    if template is None:
        from soprovod.projects.models import ProjectTemplate

        template = ProjectTemplate.objects.order_by("pk").first()

    # ---- hand-offs ----------------------------------------------------------------------
    from soprovod.handoffs.actions import do_submit_handoff

    handoff = make_handoff(users["sales"])
    document = handoff.documents.first()
    do_submit_handoff(users["sales"], handoff)

    # ---- success --------------------------------------------------------------------------
    claim = success_actions.do_create_claim(
        users["csm"],
        client=company,
        number="П-1",
        received_on=dt.date(YEAR, 11, 2),
        basis="Простой системы пропусков",
        principal_rub=Decimal("10000.00"),
    )
    churn_case = success_actions.do_open_churn_case(company, actor=users["csm"], owner=users["csm"])
    churn_task = success_actions.do_add_churn_task(users["csm"], churn_case, title="Позвонить")
    note = success_actions.do_log_call_note(
        users["csm"],
        company,
        held_on=dt.date(YEAR, 11, 3),
        summary="Обсудили продление",
        next_steps=[success_actions.StepInput(text="Прислать КП", owner=users["csm"])],
    )
    next_step = note.next_steps.first()

    # ---- surveys ------------------------------------------------------------------------
    survey_actions.do_start_campaign(head, name="NPS", segment="")
    campaign = survey_actions.NpsCampaign.objects.get()
    answered = SurveyLink.objects.get(contact=contact, kind=SurveyLink.Kind.NPS)
    survey_actions.do_answer_nps(answered.token, 3, "Долго чините шлагбаум")
    detractor_task = DetractorTask.objects.get(client=company)
    open_link = SurveyLink.objects.filter(used_at__isnull=True).order_by("pk").first()

    # ---- quality --------------------------------------------------------------------------
    # The week of the resolved ticket: it is sampled (at random, with nothing else to draw).
    today = timezone.localdate()
    week = quality_actions.do_build_week(today - dt.timedelta(days=today.weekday()))
    review_item = week.items.first()

    # ---- budget, strategic ----------------------------------------------------------------
    budget_version = budget_actions.do_start_version(head, YEAR)
    strategic_kpi = strategic_actions.do_define_kpi(
        head,
        year=YEAR,
        key="nps",
        title="NPS",
        source="manual",
        plans={1: 40.0, 2: 45.0, 3: 50.0, 4: 55.0},
    )

    # ---- meetings -------------------------------------------------------------------------
    series = meeting_factories.series(
        MeetingKind.TEAM, chair=head, participants=[users["support"], users["engineer"]]
    )
    meeting = meeting_factories.meeting(series, timezone.now() + dt.timedelta(days=1))
    action_item = meeting_factories.item(meeting, users["support"], timezone.localdate())

    # ---- reports --------------------------------------------------------------------------
    report = Report.objects.create(
        kind="monthly",
        period_start=dt.date(YEAR, 10, 1),
        period_end=dt.date(YEAR, 10, 31),
        status="ready",
        generated_at=timezone.now(),
    )
    report.pdf.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    report.xlsx.save("matrix.xlsx", ContentFile(b"PK\x03\x04matrix"), save=False)
    report.save()

    # ---- team -----------------------------------------------------------------------------
    training = team_actions.do_add_training_item(
        head, kind="rule", title="Регламент", published_on=dt.date(YEAR, 11, 1)
    )
    absence = account_actions.do_record_absence(
        head,
        users["engineer"],
        starts_on=timezone.localdate() + dt.timedelta(days=10),
        ends_on=timezone.localdate() + dt.timedelta(days=12),
        deputy=users["support"],
    )

    # ---- integrations ----------------------------------------------------------------------
    conflict = Conflict.objects.create(company_id=101, kind="duplicate_inn", title="Матрица")
    chat = TelegramChat.objects.create(
        chat_id=424242, contact=contact, linked_at=timezone.now(), name="Клиент"
    )
    shift = telegram_actions.do_add_shift(
        head,
        user=users["support"],
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=8),
    )

    # ---- SLA --------------------------------------------------------------------------------
    calendar = WorkCalendar.objects.order_by("pk").first()
    day = calendar.days.order_by("date").first()
    policy = SlaPolicy.objects.order_by("pk").first()
    from soprovod.sla import actions as sla_actions

    sla_actions.do_set_client_policy(head, company, policy)
    sla_rule = sla_actions.do_save_rule(
        head, None, kind="tariff", value=company.tariff or "Бизнес", policy=policy
    ).rule

    # ---- API tokens: one per user, the API is called with Bearer ---------------------------
    tokens = {column: ApiToken.issue(user, "matrix")[1] for column, user in users.items()}
    # ---- macros and routing (off, so it routes none of the world's tickets) ---------------
    from soprovod.macros import actions as macro_actions
    from soprovod.routing import actions as routing_actions

    macro = macro_actions.do_save_macro(
        head, None, title="Пропуск оформлен", body="Здравствуйте, {{ клиент }}!", shared=True
    )
    routing_rule = routing_actions.do_save_rule(
        head, None, name="Шлагбаумы", words="шлагбаум", set_priority="high", is_active=False
    )
    head_token_row = ApiToken.objects.filter(user=head).first()

    params = {
        "client": company.pk,
        "site": site.pk,
        "contact": spare_contact.pk,
        "token": head_token_row.pk,
        "user": users["engineer"].pk,
        "csm": users["csm"].pk,
        "calendar": calendar.pk,
        "day": day.date.isoformat() if day else f"{YEAR}-01-01",
        "policy": policy.pk,
        "sla_rule": sla_rule.pk,
        "ticket": ticket.number,
        "resolved": resolved.number,
        "duplicate": duplicate.number,
        "view": saved_view.pk,
        "attachment": attachment.pk,
        "escalation": escalation.pk,
        "notification": notification.pk,
        "article": article.pk,
        "version": article.versions.order_by("-number").first().number,
        "kb_file": kb_file.pk,
        "project": project.pk,
        "template": template.pk,
        "blocker": blocker.pk,
        "task": task.pk,
        "devrequest": dev_request.pk,
        "devrequest2": dev_request2.pk,
        "incident": incident.pk,
        "macro": macro.pk,
        "routing_rule": routing_rule.pk,
        "week": week.pk,
        "review": review_item.pk if review_item else 0,
        "problem": problem.pk,
        "year": YEAR,
        "budget_version": budget_version.pk,
        "conflict": conflict.pk,
        "kpi": strategic_kpi.pk,
        "campaign": campaign.pk,
        "detractor_task": detractor_task.pk,
        "survey_token": open_link.token,
        "handoff": handoff.pk,
        "document": document.pk,
        "claim": claim.pk,
        "churn": churn_case.pk,
        "churn_task": churn_task.pk,
        "next_step": next_step.pk,
        "series": series.pk,
        "meeting": meeting.pk,
        "item": action_item.pk,
        "report": report.pk,
        "training": training.pk,
        "absence": absence.pk,
        "chat": chat.pk,
        "shift": shift.pk,
    }
    # The API's own parameter names (from the OpenAPI paths).
    params.update(
        {
            "client_id": company.pk,
            "site_id": site.pk,
            "contact_id": spare_contact.pk,
            "number": ticket.number,
            "escalation_id": escalation.pk,
            "project_id": project.pk,
            "task_id": task.pk,
            "handoff_id": handoff.pk,
            "request_id": dev_request.pk,
            "claim_id": claim.pk,
            "article_id": article.pk,
        }
    )
    return SimpleNamespace(
        users=users,
        tokens=tokens,
        params=params,
        company=company,
        other_company=other_company,
        other_contact=other_contact,
        ticket=ticket,
        category=category,
    )
