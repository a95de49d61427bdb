"""A client's SLA terms in plain words (SLA по договору): what the client page and the portal
say, read from the policy the client's tickets get (`queries.policy_for`), so the words never
promise other times than the clocks run.

«Экстренные обращения: первый ответ в течение 15 минут, круглосуточно; решение в течение
4 рабочих часов (пн–пт 09:00–18:00 по московскому времени, праздники по производственному
календарю РФ).»
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from soprovod.sla import queries
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import Metric, PolicyRule, SlaPolicy, SlaTarget, TicketType, WorkCalendar

MOSCOW = "Europe/Moscow"


def _type_heading(ticket_type: str) -> str:
    return {
        TicketType.EMERGENCY: _("Emergency tickets"),
        TicketType.STANDARD: _("Standard tickets"),
        TicketType.CONSULTATION: _("Consultations"),
    }[ticket_type]


def duration_within(minutes: int, *, business: bool) -> str:
    """The time after «в течение»: «15 минут», «4 рабочих часов», «1 рабочего часа»."""
    if minutes % 60 == 0:
        hours = minutes // 60
        if business:
            return ngettext("%(count)d business hour", "%(count)d business hours", hours) % {
                "count": hours
            }
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    if business:
        return ngettext("%(count)d business minute", "%(count)d business minutes", minutes) % {
            "count": minutes
        }
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _days(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    if rest:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d calendar day", "%(count)d calendar days", days) % {"count": days}


def calendar_hours(calendar: WorkCalendar) -> str:
    """The calendar's working time as people say it: «пн–пт 09:00–18:00 по московскому
    времени, праздники по производственному календарю РФ»; «круглосуточно» for 24/7."""
    if calendar.is_24x7:
        return _("round the clock")
    weekly = calendar.weekly_hours or {}
    groups: list[tuple[int, int, str]] = []  # first day, last day, hours
    for day in range(7):
        hours = ", ".join(f"{start}–{end}" for start, end in weekly.get(str(day), []))
        if not hours:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], day, hours)
        else:
            groups.append((day, day, hours))
    parts = []
    for first, last, hours in groups:
        days = str(WEEKDAYS_ABBR[first]).lower()
        if last > first:
            days += "–" + str(WEEKDAYS_ABBR[last]).lower()
        parts.append(f"{days} {hours}")
    text = "; ".join(parts)
    if calendar.timezone == MOSCOW:
        text = _("%(hours)s Moscow time") % {"hours": text}
    else:
        text = _("%(hours)s, time zone %(zone)s") % {"hours": text, "zone": calendar.timezone}
    if calendar.russian_fallback:
        text = _("%(hours)s, public holidays per the Russian production calendar") % {"hours": text}
    return text


def _metric_text(target: SlaTarget, now: dt.datetime) -> str:
    business = not target.calendar.is_24x7
    within = duration_within(target.target_minutes, business=business)
    if target.metric == Metric.FIRST_RESPONSE:
        text = _("first response within %(time)s") % {"time": within}
    else:
        text = _("resolution within %(time)s") % {"time": within}
    if business:
        text += f" ({calendar_hours(target.calendar)})"
    else:
        text += ", " + _("round the clock")
    if target.metric == Metric.RESOLUTION and _ceiling_adds_time(target, now):
        text += "; " + _(
            "in complex cases the time may be extended, with a written reason, up to %(ceiling)s"
        ) % {"ceiling": _days(target.ceiling_minutes)}
    return text


def _ceiling_adds_time(target: SlaTarget, now: dt.datetime) -> bool:
    """sla.md «Target and ceiling»: the ceiling is never earlier than the target; where the
    target already reaches past it there is nothing to extend, and nothing to promise."""
    if not target.ceiling_minutes:
        return False
    engine = business_calendar(target.calendar)
    start = engine.next_working_instant(now)
    due = engine.add(start, target.target_minutes)
    return start + dt.timedelta(minutes=target.ceiling_minutes) > due


@dataclass(frozen=True)
class TermLine:
    ticket_type: str
    heading: str
    text: str


@dataclass(frozen=True)
class Terms:
    policy: SlaPolicy
    rule: PolicyRule | None  # what gave the client this policy; None: the default
    lines: list[TermLine] = field(default_factory=list)

    @property
    def source(self) -> str:
        """Why the client has this policy, for staff: «по тарифу «Корпоративный»»."""
        if self.rule is None:
            return _("the default policy")
        if self.rule.kind == PolicyRule.Kind.CLIENT:
            return _("set for this client")
        if self.rule.kind == PolicyRule.Kind.TARIFF:
            return _("by tariff “%(value)s”") % {"value": self.rule.value}
        return _("by segment “%(value)s”") % {"value": self.rule.value}


def policy_lines(policy: SlaPolicy, now: dt.datetime | None = None) -> list[TermLine]:
    """One plain sentence per ticket type the policy measures, in the usual order."""
    now = now or timezone.now()
    by_type: dict[str, list[SlaTarget]] = {}
    for target in SlaTarget.objects.filter(policy=policy).select_related("calendar"):
        by_type.setdefault(target.ticket_type, []).append(target)
    order = [Metric.FIRST_RESPONSE, Metric.RESOLUTION]
    lines = []
    for ticket_type in TicketType.values:
        targets = sorted(by_type.get(ticket_type, []), key=lambda t: order.index(t.metric))
        if not targets:
            continue
        text = "; ".join(_metric_text(target, now) for target in targets)
        lines.append(TermLine(ticket_type, _type_heading(ticket_type), text[:1].upper() + text[1:]))
    return lines


def client_terms(client, now: dt.datetime | None = None) -> Terms:
    """The terms ``client``'s new tickets get, and the rule that decides it."""
    resolver = queries.PolicyResolver()
    rule = resolver.rule_for(client)
    policy = rule.policy if rule is not None else resolver.default
    return Terms(policy, rule, policy_lines(policy, now))
