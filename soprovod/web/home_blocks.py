"""The blocks of each role's home page (issue 16), registered into `soprovod.core.home`.

Each block is a query function here (reading through the apps' own ``queries`` and
permission layers, so a block never shows what its reader may not open), a template under
``web/blocks/`` (most use the generic ``_figures.html``: figures that link to their records,
then a few rows that link to theirs) and the roles that see it. Apps below the web shell may
register blocks of their own the same way (e.g. active incidents on the head's page).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from soprovod.accounts.models import Absence
from soprovod.accounts.permissions import (
    can_agree_handoffs,
    can_decide_dev_requests,
    can_manage_team,
    can_read_reports,
    can_run_projects,
    can_see_churn_cases,
    can_see_claims,
    can_see_kpi,
    can_start_handoffs,
    can_take_internal_survey,
    can_work_detractor_tasks,
    works_client_health,
)
from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus
from soprovod.core.home import Block, register
from soprovod.devrequests import queries as devrequest_queries
from soprovod.devrequests import views as devrequest_views
from soprovod.devrequests.models import RequestStatus
from soprovod.devrequests.permissions import requests_visible_to
from soprovod.handoffs import queries as handoff_queries
from soprovod.health import queries as health_queries
from soprovod.health import scoring
from soprovod.health.home import at_risk_block
from soprovod.kpi import charts as kpi_charts
from soprovod.kpi.breakdowns import has_drilldown
from soprovod.kpi.engine import compute
from soprovod.lib.periods import Period, calendar_month
from soprovod.projects import queries as project_queries
from soprovod.projects.models import ProjectStatus
from soprovod.projects.permissions import projects_visible_to
from soprovod.reports.models import Report
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import SlaClock
from soprovod.success import queries as success_queries
from soprovod.success.permissions import cases_visible_to, claims_visible_to
from soprovod.surveys import queries as survey_queries
from soprovod.team.queries import team_members
from soprovod.tickets import queries as ticket_queries
from soprovod.tickets.models import OPEN_STATUSES, Ticket
from soprovod.tickets.permissions import can_see_escalation_inbox, tickets_visible_to

ROWS = 6  # rows under a block's figures: the first few, the figure links to all of them
GENERIC = "web/blocks/_figures.html"


@dataclass
class Figure:
    label: str
    value: int | str
    url: str
    tone: str = ""  # "bad" (red: past a deadline or below target), "warn", "ok" or ""


@dataclass
class Row:
    text: str
    url: str
    meta: str = ""
    tone: str = ""


@dataclass
class Figures:
    """The generic block's data: figures, then rows, then a link to everything."""

    figures: list[Figure] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    more: tuple[str, str] | None = None

    def as_context(self) -> dict:
        return {"figures": self.figures, "rows": self.rows, "more": self.more}


def has_role(*roles: Role):
    """A visibility rule: the user holds one of ``roles`` (a superuser counts as the head)."""

    def visible(user) -> bool:
        if Role.HEAD in roles and user.is_superuser:
            return True
        return any(user.has_role(role) for role in roles)

    return visible


def _queue(**params) -> str:
    return f"{reverse('tickets:queue')}?{urlencode(params)}"


def _ticket_rows(tickets, now: dt.datetime) -> list[Row]:
    from soprovod.tickets.templatetags.tickets_ui import duration

    rows = []
    for ticket in ticket_queries.attach_time_left(tickets, now):
        left = ticket.sla_left_seconds
        if left is None:
            meta, tone = ticket.client.name, ""
        elif left < 0:
            meta = _("%(client)s · overdue by %(time)s") % {
                "client": ticket.client.name,
                "time": duration(left),
            }
            tone = "bad"
        else:
            meta = _("%(client)s · %(time)s left") % {
                "client": ticket.client.name,
                "time": duration(left),
            }
            tone = "warn" if left <= ticket_queries.SOON_HOURS * 3600 else ""
        rows.append(
            Row(
                f"#{ticket.pk} {ticket.subject}",
                reverse("tickets:detail", args=[ticket.pk]),
                meta,
                tone,
            )
        )
    return rows


def _tab(user, view: str, now: dt.datetime):
    filters = ticket_queries.QueueFilters(view=view)
    return ticket_queries.queue(user, filters, now)


# ---- the head ------------------------------------------------------------------------------


