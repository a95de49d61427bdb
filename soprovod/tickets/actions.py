"""Every write to a ticket goes through these functions (architecture.md «A write»).

Each runs in one transaction, drives the SLA clocks (`soprovod.sla.clocks`), writes the
audit trail, and queues notifications with ``transaction.on_commit`` so nothing is sent for
a change that did not commit. Callers check permissions first (`accounts.permissions`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from soprovod.accounts.queries import acting_for
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, record, snapshot
from soprovod.core.errors import StaleObjectError, StateConflict
from soprovod.sla import clocks
from soprovod.sla import queries as sla_queries
from soprovod.sla.models import Metric, SlaClock
from soprovod.sla.signals import clocks_were_written
from soprovod.tickets import hooks, notify
from soprovod.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Escalation,
    SavedView,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
)

logger = logging.getLogger(__name__)

AUDITED_FIELDS = (
    "type",
    "category",
    "subject",
    "assignee",
    "site",
    "contact",
    "client",
    "status",
    "priority",
)


class TicketError(ValueError):
    """A change the ticket rules refuse; the message says why (shown to the user)."""


class TicketStateError(StateConflict, TicketError):
    """Refused because of the ticket's status (closed, not resolved, already rated for
    good): the API answers 409."""


class AttachmentError(ValueError):
    """A file refused by the size or type limits; the message names the file."""


class AttachmentStorageError(AttachmentError):
    """The file storage could not take a file (the disk is full, the volume failed): the
    whole write is refused and nothing of it is kept. Not the file's fault: mail intake
    leaves such a mail for the next run instead of marking it failed."""


# ---- helpers ---------------------------------------------------------------------------


def validate_attachment(upload: UploadedFile) -> None:
    """Refuse files over the size limit or of a kind not accepted (settings)."""
    name = upload.name or "file"
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in settings.ATTACHMENT_EXTENSIONS:
        raise AttachmentError(
            _("“%(name)s”: files of this type are not accepted. Accepted: %(kinds)s.")
            % {"name": name, "kinds": ", ".join(settings.ATTACHMENT_EXTENSIONS)}
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentError(
            _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "name": name,
                "size": round(upload.size / 1024 / 1024, 1),
                "limit": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024,
            }
        )


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    """The ticket row, locked; refuse if someone saved it after ``expected_version``."""
    current = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObjectError(current)
    return current


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.version += 1
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def _after_commit(func, *args) -> None:
    transaction.on_commit(lambda: func(*args))


def _storage_refusal(name: str, error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = _("there is no space left for files on the server")
    else:
        reason = _("the file storage is not available")
    return _(
        "“%(name)s” could not be saved: %(reason)s. Nothing was saved; please try again "
        "later, or send the message without the file."
    ) % {"name": name, "reason": reason}


@contextlib.contextmanager
def _files_of_this_write() -> Iterator[list[str]]:
    """Collects the names of the files a write stores; if the write fails after storing
    some (a later file did not fit, the database refused), they are deleted with it, so a
    refused write leaves no file that no row points to."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete the file %s of a refused write", name)
        raise


def _add_attachments(
    message: TicketMessage, uploads: Iterable[UploadedFile], stored: list[str]
) -> None:
    for upload in uploads:
        validate_attachment(upload)
        attachment = Attachment(
            message=message,
            filename=PurePath(upload.name or "file").name[:255],
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            size=upload.size,
        )
        try:
            attachment.file.save(attachment.filename, upload, save=False)
        except OSError as error:
            logger.error(
                "Attachment %r of ticket #%s could not be stored: %s",
                attachment.filename,
                message.ticket_id,
                error,
            )
            raise AttachmentStorageError(_storage_refusal(attachment.filename, error)) from error
        stored.append(attachment.file.name)
        attachment.save()


def tag_names(raw: str | Iterable[str]) -> list[str]:
    """Tag names from a comma-separated string or a list: trimmed, lower case, no repeats,
    at most 50 characters each."""
    items = raw.split(",") if isinstance(raw, str) else raw
    names = (" ".join(str(item).split()).lower()[:50] for item in items)
    return sorted({name for name in names if name})


