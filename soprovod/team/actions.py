"""Every write of the team pages (issue 12): training records, and handing an absent
person's queue and clients to a colleague. Roles and absences are people's own records and
are written by `accounts.actions` (the team pages call them); each write is audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from soprovod.accounts.models import User
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import record
from soprovod.clients.actions import do_update_client
from soprovod.clients.models import Client
from soprovod.team.models import TrainingItem, TrainingRecord
from soprovod.tickets.actions import do_assign
from soprovod.tickets.models import OPEN_STATUSES, Ticket


class TrainingError(ValidationError):
    """A training record the rules refuse."""


@transaction.atomic
def do_add_training_item(
    actor,
    *,
    kind: str,
    title: str,
    published_on: dt.date,
    description: str = "",
    reference: str = "",
) -> TrainingItem:
    """A new rule or course: from ``published_on`` every member of the team has to
    complete it (the training page lists who still has to)."""
    title = (title or "").strip()
    if not title:
        raise TrainingError(_("Give the rule or course a title."))
    item = TrainingItem.objects.create(
        kind=TrainingItem.Kind(kind),
        title=title,
        published_on=published_on,
        description=(description or "").strip(),
        reference=(reference or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor, item, AuditEvent.Action.CREATED, {"title": ["", title]})
    return item


@transaction.atomic
def do_record_completion(
    actor,
    item: TrainingItem,
    person: User,
    completed_on: dt.date,
    *,
    source: str = TrainingRecord.Source.MANUAL,
) -> TrainingRecord:
    """``person`` completed ``item`` on ``completed_on``. Recording it again corrects the
    date. The knowledge base (issue 15) calls this with ``source=KNOWLEDGE`` when a person
    marks a rule «read and understood»."""
    if not person.is_support_staff:
        raise TrainingError(_("Training is recorded for the support department's staff."))
    training, created = TrainingRecord.objects.select_for_update().get_or_create(
        item=item,
        person=person,
        defaults={
            "completed_on": completed_on,
            "source": source,
            "recorded_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    if created:
        record(
            actor,
            training,
            AuditEvent.Action.CREATED,
            {"completed_on": ["", completed_on]},
            parent=person,
        )
    elif training.completed_on != completed_on:
        before = training.completed_on
        training.completed_on = completed_on
        training.save(update_fields=["completed_on"])
        record(
            actor,
            training,
            AuditEvent.Action.UPDATED,
            {"completed_on": [before, completed_on]},
            parent=person,
        )
    return training


@transaction.atomic
def do_reassign_work(
    actor,
    person: User,
    colleague: User,
    *,
    tickets: bool = True,
    clients: bool = True,
) -> tuple[int, int]:
    """Hand ``person``'s open tickets and the clients they manage to ``colleague`` for
    good (an absence's routing only redirects notices for the period). Each ticket and
    client is changed through its own action, so each is audited where it lives. Returns
    how many tickets and clients moved."""
    if colleague.pk == person.pk:
        raise TrainingError(_("Choose another colleague."))
    if not colleague.is_active or not colleague.is_support_staff:
        raise TrainingError(_("Work goes to an active member of the support department."))
    moved_tickets = moved_clients = 0
    if tickets:
        for ticket in Ticket.objects.filter(assignee=person, status__in=OPEN_STATUSES).order_by(
            "pk"
        ):
            do_assign(actor, ticket, colleague)
            moved_tickets += 1
    if clients:
        for client in Client.objects.filter(success_manager=person).order_by("pk"):
            do_update_client(
                actor,
                client,
                success_manager=colleague,
                reason=_("Clients of %(person)s handed to %(colleague)s")
                % {"person": person, "colleague": colleague},
            )
            moved_clients += 1
    return moved_tickets, moved_clients