def _breached_tickets(user, start: dt.datetime, now: dt.datetime):
    """Tickets with a clock that fell due in [start, now) unmet (sla.md: the ceiling does not
    count), whatever their status now."""
    clocks = SlaClock.objects.filter(
        sla_queries.breaches_sla(now), due_at__gte=start, due_at__lt=now
    ).values("ticket_id")
    return tickets_visible_to(user).filter(pk__in=clocks)


def sla_watch(user, now: dt.datetime) -> dict:
    """Breaches today and this week, and the open tickets about to breach (business time)."""
    today = timezone.localdate(now)
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    week_start = day_start - dt.timedelta(days=today.weekday())
    soon = _tab(user, "soon", now)
    breached_now = ticket_queries.queue_counts(user, ticket_queries.QueueFilters(), now)
    figures = Figures(
        figures=[
            Figure(
                _("breached today"),
                _breached_tickets(user, day_start, now).count(),
                _queue(view="breached"),
                "bad",
            ),
            Figure(
                _("breached this week"),
                _breached_tickets(user, week_start, now).count(),
                _queue(view="breached"),
                "bad",
            ),
            Figure(
                _("open and breached"), breached_now["breached"], _queue(view="breached"), "bad"
            ),
            Figure(_("about to breach"), breached_now["soon"], _queue(view="soon"), "warn"),
        ],
        rows=_ticket_rows(soon[:ROWS], now),
        more=(_("All tickets about to breach"), _queue(view="soon")),
    )
    return figures.as_context()


def escalations_waiting(user, now: dt.datetime) -> dict:
    """Open escalations in the user's inbox, the longest waiting first (the CEO's are the
    critical ones addressed to the CEO)."""
    open_ = ticket_queries.escalation_inbox(user, "open", now)
    rows = []
    for escalation in open_[:ROWS]:
        waited = now - escalation.created_at
        hours = int(waited.total_seconds() // 3600)
        rows.append(
            Row(
                escalation.reason.splitlines()[0][:120] if escalation.reason else str(escalation),
                reverse("escalations:detail", args=[escalation.pk]),
                _("%(status)s · waiting %(hours)s h")
                % {
                    "status": escalation.get_status_display(),
                    "hours": hours,
                },
                "bad" if escalation.status == escalation.Status.RAISED else "warn",
            )
        )
    return Figures(
        figures=[
            Figure(_("waiting for you"), open_.count(), reverse("escalations:inbox"), "bad"),
        ],
        rows=rows,
        more=(_("Escalation inbox"), reverse("escalations:inbox")),
    ).as_context()


def agreements_due(user, now: dt.datetime) -> dict:
    """Hand-offs and development requests waiting for an agreement, nearest deadline first."""
    rows: list[Row] = []
    figures = []
    if can_agree_handoffs(user):
        rounds = handoff_queries.inbox(user, now)
        figures.append(Figure(_("hand-offs to agree"), rounds.count(), reverse("handoffs:inbox")))
        for agreement in rounds[:ROWS]:
            handoff = agreement.handoff
            name = handoff.client.name if handoff.client_id else handoff.client_name
            rows.append(
                Row(
                    _("Hand-off: %(client)s") % {"client": name or "—"},
                    reverse("handoffs:detail", args=[handoff.pk]),
                    _due_text(agreement.due_at, now),
                    "bad" if agreement.due_at < now else "warn" if agreement.is_warning else "",
                )
            )
    requests = devrequest_queries.with_impact(
        requests_visible_to(user).filter(status=RequestStatus.SUBMITTED), now
    ).order_by("due_at", "pk")
    figures.append(
        Figure(
            _("requests awaiting development"),
            requests.count(),
            f"{reverse('devrequests:list')}?status={RequestStatus.SUBMITTED}",
        )
    )
    for request in requests[:ROWS]:
        rows.append(
            Row(
                f"DEV-{request.pk} {request.title}",
                reverse("devrequests:detail", args=[request.pk]),
                _due_text(request.due_at, now),
                "bad" if request.due_at and request.due_at < now else "",
            )
        )
    rows.sort(key=lambda row: row.tone != "bad")
    return Figures(figures=figures, rows=rows[:ROWS]).as_context()


def _due_text(due_at: dt.datetime | None, now: dt.datetime) -> str:
    if due_at is None:
        return _("no agreement clock")
    local = timezone.localtime(due_at)
    if due_at < now:
        return _("agreement was due %(when)s") % {"when": f"{local:%d.%m %H:%M}"}
    return _("agreement due %(when)s") % {"when": f"{local:%d.%m %H:%M}"}


def team_load(user, now: dt.datetime) -> dict:
    """Open tickets per person of the department and who is away today."""
    today = timezone.localdate(now)
    people = list(team_members())
    counts = dict(
        Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__in=people)
        .values_list("assignee")
        .annotate(n=Count("pk"))
        .order_by()
    )
    away = {
        absence.person_id: absence
        for absence in Absence.objects.filter(
            person__in=people, cancelled_at__isnull=True, starts_on__lte=today, ends_on__gte=today
        )
    }
    rows = []
    for person in sorted(people, key=lambda p: -counts.get(p.pk, 0)):
        absence = away.get(person.pk)
        meta = _("%(count)s open") % {"count": counts.get(person.pk, 0)}
        if absence is not None:
            meta += " · " + _("away until %(date)s") % {"date": f"{absence.ends_on:%d.%m.%Y}"}
        rows.append(
            Row(
                person.get_full_name() or person.username,
                _queue(assignee=person.pk),
                meta,
                "warn" if absence is not None and counts.get(person.pk) else "",
            )
        )
    unassigned = ticket_queries.queue_counts(user, ticket_queries.QueueFilters(), now)["unassigned"]
    return Figures(
        figures=[
            Figure(
                str(ticket_queries.VIEWS["unassigned"]).lower(),
                unassigned,
                _queue(view="unassigned"),
                "warn" if unassigned else "",
            ),
            Figure(_("away today"), len(away), reverse("team:people")),
        ],
        rows=rows,
        more=(_("Team page"), reverse("team:people")),
    ).as_context()