def find_repeat_of(client_id: int | None, category_id: int | None, created_at: dt.datetime):
    """kpi.md «repeat_rate»: the most recent ticket of the same client and category resolved
    within the repeat window before ``created_at``, or None."""
    if client_id is None or category_id is None:
        return None
    window = dt.timedelta(days=settings.REPEAT_WINDOW_DAYS)
    return (
        Ticket.objects.filter(
            client_id=client_id,
            category_id=category_id,
            resolved_at__gte=created_at - window,
            resolved_at__lt=created_at,
        )
        .order_by("-resolved_at")
        .first()
    )


# ---- creating --------------------------------------------------------------------------


@transaction.atomic
def do_create_ticket(
    actor,
    *,
    subject: str,
    body: str,
    type: str,
    channel: str,
    client=None,
    category=None,
    site=None,
    contact=None,
    requester_email: str = "",
    assignee=None,
    attachments: Sequence[UploadedFile] = (),
    created_at: dt.datetime | None = None,
    source: str | None = None,
    email_message_id: str | None = None,
    promised_policy_id: int | None = None,
) -> Ticket:
    """Open a ticket with the client's first message and start its SLA clocks.

    ``promised_policy_id``: the policy whose times the staff form showed (and the operator
    may have promised on the phone); refused when the client's tickets get another one now,
    so a ticket never runs other clocks than the ones its creator quoted."""
    for upload in attachments:
        validate_attachment(upload)
    created_at = created_at or timezone.now()
    policy = sla_queries.policy_for(client)
    if promised_policy_id is not None and policy.pk != promised_policy_id:
        raise TicketError(
            _(
                "This client's SLA terms are not the ones the form showed: the first-response "
                "times below are now the client's. Check them and create the ticket again."
            )
        )
    repeat_of = find_repeat_of(
        getattr(client, "pk", None), getattr(category, "pk", None), created_at
    )
    ticket = Ticket(
        client=client,
        site=site,
        contact=contact,
        requester_email=requester_email or (contact.email if contact else ""),
        type=type,
        category=category,
        channel=channel,
        subject=subject.strip()[:300],
        assignee=assignee,
        created_at=created_at,
        is_repeat=repeat_of is not None,
        repeat_of=repeat_of,
        # The client's SLA policy (SLA по договору): its rules decide, the default otherwise.
        policy=policy,
    )
    ticket.full_clean(exclude=["policy"])
    ticket.save()
    with _files_of_this_write() as stored:
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=actor if getattr(actor, "pk", None) else None,
            author_email=requester_email,
            from_staff=False,  # the client's request, even when staff type it in from a call
            kind=TicketMessage.Kind.PUBLIC,
            source=source or channel,
            body=body,
            created_at=created_at,
            email_message_id=email_message_id,
        )
        _add_attachments(message, attachments, stored)
        clocks.start_clocks(ticket)
        record(actor, ticket, AuditEvent.Action.CREATED, diff({}, snapshot(ticket, AUDITED_FIELDS)))
        # Higher apps react (routing rules): they write through these actions.
        if hooks.ticket_written(ticket, hooks.CREATED, actor):
            ticket.refresh_from_db()
        _after_commit(notify.ticket_created, ticket.pk)
        return ticket


# ---- conversation ----------------------------------------------------------------------


