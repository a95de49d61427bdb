"""One permission helper per object kind. Every page, API endpoint and export goes through
these, so a rule is written once (domain.md «People and roles»).

Reads return querysets already scoped to what the user may see; an object outside that scope
answers 404, as if it did not exist, so a client contact never learns another company exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from soprovod.accounts.models import User
from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, Contact, Site

# ---- clients ---------------------------------------------------------------------------


def clients_visible_to(user: User) -> QuerySet[Client]:
    """Clients the user may read.

    Department staff and the CEO read the whole portfolio; sales read the clients they sold;
    a client contact reads only their own company; development reads no portfolio.
    """
    qs = Client.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.reads_all_clients:
        return qs
    if user.has_role(Role.SALES):
        return qs.filter(sold_by=user)
    if user.has_role(Role.CLIENT_CONTACT):
        client_id = client_id_of_contact(user)
        return qs.filter(pk=client_id) if client_id else qs.none()
    return qs.none()


def client_id_of_contact(user: User) -> int | None:
    """The company a client-contact user belongs to (cached on the user object)."""
    if not hasattr(user, "_contact_client_id"):
        user._contact_client_id = (
            Contact.objects.filter(user=user).values_list("client_id", flat=True).first()
        )
    return user._contact_client_id


def can_create_client(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.HEAD, Role.SUCCESS_MANAGER)


def can_edit_client(user: User, client: Client) -> bool:
    """The head edits every client; a success manager edits their own clients."""
    if user.is_superuser or user.has_role(Role.HEAD):
        return True
    return user.has_role(Role.SUCCESS_MANAGER) and client.success_manager_id == user.pk


def can_import_clients(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.HEAD)


def get_client_or_404(user: User, pk: int, *, for_update: bool = False) -> Client:
    """The client ``pk`` if the user may read it (and edit it, with ``for_update``), else 404.

    Editing without the right answers 404 too when the user cannot even read the client, and
    PermissionDenied (403) when they can read it but not edit it.
    """
    client = clients_visible_to(user).filter(pk=pk).select_related("success_manager").first()
    if client is None:
        raise Http404
    if for_update and not can_edit_client(user, client):
        raise PermissionDenied
    return client


# ---- sites and contacts ------------------------------------------------------------------


def sites_visible_to(user: User) -> QuerySet[Site]:
    return Site.objects.filter(client__in=clients_visible_to(user))


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=clients_visible_to(user))


def get_site_or_404(user: User, pk: int, *, for_update: bool = False) -> Site:
    site = sites_visible_to(user).select_related("client").filter(pk=pk).first()
    if site is None:
        raise Http404
    if for_update and not can_edit_client(user, site.client):
        raise PermissionDenied
    return site


def get_contact_or_404(user: User, pk: int, *, for_update: bool = False) -> Contact:
    contact = contacts_visible_to(user).select_related("client").filter(pk=pk).first()
    if contact is None:
        raise Http404
    if for_update and not can_edit_client(user, contact.client):
        raise PermissionDenied
    return contact


def can_see_portfolio(user: User) -> bool:
    """The staff portfolio pages (/clients/) are for staff; client contacts use the portal."""
    return user.is_authenticated and (user.reads_all_clients or user.has_role(Role.SALES))


def can_see_audit(user: User) -> bool:
    return user.is_authenticated and user.reads_all_clients


def can_edit_kpi_targets(user: User) -> bool:
    """Targets are the head's to set; the CEO reads them."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.HEAD))


# ---- tickets -----------------------------------------------------------------------------


def tickets_visible_to(user: User):
    """Tickets the user may read: the support department and the CEO read all; a client
    contact reads their own company's tickets; other roles read none."""
    from soprovod.tickets.models import Ticket

    qs = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_support_staff or user.has_role(Role.CEO):
        return qs
    if user.has_role(Role.CLIENT_CONTACT):
        client_id = client_id_of_contact(user)
        return qs.filter(client_id=client_id) if client_id else qs.none()
    return qs.none()


def can_work_tickets(user: User) -> bool:
    """Reply, assign, change status, extend, escalate: the support department."""
    return user.is_authenticated and user.is_support_staff


def is_own_company_ticket(user: User, ticket) -> bool:
    """A client contact acting on their own company's ticket (portal)."""
    return (
        user.is_authenticated
        and user.has_role(Role.CLIENT_CONTACT)
        and ticket.client_id is not None
        and ticket.client_id == client_id_of_contact(user)
    )


def get_ticket_or_404(user: User, number: int, *, for_work: bool = False):
    """The ticket ``number`` if the user may read it (and work it, with ``for_work``)."""
    ticket = (
        tickets_visible_to(user)
        .select_related("client", "site", "contact", "category", "assignee", "policy")
        .filter(pk=number)
        .first()
    )
    if ticket is None:
        raise Http404
    if for_work and not can_work_tickets(user):
        raise PermissionDenied
    return ticket


def attachments_visible_to(user: User):
    """Attachments of tickets the user may read; a client contact never sees attachments
    of internal notes."""
    from soprovod.tickets.models import Attachment, TicketMessage

    qs = Attachment.objects.filter(message__ticket__in=tickets_visible_to(user))
    if not user.is_support_staff and not user.has_role(Role.CEO):
        qs = qs.filter(message__kind=TicketMessage.Kind.PUBLIC)
    return qs


def messages_visible_to(user: User, ticket):
    """Messages of a ticket the user may read (internal notes are staff-only)."""
    qs = ticket.messages.all()
    if not user.is_support_staff and not user.has_role(Role.CEO):
        from soprovod.tickets.models import TicketMessage

        qs = qs.filter(kind=TicketMessage.Kind.PUBLIC)
    return qs


def can_see_kpi(user: User) -> bool:
    """The KPI dashboard, the KPI document and the reports: the head and the CEO."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.HEAD, Role.CEO))


# ---- SLA settings -------------------------------------------------------------------------


def can_read_sla(user: User) -> bool:
    """The support department reads calendars and policies (their due times come from
    them); nobody else sees these pages."""
    return bool(user.is_authenticated and user.is_active and user.is_support_staff)


def can_edit_sla(user: User) -> bool:
    """Only the head of support changes calendars and policies."""
    return can_read_sla(user) and (user.is_superuser or user.has_role(Role.HEAD))


# ---- reports ------------------------------------------------------------------------------


def can_read_reports(user: User) -> bool:
    """Reports to the CEO: the head and the CEO read them (as they read the KPIs)."""
    return can_see_kpi(user)


def can_manage_reports(user: User) -> bool:
    """The head generates reports and writes their commentary."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.HEAD))


def get_report_or_404(user: User, pk: int):
    """The report ``pk`` if the user may read reports; 404 otherwise, as if absent."""
    from soprovod.reports.models import Report

    if not can_read_reports(user):
        raise Http404
    report = Report.objects.filter(pk=pk).select_related("created_by").first()
    if report is None:
        raise Http404
    return report


# ---- implementation projects ----------------------------------------------------------------
# Role capabilities only; which projects a user may read or work is `projects/permissions.py`.


def can_see_projects(user: User) -> bool:
    """The project pages: the support department and the CEO read every project; sales read
    the projects of the clients they sold."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.reads_all_clients or user.has_role(Role.SALES))
    )


def can_run_projects(user: User) -> bool:
    """Open projects, own them and work their tasks: implementation managers and the head."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_role(Role.HEAD, Role.IMPLEMENTATION_MANAGER))
    )


def can_edit_project_templates(user: User) -> bool:
    """Project templates are the head's to edit; the department reads them."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(Role.HEAD))
    )