# The month's KPIs on the head's and the CEO's home page: the figures they answer for.
HOME_KPIS = (
    "sla.all",
    "sla.emergency",
    "first_response.emergency.median",
    "csat",
    "nps",
    "retention",
    "repeat_rate",
    "coordination.on_time",
)


def kpi_month(user, now: dt.datetime) -> dict:
    """This month so far against target, as compact cards linking to the records."""
    today = timezone.localdate(now)
    period: Period = calendar_month(today.replace(day=1))
    document = compute(period, now=now, live=True)
    query = urlencode({"period": "month", "month": f"{period.start:%Y-%m}"})
    cards = []
    for key in HOME_KPIS:
        kpi = document.get(key)
        if kpi is None:
            continue
        light, light_text = kpi_charts.light(kpi)
        cards.append(
            {
                "title": kpi.title,
                "value": kpi_charts.format_value(kpi.value, kpi.unit),
                "target": kpi_charts.format_target(kpi),
                "light": light,
                "light_text": light_text,
                "url": f"{reverse('kpi:drilldown', args=[key])}?{query}"
                if has_drilldown(key)
                else f"{reverse('kpi:dashboard')}?{query}",
            }
        )
    return {
        "cards": cards,
        "month": period.start,
        "dashboard": f"{reverse('kpi:dashboard')}?{query}",
    }


# ---- the support manager -------------------------------------------------------------------


def _tab_block(view: str, more: str):
    def query(user, now: dt.datetime) -> dict:
        tickets = _tab(user, view, now)
        count = ticket_queries.queue_counts(user, ticket_queries.QueueFilters(), now)[view]
        return Figures(
            figures=[Figure(str(ticket_queries.VIEWS[view]).lower(), count, _queue(view=view))],
            rows=_ticket_rows(tickets[:ROWS], now),
            more=(more, _queue(view=view)),
        ).as_context()

    return query


def client_replied(user, now: dt.datetime) -> dict:
    tickets = ticket_queries.client_replied_last(user)
    rows = [
        Row(
            f"#{t.pk} {t.subject}",
            reverse("tickets:detail", args=[t.pk]),
            _("%(client)s · replied %(when)s")
            % {"client": t.client.name, "when": f"{timezone.localtime(t.replied_at):%d.%m %H:%M}"},
            "warn",
        )
        for t in tickets[:ROWS]
    ]
    return Figures(
        figures=[Figure(_("clients answered"), tickets.count(), _queue(view="mine"))],
        rows=rows,
    ).as_context()


# ---- the success manager -------------------------------------------------------------------