@transaction.atomic
def do_add_message(
    actor,
    ticket: Ticket,
    body: str,
    *,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    source: str = TicketMessage.Source.WEB,
    from_staff: bool | None = None,
    is_automatic: bool = False,
    author_email: str = "",
    email_message_id: str | None = None,
    take: bool = False,
) -> TicketMessage:
    """Add a public reply or an internal note.

    ``take``: a colleague who replies publicly on an unassigned ticket becomes its assignee
    (the ticket page offers it ticked; issue 16), audited as an assignment.

    sla.md: the first public reply by staff stops the first-response clock (an internal note
    or an automatic acknowledgement does not); a client's reply to a ticket waiting for them
    puts it back in progress, and its resolution clock runs again."""
    if not body.strip() and not attachments:
        raise TicketError(_("The message is empty."))
    ticket = _lock(ticket, expected_version)
    if ticket.status == TicketStatus.CLOSED:
        raise TicketStateError(_("The ticket is closed: open a new one instead."))
    at = at or timezone.now()
    from_staff = (
        bool(getattr(actor, "is_support_staff", False)) if from_staff is None else from_staff
    )
    if internal and not from_staff:
        raise TicketError(_("Only staff can write internal notes."))
    with _files_of_this_write() as stored:
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=actor if getattr(actor, "pk", None) else None,
            author_email=author_email,
            from_staff=from_staff,
            kind=TicketMessage.Kind.INTERNAL if internal else TicketMessage.Kind.PUBLIC,
            source=source,
            is_automatic=is_automatic,
            body=body,
            created_at=at,
            email_message_id=email_message_id,
        )
        _add_attachments(message, attachments, stored)
        changed = []
        if from_staff and not internal and not is_automatic:
            if ticket.first_response_at is None:
                ticket.first_response_at = at
                changed.append("first_response_at")
                clocks.on_first_public_reply(ticket, at)
            if ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.OPEN
                changed.append("status")
        elif not from_staff and ticket.status == TicketStatus.WAITING_CLIENT:
            ticket.status = TicketStatus.OPEN
            changed.append("status")
            clocks.on_client_replied(ticket, at)
        _save(ticket, *changed)
        if (
            take
            and from_staff
            and not internal
            and not is_automatic
            and ticket.assignee_id is None
            and getattr(actor, "is_support_staff", False)
        ):
            do_update_ticket(actor, ticket, assignee=actor)
        _after_commit(notify.message_added, message.pk)
        return message


# ---- status ------------------------------------------------------------------------------

ALLOWED_TRANSITIONS = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.WAITING_CLIENT, TicketStatus.RESOLVED},
    TicketStatus.OPEN: {TicketStatus.WAITING_CLIENT, TicketStatus.RESOLVED},
    TicketStatus.WAITING_CLIENT: {TicketStatus.OPEN, TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {TicketStatus.CLOSED, TicketStatus.OPEN},
    TicketStatus.CLOSED: set(),
}


@transaction.atomic
def do_change_status(
    actor,
    ticket: Ticket,
    status: str,
    *,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    require_category: bool = False,
) -> Ticket:
    """Move a ticket through its workflow and drive the clocks:
    waiting_client pauses resolution; back to open resumes it; resolved stops it;
    resolved → open is a reopening; closed makes the outcome final.

    ``require_category``: a colleague resolving by hand must have categorised the ticket
    (the reports and the category KPIs count by it; issue 16). Imported history and the
    bulk close of old tickets resolve as they are."""
    ticket = _lock(ticket, expected_version)
    at = at or timezone.now()
    old = ticket.status
    if status == old:
        return ticket
    if status not in ALLOWED_TRANSITIONS[old]:
        raise TicketStateError(
            _("A ticket cannot go from “%(old)s” to “%(new)s”.")
            % {"old": TicketStatus(old).label, "new": TicketStatus(status).label}
        )
    if require_category and status == TicketStatus.RESOLVED and ticket.category_id is None:
        raise TicketError(
            _(
                "Choose the ticket's category before resolving it (under «Assignee, type, "
                "category»): reports and KPIs count resolved tickets by category."
            )
        )
    fields = ["status"]
    if old == TicketStatus.RESOLVED and status == TicketStatus.OPEN:
        ticket.reopened_count += 1
        ticket.is_repeat = True  # kpi.md: reopened after resolution is a repeat
        ticket.resolved_at = None
        fields += ["reopened_count", "is_repeat", "resolved_at"]
        clocks.on_reopened(ticket, at)
    elif status == TicketStatus.WAITING_CLIENT:
        clocks.on_waiting_client(ticket, at)
    elif old == TicketStatus.WAITING_CLIENT and status == TicketStatus.OPEN:
        clocks.on_client_replied(ticket, at)
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
        clocks.on_resolved(ticket, at)
    if status == TicketStatus.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
        clocks.on_closed(ticket)
    ticket.status = status
    _save(ticket, *fields)
    if status == TicketStatus.RESOLVED:
        _after_commit(notify.resolved, ticket.pk)
    record(
        actor,
        ticket,
        AuditEvent.Action.STATUS,
        {"status": [TicketStatus(old).label, TicketStatus(status).label]},
        reason=reason,
    )
    return ticket


