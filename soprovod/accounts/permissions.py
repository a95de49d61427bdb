"""What a user's roles allow: one ``can_*(user)`` per capability (domain.md «People and
roles»), and the one way to refuse.

These checks read roles only, never a model, so every layer may call them: the menu, the
views, the API operations and the object scoping of each app (``clients/permissions.py``,
``tickets/permissions.py``...), which narrows a capability to the objects a user may see.
Views and templates never test role names themselves.

Refuse the one way (``require``): 404 for an object the user may not know exists (another
company's ticket, a report for someone who reads no reports), 403 for a section (a list,
a dashboard, a settings page) whose role may not use it: the same for every role, a client
contact included, whose way in is the portal (the 403 page links home, which sends them
there). Sections are not secrets: the URLs are in the documentation.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from soprovod.accounts.queries import acts_for_role
from soprovod.accounts.roles import Role


def require(allowed: bool, *, hidden: bool = False, message: str = "") -> None:
    """Let the request through when ``allowed``; else refuse: 404 when ``hidden`` (the user
    may not learn the thing exists), 403 otherwise (with ``message``, if any, for the API)."""
    if allowed:
        return
    if hidden:
        raise Http404
    raise PermissionDenied(message) if message else PermissionDenied


def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_head(user) -> bool:
    return user.is_superuser or user.has_role(Role.HEAD)


# ---- the shell -----------------------------------------------------------------------------


def can_see_home(user) -> bool:
    """The staff home page: everyone but a client contact (who has the portal)."""
    return is_signed_in(user) and user.is_staff_member


def can_use_portal(user) -> bool:
    """The client portal: client contacts only; staff have their own ticket pages."""
    return is_signed_in(user) and user.is_client_contact


def is_client_account(user) -> bool:
    """Signed in as a client contact: staff pages send such a user to the portal."""
    return bool(user.is_authenticated and user.is_client_contact)


# ---- clients -------------------------------------------------------------------------------


def reads_all_clients(user) -> bool:
    """Department staff and the CEO read the whole portfolio."""
    return is_signed_in(user) and user.reads_all_clients


def reads_own_sales(user) -> bool:
    """Sales read the clients they sold."""
    return is_signed_in(user) and user.has_role(Role.SALES)


def can_see_portfolio(user) -> bool:
    """The staff portfolio pages (/clients/) are for staff; client contacts use the portal."""
    return user.is_authenticated and (user.reads_all_clients or user.has_role(Role.SALES))


def can_create_client(user) -> bool:
    return user.is_superuser or user.has_role(Role.HEAD, Role.SUCCESS_MANAGER)


def can_edit_every_client(user) -> bool:
    """The head edits every client (a success manager edits their own: clients.permissions)."""
    return _is_head(user)


def can_edit_own_clients(user) -> bool:
    return user.has_role(Role.SUCCESS_MANAGER)


def can_import_clients(user) -> bool:
    return _is_head(user)


def can_see_audit(user) -> bool:
    return user.is_authenticated and user.reads_all_clients


def can_search(user) -> bool:
    """The staff search (/search/): every staff member, each finding what their roles read;
    a client contact searches in the portal."""
    return is_signed_in(user) and user.is_staff_member


# ---- tickets -------------------------------------------------------------------------------


def can_read_queue(user) -> bool:
    """The ticket queue and every ticket in it: the support department and the CEO."""
    return is_signed_in(user) and (user.is_support_staff or user.has_role(Role.CEO))


def can_read_internal_notes(user) -> bool:
    """Internal notes and their files: whoever reads the whole queue."""
    return can_read_queue(user)


def can_work_tickets(user) -> bool:
    """Assign, change status, extend, escalate, file for any client: the support department."""
    return user.is_authenticated and user.is_support_staff


def can_reply(user) -> bool:
    """Reply on any ticket the user reads (a client contact replies on their own company's
    tickets: tickets.permissions.is_own_company_ticket)."""
    return can_work_tickets(user)


def can_reopen(user) -> bool:
    """Reopen any resolved ticket (a client contact reopens their own company's)."""
    return can_work_tickets(user)


def can_write_internal_notes(user) -> bool:
    return can_work_tickets(user)


def can_link_telegram(user) -> bool:
    """Link one's Telegram to the support bot: a client contact (to write to support there)
    or a colleague of the department (to get emergency warnings on duty)."""
    return is_signed_in(user) and (user.is_client_contact or user.is_support_staff)


def can_see_duty_rota(user) -> bool:
    """The duty rota (who gets emergency SLA warnings at night): the department reads it."""
    return is_signed_in(user) and user.is_support_staff


def can_set_duty_rota(user) -> bool:
    """The head sets the duty rota."""
    return is_signed_in(user) and _is_head(user)


def acts_for_a_client(user) -> bool:
    """Holds the client-contact role: may file, reply, reopen and rate on their own
    company's tickets (tickets.permissions narrows it to that company)."""
    return user.is_authenticated and user.has_role(Role.CLIENT_CONTACT)


# ---- SLA settings --------------------------------------------------------------------------


def can_read_sla(user) -> bool:
    """The support department reads calendars and policies (their due times come from
    them); nobody else sees these pages."""
    return is_signed_in(user) and user.is_support_staff


def can_edit_sla(user) -> bool:
    """Only the head of support changes calendars and policies."""
    return can_read_sla(user) and _is_head(user)


# ---- KPIs and reports ----------------------------------------------------------------------


def can_see_kpi(user) -> bool:
    """The KPI dashboard, the KPI document and the reports: the head and the CEO."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.HEAD, Role.CEO))


def can_edit_kpi_targets(user) -> bool:
    """Targets are the head's to set; the CEO reads them."""
    return user.is_authenticated and _is_head(user)


def can_read_reports(user) -> bool:
    """Reports to the CEO: the head and the CEO read them (as they read the KPIs)."""
    return can_see_kpi(user)


def can_manage_reports(user) -> bool:
    """The head generates reports and writes their commentary."""
    return user.is_authenticated and _is_head(user)


# ---- API tokens ----------------------------------------------------------------------------


def can_use_api_tokens(user) -> bool:
    """Every signed-in user may hold personal API tokens."""
    return is_signed_in(user)


# ---- two-factor authentication ------------------------------------------------------------


def can_use_second_factor(user) -> bool:
    """Everyone signed in may turn on a second factor (client contacts opt in)."""
    return is_signed_in(user)


def can_manage_security(user) -> bool:
    """The head chooses the roles that must use a second factor and resets a lost one."""
    return is_signed_in(user) and _is_head(user)


# ---- implementation projects ---------------------------------------------------------------
# Role capabilities only; which projects a user may read or work is `projects/permissions.py`.


def can_see_projects(user) -> bool:
    """The project pages: the support department and the CEO read every project; sales read
    the projects of the clients they sold."""
    return is_signed_in(user) and (user.reads_all_clients or user.has_role(Role.SALES))


def can_run_projects(user) -> bool:
    """Open projects, own them and work their tasks: implementation managers and the head."""
    return is_signed_in(user) and (
        user.is_superuser or user.has_role(Role.HEAD, Role.IMPLEMENTATION_MANAGER)
    )


def can_edit_project_templates(user) -> bool:
    """Project templates are the head's to edit; the department reads them."""
    return is_signed_in(user) and _is_head(user)


def can_work_every_project(user) -> bool:
    """The head works every project (others their own: projects.permissions)."""
    return is_signed_in(user) and _is_head(user)


# ---- requests to development ---------------------------------------------------------------
# Role capabilities only; which requests a user may read is `devrequests/permissions.py`.


def can_see_dev_requests(user) -> bool:
    """The requests to development: development, the support department and the CEO."""
    return is_signed_in(user) and (user.reads_all_clients or user.has_role(Role.DEVELOPMENT))


def can_file_dev_requests(user) -> bool:
    """File, link, vote and tell clients of a release: the support department."""
    return is_signed_in(user) and user.is_support_staff


def can_decide_dev_requests(user) -> bool:
    """Accept, decline and move a request on to its release: development."""
    return is_signed_in(user) and (user.is_superuser or user.has_role(Role.DEVELOPMENT))


def can_merge_dev_requests(user) -> bool:
    """Merge duplicates: development, and the head of support who sees them come in."""
    return can_decide_dev_requests(user) or (is_signed_in(user) and _is_head(user))


def sees_dev_request_clients(user) -> bool:
    """Which clients a request concerns, by name: portfolio readers only. Development sees
    the impact figures (how many clients, their MRR), never the portfolio itself."""
    return reads_all_clients(user)


# ---- surveys ---------------------------------------------------------------------------------


def can_see_surveys(user) -> bool:
    """NPS campaigns and their response rates: the head, the success managers, the CEO."""
    return is_signed_in(user) and (
        user.is_superuser or user.has_role(Role.HEAD, Role.SUCCESS_MANAGER, Role.CEO)
    )


def can_run_surveys(user) -> bool:
    """Start an NPS campaign by hand: the head."""
    return is_signed_in(user) and _is_head(user)


def can_read_every_detractor_task(user) -> bool:
    """The head and the CEO see every detractor task; success managers see their own."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.CEO))


def can_work_detractor_tasks(user) -> bool:
    """Call detractors back and close the loop: success managers (their own) and the head."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.SUCCESS_MANAGER))


# Who answers the monthly internal survey (issue 11): sales, development and the support
# staff who work with them — not the head, whose department it judges.
INTERNAL_SURVEY_ROLES = (
    Role.SALES,
    Role.DEVELOPMENT,
    Role.SUPPORT_MANAGER,
    Role.SUCCESS_MANAGER,
    Role.IMPLEMENTATION_MANAGER,
    Role.SENIOR_ENGINEER,
)


def can_take_internal_survey(user) -> bool:
    return (
        is_signed_in(user)
        and user.has_role(*INTERNAL_SURVEY_ROLES)
        and not user.has_role(Role.HEAD)
    )


# ---- hand-offs from sales ------------------------------------------------------------------
# Role capabilities only; which hand-offs a user may read is `handoffs/permissions.py`.


def can_agree_handoffs(user) -> bool:
    """Accept or return hand-offs for support: the head, success and implementation
    managers (issue 10), and whoever stands in for the head while the head is away (the
    deputy is asked to agree, so the deputy may: issue 12)."""
    return is_signed_in(user) and (
        user.is_superuser
        or user.has_role(Role.HEAD, Role.SUCCESS_MANAGER, Role.IMPLEMENTATION_MANAGER)
        or acts_for_role(user, Role.HEAD)
    )


def can_start_handoffs(user) -> bool:
    """Sales hand their won clients over to support."""
    return is_signed_in(user) and user.has_role(Role.SALES)


def reads_all_handoffs(user) -> bool:
    """The support department and the CEO read every hand-off; sales read their own."""
    return is_signed_in(user) and user.reads_all_clients


def can_see_handoffs(user) -> bool:
    """The hand-off pages: sales, the support department and the CEO."""
    return reads_all_handoffs(user) or can_start_handoffs(user)


# ---- customer success: claims, churn cases, key accounts, call notes ---------------------
# Role capabilities only; which claims and cases a user may change is `success/permissions.py`.


def can_see_claims(user) -> bool:
    """The claims register (претензии): the head, the success managers and the CEO."""
    return is_signed_in(user) and (
        user.is_superuser or user.has_role(Role.HEAD, Role.SUCCESS_MANAGER, Role.CEO)
    )


def can_work_claims(user) -> bool:
    """Register and answer claims: the head and the success managers (the CEO reads)."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.SUCCESS_MANAGER))


def can_work_every_claim(user) -> bool:
    """The head edits every claim; a success manager the claims they own or of their clients."""
    return is_signed_in(user) and _is_head(user)


def can_see_churn_cases(user) -> bool:
    """Clients who are leaving (работа с уходящими клиентами): the head, the success
    managers and the CEO."""
    return can_see_claims(user)


def can_work_churn_cases(user) -> bool:
    """Open churn cases, plan the save and record the outcome: the head and the success
    managers (their own clients' cases; the head every case)."""
    return can_work_claims(user)


def can_edit_churn_reasons(user) -> bool:
    """The taxonomy of churn reasons is the head's."""
    return is_signed_in(user) and _is_head(user)


def can_mark_key_accounts(user) -> bool:
    """Which clients are key accounts (ключевые клиенты) is the head's call."""
    return is_signed_in(user) and _is_head(user)


def can_log_client_notes(user) -> bool:
    """Notes of calls and meetings with a client: the support department."""
    return is_signed_in(user) and user.is_support_staff


# ---- client health ---------------------------------------------------------------------------
# Role capabilities only; which clients' health a user reads is `health/permissions.py`.


def can_see_health(user) -> bool:
    """Health scores: the support department and the CEO (not sales, development or client
    contacts: the score judges the client and the department's service to it)."""
    return is_signed_in(user) and user.reads_all_clients


def can_edit_health_settings(user) -> bool:
    """Weights and bands of the health score: the head."""
    return is_signed_in(user) and _is_head(user)


def works_client_health(user) -> bool:
    """The at-risk list as a working list: success managers (their clients) and the head."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.SUCCESS_MANAGER))


# ---- budget and strategic KPIs (issue 12) ---------------------------------------------------


def can_see_budget(user) -> bool:
    """The department's budget: the head, who drafts it, and the CEO, who approves it."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.CEO))


def can_draft_budget(user) -> bool:
    """Draft, change and submit the plan, enter and import the facts: the head only."""
    return is_signed_in(user) and _is_head(user)


def can_decide_budget(user) -> bool:
    """Approve the submitted plan or return it with comments: the CEO only."""
    return is_signed_in(user) and user.has_role(Role.CEO)


def can_see_strategic_kpis(user) -> bool:
    """The strategic KPIs: the head defines them, the CEO reads them."""
    return can_see_budget(user)


def can_edit_strategic_kpis(user) -> bool:
    return is_signed_in(user) and _is_head(user)


# ---- escalations (issue 12) ----------------------------------------------------------------
# Role capabilities only; a deputy standing in for the head or the CEO, and which
# escalations a user may read and answer, are `tickets/permissions.py`.


def can_read_escalations(user) -> bool:
    """Every escalation of the department: the head and the CEO."""
    return is_signed_in(user) and (user.is_superuser or user.has_role(Role.HEAD, Role.CEO))


def can_raise_escalations(user) -> bool:
    """Raise an escalation by hand (about a ticket, a client or a cross-department issue):
    the support department."""
    return is_signed_in(user) and user.is_support_staff


# ---- the team (issue 12) -------------------------------------------------------------------


def can_manage_team(user) -> bool:
    """Give and take roles, record absences and deputies, keep the training records: the
    head of support."""
    return is_signed_in(user) and _is_head(user)


def can_see_team(user) -> bool:
    """The team pages: the head sees everyone; the rest of the support department sees
    their own roles, absences and training (team/permissions.py narrows it)."""
    return is_signed_in(user) and user.is_support_staff


# ---- the knowledge base (issue 15) ---------------------------------------------------------
# Role capabilities only; which articles a user may read is `knowledge/permissions.py` (a
# client contact reads the published client articles in the portal).


def can_read_knowledge(user) -> bool:
    """The staff pages of the knowledge base, internal rules included: everyone who is not
    only a client contact."""
    return is_signed_in(user) and user.is_staff_member


def can_edit_knowledge(user) -> bool:
    """Write, publish and file articles, see drafts: the head and the support managers."""
    return is_signed_in(user) and (_is_head(user) or user.has_role(Role.SUPPORT_MANAGER))


def can_mark_rules_read(user) -> bool:
    """Mark an internal rule «read and understood»: the support department, whom the rules
    bind."""
    return is_signed_in(user) and user.is_support_staff


def can_see_rule_reads(user) -> bool:
    """Who has and has not read each rule: the head."""
    return is_signed_in(user) and _is_head(user)


# ---- meetings and action items -------------------------------------------------------------
# Role capabilities only; which meetings a user may read is `meetings/permissions.py`.


def can_see_meetings(user) -> bool:
    """The meeting pages and «my action items»: the support department and the CEO, and
    sales and development (who take part in the weekly cross-department meeting)."""
    return is_signed_in(user) and (
        user.is_support_staff or user.has_role(Role.CEO, Role.SALES, Role.DEVELOPMENT)
    )


def reads_all_meetings(user) -> bool:
    """The department and the CEO read every meeting; sales and development only the
    cross-department meetings they take part in."""
    return is_signed_in(user) and (user.is_support_staff or user.has_role(Role.CEO))


def can_run_meetings(user) -> bool:
    """Set up the series, hold any meeting, write its minutes, give action items: the head
    (a meeting's chair does so for their own meeting: meetings.permissions)."""
    return is_signed_in(user) and _is_head(user)


# ---- integrations (issue 13) ---------------------------------------------------------------


def can_manage_bitrix(user) -> bool:
    """The Bitrix24 sync: its log, the review list of conflicts, running a sync: the head
    and the administrator."""
    return is_signed_in(user) and _is_head(user)
