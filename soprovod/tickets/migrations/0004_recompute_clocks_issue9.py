"""Issue 9: the stored SLA clocks of existing tickets were computed under two wrong rules — a
ceiling earlier than the target breached tickets resolved on time (and never paused while the
ticket waited for the client), and a pause begun after the due time moved it. Recompute every
clock's due time and outcome from its stored history (start, stop, pauses) under the
corrected rules with `sla.clocks.recompute`, the function the workflow and `soprovod verify`
use (it takes plain data: the rows are read here through the historical models). Each ticket
whose outcome changed gets an audit event listing old → new (reason «rule correction»), so
the head can see which past months changed and by how much.

A closed ticket whose calendar was edited after it closed kept the outcome it had under the
old calendar (sla.md «Recalculation») and is left alone: it cannot be recomputed under the
calendar it had.
"""

from collections import defaultdict

from django.db import migrations
from django.utils import timezone

from soprovod.lib.businesstime import BusinessCalendar, CalendarSpec
from soprovod.sla.calendars import spec_from
from soprovod.sla.clocks import Facts, recompute

REASON = "rule correction"
CHUNK = 5000
# The fields the rule computes, as they are at this migration.
SETTLED = [
    "due_at",
    "ceiling_at",
    "paused_since",
    "paused_seconds",
    "late_paused_seconds",
    "stopped_at",
    "elapsed_seconds",
    "status",
]
READ = [
    "pk",
    "ticket_id",
    "metric",
    "calendar_id",
    "calendar_version",
    "started_at",
    "target_seconds",
    "extension_seconds",
    "frozen",
    *SETTLED,
]
COUNTS = ("first_response", "resolution")  # the clocks a ticket's SLA outcome is made of


def _name(metric, field):
    if field == "due_at":
        return "resolution_ceiling" if metric == "resolution_ceiling" else f"{metric}_due"
    return f"{metric}_{field}"


def _shown(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _sla(statuses):
    if "breached" in statuses:
        return "breached"
    if not statuses or "pending" in statuses:
        return "pending"
    return "met"


def recompute_clocks(apps, schema_editor):
    SlaClock = apps.get_model("sla", "SlaClock")
    SlaPause = apps.get_model("sla", "SlaPause")
    WorkCalendar = apps.get_model("sla", "WorkCalendar")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    Ticket = apps.get_model("tickets", "Ticket")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not SlaClock.objects.exists():
        return
    engines = {None: BusinessCalendar(CalendarSpec.always_on("UTC"))}
    versions = {}
    for calendar in WorkCalendar.objects.all():
        days = dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"))
        engines[calendar.pk] = BusinessCalendar(spec_from(calendar, days))
        versions[calendar.pk] = calendar.version
    content_type, _created = ContentType.objects.get_or_create(app_label="tickets", model="ticket")
    now = timezone.now()
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), CHUNK):
        low, high = ids[offset], ids[min(offset + CHUNK, len(ids)) - 1]
        rows = list(
            SlaClock.objects.filter(ticket_id__gte=low, ticket_id__lte=high).values_list(*READ)
        )
        pauses = defaultdict(list)
        for ticket_id, begin, end in (
            SlaPause.objects.filter(
                clock__ticket_id__gte=low, clock__ticket_id__lte=high, clock__metric="resolution"
            )
            .order_by("clock__ticket_id", "started_at", "pk")
            .values_list("clock__ticket_id", "started_at", "ended_at")
        ):
            pauses[ticket_id].append((begin, end))
        stale, facts, stored = set(), [], {}
        for row in rows:
            pk, ticket_id, metric, calendar_id, version, started, target, extension, frozen = row[:9]
            values = dict(zip(SETTLED, row[9:], strict=True))
            if frozen and calendar_id is not None and version != versions.get(calendar_id):
                stale.add(ticket_id)
            facts.append(
                Facts(
                    pk, ticket_id, metric, calendar_id, started, target, extension,
                    values["stopped_at"],
                )
            )  # fmt: skip
            stored[pk] = (ticket_id, metric, values)
        fresh = recompute(facts, pauses, engines, now)
        changed, outcomes = [], defaultdict(dict)
        before, after = defaultdict(dict), defaultdict(dict)
        for pk, (ticket_id, metric, values) in stored.items():
            if ticket_id in stale:
                continue
            new = fresh[pk]
            before[ticket_id][metric] = values["status"]
            after[ticket_id][metric] = new["status"]
            if all(values[field] == new[field] for field in SETTLED):
                continue
            changed.append(SlaClock(pk=pk, **new))
            settled = new["stopped_at"] is not None or new["paused_since"] is not None
            for field in ("due_at", "ceiling_at", "status"):
                if values[field] != new[field] and (field != "status" or settled):
                    outcomes[ticket_id][_name(metric, field)] = [
                        _shown(values[field]),
                        _shown(new[field]),
                    ]
        SlaClock.objects.bulk_update(changed, SETTLED, batch_size=1000)
        audited = []
        for ticket_id, changes in outcomes.items():
            old_sla = _sla(list(before[ticket_id].values()))  # the ceiling counted
            new_sla = _sla([s for m, s in after[ticket_id].items() if m in COUNTS])
            if old_sla != new_sla:
                changes["sla_status"] = [old_sla, new_sla]
            if any(name.endswith("_status") for name in changes):
                audited.append(ticket_id)
        subjects = dict(Ticket.objects.filter(pk__in=audited).values_list("pk", "subject"))
        AuditEvent.objects.bulk_create(
            AuditEvent(
                at=now,
                action="updated",
                content_type=content_type,
                object_id=str(ticket_id),
                object_repr=f"#{ticket_id} {subjects.get(ticket_id, '')}"[:300],
                changes=outcomes[ticket_id],
                reason=REASON,
            )
            for ticket_id in audited
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_resolution_notice"),
        ("sla", "0006_clock_late_pauses"),
        ("audit", "0002_hash_chain"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(recompute_clocks, migrations.RunPython.noop)]