def do_reopen(actor, ticket: Ticket, *, expected_version=None, at=None, reason="") -> Ticket:
    """A client (within the reopen window) or staff reopens a resolved ticket."""
    if ticket.status != TicketStatus.RESOLVED:
        raise TicketStateError(_("Only a resolved ticket can be reopened."))
    at = at or timezone.now()
    staff = getattr(actor, "is_support_staff", False)
    window = dt.timedelta(days=settings.REOPEN_WINDOW_DAYS)
    if not staff and ticket.resolved_at and at - ticket.resolved_at > window:
        raise TicketStateError(
            _("The ticket was resolved more than %(days)s days ago: please open a new one.")
            % {"days": settings.REOPEN_WINDOW_DAYS}
        )
    return do_change_status(
        actor, ticket, TicketStatus.OPEN, expected_version=expected_version, at=at, reason=reason
    )


@transaction.atomic
def do_close_resolved(older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Close tickets resolved longer ago than the reopen window (a background job)."""
    now = now or timezone.now()
    days = settings.REOPEN_WINDOW_DAYS if older_than_days is None else older_than_days
    due = Ticket.objects.filter(
        status=TicketStatus.RESOLVED, resolved_at__lt=now - dt.timedelta(days=days)
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due[:1000]):
        do_change_status(None, Ticket(pk=pk), TicketStatus.CLOSED, at=now)
        count += 1
    return count


# ---- fields ------------------------------------------------------------------------------


@transaction.atomic
def do_update_ticket(
    actor, ticket: Ticket, *, expected_version: int | None = None, **values
) -> Ticket:
    """Change type, category, subject, assignee, site, contact or priority. A type change
    recomputes the SLA clocks of an open ticket (sla.md «Recalculation»).

    Tags: ``tags`` (names) replaces the ticket's tags, ``add_tags`` adds to them; both are
    audited with the other changes, in one event."""
    ticket = _lock(ticket, expected_version)
    if ticket.status == TicketStatus.CLOSED:
        raise TicketStateError(_("The ticket is closed and can no longer be changed."))
    new_tags = values.pop("tags", None)
    added_tags = values.pop("add_tags", None)
    assignee = values.get("assignee")
    if assignee is not None and not assignee.is_support_staff:
        raise TicketError(_("Tickets can only be assigned to support staff."))
    before = snapshot(ticket, AUDITED_FIELDS)
    old_type, old_assignee = ticket.type, ticket.assignee_id
    for name, value in values.items():
        setattr(ticket, name, value)
    ticket.full_clean(exclude=["policy"])
    changes = diff(before, snapshot(ticket, AUDITED_FIELDS))
    old_names = sorted(ticket.tags.values_list("name", flat=True))
    names = list(old_names) if new_tags is None else tag_names(new_tags)
    names = sorted({*names, *tag_names(added_tags or ())})
    if names != old_names:
        ticket.tags.set([Tag.objects.get_or_create(name=name)[0] for name in names])
        changes["tags"] = [", ".join(old_names) or None, ", ".join(names) or None]
    if not changes:
        return ticket
    _save(ticket, *values)
    if ticket.type != old_type:
        clocks.recompute_ticket(ticket)
    record(actor, ticket, AuditEvent.Action.UPDATED, changes)
    if ticket.assignee_id and ticket.assignee_id != old_assignee:
        _after_commit(notify.assigned, ticket.pk, getattr(actor, "pk", None))
    if hooks.ticket_written(ticket, hooks.UPDATED, actor):
        ticket.refresh_from_db()
    return ticket


@transaction.atomic
def do_add_watchers(actor, ticket: Ticket, users: Iterable, *, audit: bool = True) -> list:
    """Add colleagues who follow the ticket; returns those newly added. ``audit=False`` for
    a caller that records the change in its own event (a routing rule's firing)."""
    watching = set(ticket.watchers.values_list("pk", flat=True))
    added = [user for user in users if user.pk not in watching]
    if added:
        ticket.watchers.add(*added)
        if audit:
            record(
                actor,
                ticket,
                AuditEvent.Action.UPDATED,
                {"watchers": [None, ", ".join(str(user) for user in added)]},
            )
    return added


def do_assign(actor, ticket: Ticket, assignee, *, expected_version: int | None = None) -> Ticket:
    return do_update_ticket(actor, ticket, expected_version=expected_version, assignee=assignee)


@transaction.atomic
def do_bulk(actor, tickets: Iterable[Ticket], *, assignee=None, close: bool = False) -> int:
    """Bulk assign or bulk close (resolved → closed; open ones are resolved then closed)."""
    count = 0
    for ticket in tickets:
        if assignee is not None and ticket.status != TicketStatus.CLOSED:
            do_assign(actor, ticket, assignee)
            count += 1
        if close and ticket.status != TicketStatus.CLOSED:
            if ticket.status in OPEN_STATUSES:
                ticket = do_change_status(actor, ticket, TicketStatus.RESOLVED)
            do_change_status(actor, ticket, TicketStatus.CLOSED)
            count += 1
    return count


@transaction.atomic
def do_correct_clocks(actor, corrections: dict[int, list[tuple]], *, reason: str) -> int:
    """Write recomputed clock values (``soprovod verify --fix``): for each ticket number, a
    list of ``(clock pk, model field, name shown, stored, recomputed)``. One audit event per
    ticket lists every value changed, old → new, with ``reason``. Returns how many values
    were written (a clock that changed meanwhile is left for the next run)."""
    written = 0
    tickets = Ticket.objects.in_bulk(list(corrections))
    for number, changes in corrections.items():
        ticket = tickets.get(number)
        if ticket is None:
            continue
        by_clock: dict[int, dict] = {}
        expected: dict[int, dict] = {}
        for pk, field, _name, stored, fresh in changes:
            by_clock.setdefault(pk, {})[field] = fresh
            expected.setdefault(pk, {})[field] = stored
        done = {}
        for pk, values in by_clock.items():
            if SlaClock.objects.filter(pk=pk, **expected[pk]).update(**values):
                done[pk] = True
        applied = [change for change in changes if change[0] in done]
        written += len(applied)
        if applied:
            clocks_were_written(SlaClock, ticket_ids=[number])
            record(
                actor,
                ticket,
                AuditEvent.Action.UPDATED,
                {name: [stored, fresh] for _pk, _field, name, stored, fresh in applied},
                reason=reason,
            )
    return written


@transaction.atomic
def do_extend_due(actor, ticket: Ticket, new_due: dt.datetime, reason: str):
    """Extend the resolution due time with a reason, never past the ceiling (sla.md)."""
    _lock(ticket, None)
    clock = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar", "ticket")
        .filter(ticket=ticket, metric=Metric.RESOLUTION)
        .first()
    )
    if clock is None:
        raise TicketStateError(_("This ticket has no resolution clock."))
    return clocks.extend_due(clock, new_due, actor=actor, reason=reason)


# ---- escalations: raised → acknowledged → resolved with a decision ------------------------


def _level_role(level: str) -> str:
    return Role.HEAD if level == Escalation.Level.HEAD else Role.CEO


def escalation_recipient(level: str, at: dt.datetime | None = None):
    """Who an escalation of ``level`` is addressed to at ``at``: the head or the CEO, or
    the deputy standing in for them (``accounts.queries.acting_for``)."""
    people = acting_for(_level_role(level), at)
    return people[0] if people else None


def _audit_escalation(
    actor, escalation: Escalation, before: str | None, *, reason: str = "", parent: bool = True
) -> None:
    """One event on the escalation, its status change under the key «escalation» so the
    ticket's or client's history (its parent) reads «эскалация: Поднята → Принята»."""
    owner = (escalation.ticket if escalation.ticket_id else escalation.client) if parent else None
    record(
        actor,
        escalation,
        AuditEvent.Action.OTHER,
        {"escalation": [before, escalation.get_status_display()]},
        reason=reason,
        parent=owner,
    )


@transaction.atomic
def do_raise_escalation(
    actor,
    *,
    level: str,
    reason: str,
    ticket: Ticket | None = None,
    client=None,
    subject: str | None = None,
    at: dt.datetime | None = None,
) -> Escalation:
    """Raise an escalation by hand: about a ticket, a client, or a cross-department issue
    with no record (neither given). A higher app raising one about its own record passes its
    registered ``subject`` kind and links the escalation on its side."""
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Say why the issue is escalated."))
    if level not in Escalation.Level.values:
        raise TicketError(_("Choose whom to escalate to."))
    if ticket is not None:
        client = ticket.client
    if subject is None:
        subject = (
            Escalation.SUBJECT_TICKET
            if ticket is not None
            else Escalation.SUBJECT_CLIENT
            if client is not None
            else Escalation.SUBJECT_DEPARTMENT
        )
    now = at or timezone.now()
    escalation = Escalation.objects.create(
        ticket=ticket,
        client=client,
        subject=subject,
        level=level,
        source=Escalation.Source.MANUAL,
        reason=reason,
        raised_by=actor if getattr(actor, "pk", None) else None,
        addressed_to=escalation_recipient(level, now),
        created_at=now,
    )
    label = Escalation.Level(level).label
    if ticket is not None:
        record(actor, ticket, AuditEvent.Action.OTHER, {"escalation": [None, label]}, reason=reason)
    # A ticket's history has the raise already (above): the escalation's own event stays
    # off it; a client's history gets it.
    _audit_escalation(actor, escalation, None, reason=reason, parent=ticket is None)
    _after_commit(notify.escalated, escalation.pk)
    return escalation


def do_escalate(actor, ticket: Ticket, level: str, reason: str) -> Escalation:
    """Raise a ticket to the head or the CEO with a written reason."""
    if not (reason or "").strip():
        raise TicketError(_("Say why the ticket is escalated."))
    return do_raise_escalation(actor, level=level, reason=reason, ticket=ticket)


@transaction.atomic
def do_auto_escalate(
    ticket: Ticket | None,
    *,
    level: str,
    source: str,
    reason: str,
    key: str,
    at: dt.datetime,
    client_id: int | None = None,
    subject: str | None = None,
) -> Escalation | None:
    """An escalation raised by a checker, once per natural ``key`` (ticket, metric, due
    time, level): returns it when raised now, None when it was raised before. The checker
    announces it itself (to ``acting_for`` the level), so nothing is queued here. Without a
    ticket (a clock of another department's request, e.g. a development request with no
    ticket) the caller audits it and passes its registered ``subject`` kind."""
    if subject is None:
        subject = (
            Escalation.SUBJECT_TICKET
            if ticket is not None
            else Escalation.SUBJECT_CLIENT
            if client_id
            else Escalation.SUBJECT_DEPARTMENT
        )
    escalation, created = Escalation.objects.get_or_create(
        key=key,
        defaults={
            "ticket": ticket,
            "client_id": ticket.client_id if ticket is not None else client_id,
            "subject": subject,
            "level": level,
            "source": source,
            "reason": reason,
            "created_at": at,
            "addressed_to": escalation_recipient(level, at),
        },
    )
    if not created:
        return None
    if ticket is not None:
        record(
            None,
            ticket,
            AuditEvent.Action.OTHER,
            {"escalation": [None, Escalation.Level(level).label]},
            reason=reason,
        )
    return escalation


def _locked_escalation(escalation: Escalation, expected_version: int | None) -> Escalation:
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("ticket", "client")
        .get(pk=escalation.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObjectError(locked)
    return locked


@transaction.atomic
def do_acknowledge_escalation(
    actor, escalation: Escalation, *, expected_version: int | None = None, at=None
) -> Escalation:
    """The head, the CEO or the deputy standing in takes the escalation on: the time to
    acknowledge stops here. Acknowledging it twice changes nothing."""
    escalation = _locked_escalation(escalation, expected_version)
    if escalation.status != Escalation.Status.RAISED:
        return escalation
    before = escalation.get_status_display()
    escalation.status = Escalation.Status.ACKNOWLEDGED
    escalation.acknowledged_at = at or timezone.now()
    escalation.acknowledged_by = actor
    escalation.version += 1
    escalation.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "version"])
    _audit_escalation(actor, escalation, before)
    return escalation