def health_bands(user, now: dt.datetime) -> dict:
    """My clients by health band (the head: every client)."""
    counts = health_queries.band_counts(user)
    manager = {} if can_manage_team(user) else {"manager": "me"}
    labels = {scoring.RED: _("red"), scoring.YELLOW: _("yellow"), scoring.GREEN: _("green")}
    tones = {scoring.RED: "bad", scoring.YELLOW: "warn", scoring.GREEN: "ok"}
    return Figures(
        figures=[
            Figure(
                labels.get(band, band),
                counts[band],
                f"{reverse('health:portfolio')}?{urlencode({'band': band, **manager})}",
                tones.get(band, ""),
            )
            for band in scoring.BANDS
        ],
        more=(_("Portfolio by health"), f"{reverse('health:portfolio')}?{urlencode(manager)}"),
    ).as_context()


RENEWAL_DAYS = 90


def renewals(user, now: dt.datetime) -> dict:
    """Contracts ending in the next 90 days: my clients (the head: all), soonest first."""
    today = timezone.localdate(now)
    clients = Client.objects.exclude(status=ClientStatus.CHURNED).filter(
        contract_end__gte=today, contract_end__lte=today + dt.timedelta(days=RENEWAL_DAYS)
    )
    if not can_manage_team(user):
        clients = clients.filter(success_manager=user)
    clients = clients.order_by("contract_end", "name")
    rows = [
        Row(
            client.name,
            reverse("clients:detail", args=[client.pk]),
            _("contract ends %(date)s") % {"date": f"{client.contract_end:%d.%m.%Y}"},
            "warn" if (client.contract_end - today).days <= 30 else "",
        )
        for client in clients[:ROWS]
    ]
    manager = {} if can_manage_team(user) else {"manager": "me"}
    return Figures(
        figures=[
            Figure(
                _("renewals in 90 days"),
                clients.count(),
                f"{reverse('health:portfolio')}?{urlencode({'sort': 'renewal', **manager})}",
            )
        ],
        rows=rows,
    ).as_context()