@transaction.atomic
def do_resolve_escalation(
    actor,
    escalation: Escalation,
    decision: str,
    *,
    expected_version: int | None = None,
    at=None,
) -> Escalation:
    """Close the escalation with the decision taken. One resolved straight from «raised»
    counts as acknowledged at the same moment (it was dealt with at once)."""
    decision = (decision or "").strip()
    if not decision:
        raise TicketError(_("Write the decision taken."))
    escalation = _locked_escalation(escalation, expected_version)
    if escalation.status == Escalation.Status.RESOLVED:
        raise TicketStateError(_("This escalation is resolved already."))
    now = at or timezone.now()
    before = escalation.get_status_display()
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at = now
        escalation.acknowledged_by = actor
    escalation.status = Escalation.Status.RESOLVED
    escalation.resolved_at = now
    escalation.resolved_by = actor
    escalation.outcome = decision
    escalation.version += 1
    escalation.save(
        update_fields=[
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "outcome",
            "version",
        ]
    )
    _audit_escalation(actor, escalation, before, reason=decision)
    _after_commit(notify.escalation_resolved, escalation.pk)
    return escalation


def rating_refusal(ticket: Ticket) -> str | None:
    """Why ``ticket`` cannot be rated now, or None when it can (the one rating rule, for
    the action, the portal and the import alike).

    A client rates a resolved ticket and may change the rating while it stays resolved; a
    closed ticket can still get its first rating, but a rating it has is final."""
    if ticket.status == TicketStatus.RESOLVED:
        return None
    if ticket.status != TicketStatus.CLOSED:
        return _("Only a resolved ticket can be rated.")
    if ticket.csat_score is not None:
        return _("The ticket is closed and already rated: its rating is final.")
    return None


@transaction.atomic
def do_rate(actor, ticket: Ticket, score: int, comment: str = "", *, at=None) -> Ticket:
    """CSAT: the client rates a resolved ticket 1–5 with an optional comment
    (`rating_refusal` says when it may)."""
    if not 1 <= int(score) <= 5:
        raise TicketError(_("The rating must be from 1 to 5."))
    ticket = _lock(ticket, None)
    refusal = rating_refusal(ticket)
    if refusal:
        raise TicketStateError(refusal)
    old_score = ticket.csat_score
    ticket.csat_score = int(score)
    ticket.csat_comment = comment.strip()
    ticket.csat_at = at or timezone.now()
    _save(ticket, "csat_score", "csat_comment", "csat_at")
    record(actor, ticket, AuditEvent.Action.OTHER, {"csat": [old_score, ticket.csat_score]})
    return ticket


# ---- merging duplicates (issue 15) --------------------------------------------------------


def merge_refusal(survivor: Ticket, duplicate: Ticket) -> str | None:
    """Why ``duplicate`` may not be merged into ``survivor``, or None.

    Only within one client: two companies' tickets about one failure are a mass incident
    (`soprovod.incidents`), where each client keeps its own ticket and SLA outcome."""
    if duplicate.pk == survivor.pk:
        return _("A ticket cannot be merged into itself.")
    if duplicate.merged_into_id is not None:
        return _("Ticket #%(number)s is already merged.") % {"number": duplicate.pk}
    if duplicate.status == TicketStatus.CLOSED:
        return _("Ticket #%(number)s is closed.") % {"number": duplicate.pk}
    if survivor.status == TicketStatus.CLOSED or survivor.merged_into_id is not None:
        return _("Ticket #%(number)s is closed: merge into an open ticket.") % {
            "number": survivor.pk
        }
    if duplicate.client_id != survivor.client_id:
        return _(
            "Ticket #%(number)s is from another client: tickets of several clients about one "
            "failure are linked to a mass incident instead."
        ) % {"number": duplicate.pk}
    return None