def claims_and_churn(user, now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    figures, rows = [], []
    if can_see_claims(user):
        claims = claims_visible_to(user).filter(outcome="")
        if not can_manage_team(user):
            claims = claims.filter(Q(owner=user) | Q(client__success_manager=user))
        overdue = claims.filter(success_queries.overdue_condition(today)).count()
        figures.append(Figure(_("open claims"), claims.count(), reverse("success:claims")))
        figures.append(
            Figure(
                _("claims past their deadline"),
                overdue,
                f"{reverse('success:claims')}?state=overdue",
                "bad" if overdue else "",
            )
        )
        for claim in claims.select_related("client").order_by("response_due_on", "pk")[: ROWS // 2]:
            due = claim.response_due_on
            rows.append(
                Row(
                    _("Claim %(number)s · %(client)s")
                    % {"number": claim.number, "client": claim.client.name},
                    reverse("success:claim", args=[claim.pk]),
                    _("answer due %(date)s") % {"date": f"{due:%d.%m.%Y}"} if due else "",
                    "bad" if due and due < today else "",
                )
            )
    if can_see_churn_cases(user):
        cases = success_queries.churn_cases(cases_visible_to(user))
        if not can_manage_team(user):
            cases = cases.filter(Q(owner=user) | Q(client__success_manager=user))
        figures.append(
            Figure(_("clients who are leaving"), cases.count(), reverse("success:churn"))
        )
        for case in cases[: ROWS // 2]:
            rows.append(
                Row(
                    case.client.name,
                    reverse("success:churn_case", args=[case.pk]),
                    _("save plan: %(done)s of %(total)s done")
                    % {"done": case.tasks_done, "total": case.task_count},
                )
            )
    return Figures(figures=figures, rows=rows).as_context()


def detractors(user, now: dt.datetime) -> dict:
    tasks = list(survey_queries.open_tasks_of(user)[:20])
    for task in tasks:
        task.is_overdue = task.due_at < now
    return {"detractor_tasks": tasks}


# ---- implementation, sales, development, the CEO ------------------------------------------


def my_projects(user, now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    projects = (
        projects_visible_to(user)
        .filter(owner=user, status=ProjectStatus.IN_PROGRESS)
        .select_related("client")
        .order_by("planned_go_live", "pk")
    )
    tasks = project_queries.my_tasks(user, today=today)
    overdue = tasks.filter(planned_end__lt=today)
    rows = [
        Row(
            task.title,
            reverse("projects:detail", args=[task.project_id]),
            _("%(client)s · due %(date)s")
            % {"client": task.project.client.name, "date": f"{task.planned_end:%d.%m.%Y}"},
            "bad",
        )
        for task in overdue[:ROWS]
    ]
    return Figures(
        figures=[
            Figure(
                _("my projects in progress"),
                projects.count(),
                f"{reverse('projects:list')}?owner={user.pk}",
            ),
            Figure(_("my open tasks"), tasks.count(), reverse("projects:my_tasks")),
            Figure(
                _("overdue tasks"),
                overdue.count(),
                reverse("projects:my_tasks"),
                "bad" if overdue.exists() else "",
            ),
        ],
        rows=rows,
    ).as_context()


def my_handoffs(user, now: dt.datetime) -> dict:
    """Sales: their hand-offs and each one's state; support (not the head, whose agreements
    block lists them): how many wait for their agreement."""
    return {
        "my_handoffs": list(handoff_queries.handoff_list(user)[:10])
        if can_start_handoffs(user)
        else None,
        "handoffs_to_agree": handoff_queries.inbox(user, now).count()
        if can_agree_handoffs(user)
        else 0,
    }


def dev_inbox(user, now: dt.datetime) -> dict:
    return {"dev_inbox": devrequest_views.home_inbox(user)}


def latest_reports(user, now: dt.datetime) -> dict:
    """The latest reports by period, with their state (ready, being made, failed)."""
    reports = Report.objects.order_by("-period_end", "-pk")
    rows = []
    for report in reports[:ROWS]:
        if report.is_ready and report.generated_at:
            meta = _("ready %(when)s") % {
                "when": f"{timezone.localtime(report.generated_at):%d.%m.%Y}"
            }
        else:
            meta = report.get_status_display()
        rows.append(Row(report.title, reverse("reports:detail", args=[report.pk]), meta))
    return Figures(rows=rows, more=(_("Report archive"), reverse("reports:archive"))).as_context()


def internal_survey(user, now: dt.datetime) -> dict | None:
    return None if survey_queries.answered_internal_survey(user) else {}


AT_RISK_ROWS = 8


def at_risk(user, now: dt.datetime) -> dict:
    """The worst few of the at-risk list (the block links to all of them)."""
    return {"rows": (at_risk_block(user) or [])[:AT_RISK_ROWS]}


# ---- the registry --------------------------------------------------------------------------

HEAD = has_role(Role.HEAD)
DESK = has_role(Role.SUPPORT_MANAGER, Role.SENIOR_ENGINEER)


def _kpi_readers(user) -> bool:
    return can_see_kpi(user) and (
        user.is_superuser or user.has_role(Role.HEAD) or user.has_role(Role.CEO)
    )


BLOCKS = [
    Block(
        "internal_survey",
        gettext_lazy("This month's survey"),
        "web/blocks/internal_survey.html",
        internal_survey,
        can_take_internal_survey,
        order=1,
        wide=True,
    ),
    Block(
        "sla_watch",
        gettext_lazy("SLA: breaches and tickets about to breach"),
        GENERIC,
        sla_watch,
        HEAD,
        order=10,
        empty=gettext_lazy(
            "No ticket is about to breach. Tickets whose next SLA deadline is within "
            "a few business hours will be listed here."
        ),
    ),
    Block(
        "escalations",
        gettext_lazy("Escalations waiting for you"),
        GENERIC,
        escalations_waiting,
        can_see_escalation_inbox,
        order=12,
        empty=gettext_lazy(
            "No open escalation. Escalations raised to you, by a person or by an SLA breach, "
            "appear here until you acknowledge and resolve them."
        ),
    ),
    Block(
        "kpi_month",
        gettext_lazy("This month's KPIs"),
        "web/blocks/kpi_month.html",
        kpi_month,
        _kpi_readers,
        order=14,
        wide=True,
    ),
    Block(
        "my_queue",
        gettext_lazy("My tickets"),
        GENERIC,
        _tab_block("mine", gettext_lazy("All my tickets")),
        DESK,
        order=20,
        empty=gettext_lazy(
            "No open ticket is assigned to you. Take one from «Unassigned» or reply to one: "
            "replying assigns it to you."
        ),
    ),
    Block(
        "breaching_soon",
        gettext_lazy("Breaching soon"),
        GENERIC,
        _tab_block("soon", gettext_lazy("All tickets breaching soon")),
        DESK,
        order=21,
        empty=gettext_lazy(
            "Nothing is close to its SLA deadline. A ticket appears here when its next "
            "deadline is within a few business hours."
        ),
    ),
    Block(
        "unassigned",
        gettext_lazy("Unassigned"),
        GENERIC,
        _tab_block("unassigned", gettext_lazy("All unassigned tickets")),
        DESK,
        order=22,
        empty=gettext_lazy("Every open ticket has someone working on it."),
    ),
    Block(
        "client_replied",
        gettext_lazy("Clients waiting for your answer"),
        GENERIC,
        client_replied,
        DESK,
        order=23,
        empty=gettext_lazy(
            "No client has answered you since your last reply. When a client replies "
            "on one of your tickets, it appears here."
        ),
    ),
    Block(
        "at_risk",
        gettext_lazy("Clients at risk"),
        "web/blocks/at_risk.html",
        at_risk,
        works_client_health,
        order=30,
        wide=True,
        own_heading=True,
    ),
    Block(
        "health_bands",
        gettext_lazy("My clients by health"),
        GENERIC,
        health_bands,
        lambda user: works_client_health(user) and not can_manage_team(user),
        order=31,
    ),
    Block(
        "renewals",
        gettext_lazy("Renewals in the next 90 days"),
        GENERIC,
        renewals,
        works_client_health,
        order=32,
        empty=gettext_lazy(
            "No contract ends in the next 90 days. Clients appear here 90 days before "
            "the contract end written on their card."
        ),
    ),
    Block(
        "detractors",
        gettext_lazy("Detractors to call back"),
        "web/blocks/detractors.html",
        detractors,
        can_work_detractor_tasks,
        order=33,
        wide=True,
    ),
    Block(
        "claims_churn",
        gettext_lazy("Claims and clients who are leaving"),
        GENERIC,
        claims_and_churn,
        lambda user: (
            has_role(Role.SUCCESS_MANAGER, Role.HEAD)(user)
            and (can_see_claims(user) or can_see_churn_cases(user))
        ),
        order=34,
        empty=gettext_lazy(
            "No open claim or churn case. Claims registered on a client and churn cases "
            "opened on its card appear here."
        ),
    ),
    Block(
        "agreements_due",
        gettext_lazy("Hand-offs and development requests near their deadline"),
        GENERIC,
        agreements_due,
        HEAD,
        order=40,
        empty=gettext_lazy(
            "Nothing waits for an agreement. Hand-offs from sales and requests to "
            "development appear here with their 48-hour deadline."
        ),
    ),
    Block(
        "team_load",
        gettext_lazy("Team load"),
        GENERIC,
        team_load,
        lambda user: can_manage_team(user),
        order=50,
        empty=gettext_lazy("Nobody holds a department role yet: give roles on the team page."),
    ),
    Block(
        "my_projects",
        gettext_lazy("My projects and tasks"),
        GENERIC,
        my_projects,
        lambda user: can_run_projects(user) and user.has_role(Role.IMPLEMENTATION_MANAGER),
        order=60,
        empty=gettext_lazy(
            "No overdue task. Tasks of your projects past their planned end appear here."
        ),
    ),
    Block(
        "my_handoffs",
        gettext_lazy("My hand-offs"),
        "web/blocks/my_handoffs.html",
        my_handoffs,
        lambda user: can_start_handoffs(user) or (can_agree_handoffs(user) and not HEAD(user)),
        order=70,
        wide=True,
        own_heading=True,
    ),
    Block(
        "dev_inbox",
        gettext_lazy("Development inbox"),
        "web/blocks/dev_inbox.html",
        dev_inbox,
        can_decide_dev_requests,
        order=80,
        wide=True,
        own_heading=True,
    ),
    Block(
        "latest_reports",
        gettext_lazy("Latest reports"),
        GENERIC,
        latest_reports,
        lambda user: can_read_reports(user) and has_role(Role.CEO, Role.HEAD)(user),
        order=90,
        empty=gettext_lazy(
            "No report yet. The monthly report is made on the first working day of the "
            "month; the head can also make one from the report archive."
        ),
    ),
]

for _block in BLOCKS:
    register(_block)