@transaction.atomic
def do_merge_tickets(
    actor, survivor: Ticket, duplicates: Iterable[Ticket], *, at: dt.datetime | None = None
) -> list[Ticket]:
    """Merge ``duplicates`` into ``survivor``: their messages move to the survivor; each
    client is told in a public reply left on the merged ticket (mailed by the usual outbound
    path); the merged ticket keeps a pointer (``merged_into``) and is closed as merged.

    SLA: a merged ticket keeps the outcome it had. Its first public reply and its
    resolution are the merge notice, at the merge instant: a clock already past its due
    time stays breached, one still within it is met, one already stopped is untouched.
    Those instants are the ticket's own history (``first_response_at``, ``resolved_at``),
    so ``soprovod verify`` recomputes the same outcome; the clocks are then frozen like any
    closed ticket's. The survivor's clocks are not touched. Merged tickets count in the
    KPIs like any other ticket created in the period, with that outcome (a breach stays a
    breach: merging never hides one). All or nothing: one refused ticket refuses all."""
    at = at or timezone.now()
    survivor = _lock(survivor, None)
    locked = [_lock(ticket, None) for ticket in sorted(duplicates, key=lambda t: t.pk)]
    if not locked:
        raise TicketError(_("Choose the tickets to merge."))
    for duplicate in locked:
        if (refusal := merge_refusal(survivor, duplicate)) is not None:
            raise TicketError(refusal)
    for duplicate in locked:
        moved = TicketMessage.objects.filter(ticket=duplicate).update(ticket=survivor)
        if survivor.contact_id is None and duplicate.contact_id is not None:
            survivor.contact_id = duplicate.contact_id
            _save(survivor, "contact")
        do_add_message(
            actor,
            duplicate,
            _(
                "Your request duplicates ticket #%(number)s «%(subject)s»: we have merged them "
                "and continue there. Your messages have been moved to that ticket."
            )
            % {"number": survivor.pk, "subject": survivor.subject},
            at=at,
            from_staff=True,
            source=TicketMessage.Source.SYSTEM,
        )
        duplicate = Ticket.objects.get(pk=duplicate.pk)
        if duplicate.status != TicketStatus.RESOLVED:
            duplicate.status = TicketStatus.RESOLVED
            duplicate.resolved_at = at
            clocks.on_resolved(duplicate, at)
        duplicate.status = TicketStatus.CLOSED
        duplicate.closed_at = at
        duplicate.merged_into = survivor
        duplicate.merged_at = at
        clocks.on_closed(duplicate)
        _save(duplicate, "status", "resolved_at", "closed_at", "merged_into", "merged_at")
        record(
            actor,
            duplicate,
            AuditEvent.Action.STATUS,
            {"merged_into": ["", f"#{survivor.pk}"], "status": ["", TicketStatus.CLOSED.label]},
            reason=_("%(count)s messages moved") % {"count": moved},
        )
    numbers = ", ".join(f"#{t.pk}" for t in locked)
    TicketMessage.objects.create(
        ticket=survivor,
        author=actor if getattr(actor, "pk", None) else None,
        from_staff=True,
        kind=TicketMessage.Kind.INTERNAL,
        source=TicketMessage.Source.SYSTEM,
        body=_("Merged into this ticket: %(numbers)s.") % {"numbers": numbers},
        created_at=at,
    )
    _save(survivor)
    record(actor, survivor, AuditEvent.Action.UPDATED, {"merged": ["", numbers]})
    return locked


# ---- saved queue views (issue 16) -----------------------------------------------------------


@transaction.atomic
def do_save_view(actor, *, name: str, query: str, shared: bool = False) -> SavedView:
    """Keep the queue's current tab, filters, sort and columns under ``name`` (the actor's
    view of that name is replaced). ``shared`` shows it to everyone who reads the queue."""
    name = " ".join(name.split())[:80]
    if not name:
        raise TicketError(_("Give the view a name."))
    view = SavedView.objects.select_for_update().filter(owner=actor, name=name).first()
    before = {"query": view.query, "shared": view.shared} if view else {}
    if view is None:
        view = SavedView(owner=actor, name=name)
    view.query, view.shared = query[:1000], shared
    view.save()
    record(
        actor,
        view,
        AuditEvent.Action.UPDATED if before else AuditEvent.Action.CREATED,
        diff(before, {"query": view.query, "shared": view.shared}),
    )
    return view


@transaction.atomic
def do_delete_view(actor, view: SavedView) -> None:
    record(actor, view, AuditEvent.Action.DELETED, {"name": [view.name, None]})
    view.delete()
