"""A project's plan on the business calendar, and the template text the head edits.

Stages run one after another; each lasts its planned number of working days on the calendar
(holidays and days off skipped, `BusinessCalendar.add_working_days`). A stage's tasks start
with the stage and each lasts its own planned working days, never past the stage's end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from soprovod.lib.businesstime import BusinessCalendar
from soprovod.projects.models import StageKind


@dataclass
class TaskPlan:
    title: str
    planned_days: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class StagePlan:
    kind: str
    name: str
    planned_days: int
    tasks: list[TaskPlan] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None


def schedule(stages: list[StagePlan], calendar: BusinessCalendar, start: dt.date) -> dt.date:
    """Date every stage and task from ``start`` (moved to the first working day); returns
    the planned go-live: the end of the last stage."""
    cursor = start
    end = calendar.next_working_day(start)
    for stage in stages:
        stage.start = calendar.next_working_day(cursor)
        stage.end = calendar.add_working_days(stage.start, stage.planned_days)
        for task in stage.tasks:
            task.start = stage.start
            task.end = calendar.add_working_days(
                stage.start, min(task.planned_days, stage.planned_days)
            )
        end = stage.end
        cursor = stage.end + dt.timedelta(days=1)
    return end


# ---- the template as text -------------------------------------------------------------------
# One stage per line, «name | stage | working days», each followed by its tasks,
# «- title | working days». Dense, keyboard-friendly, and every error names its line.


class PlanTextError(ValueError):
    """The template text could not be read; ``errors`` lists «line N: what is wrong»."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def _kind(value: str) -> str | None:
    wanted = value.strip().casefold()
    for kind in StageKind:
        if wanted in (kind.value, str(kind.label).casefold()):
            return kind.value
    return None


def _days(value: str, line: int, errors: list[str]) -> int:
    try:
        days = int(value.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 250:
        errors.append(
            _("line %(line)s: the length must be a whole number of working days from 1 to 250")
            % {"line": line}
        )
    return days


def parse_plan_text(text: str) -> list[StagePlan]:
    """Read the template text; raise `PlanTextError` naming every bad line."""
    stages: list[StagePlan] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            parts = [part.strip() for part in line[1:].split("|")]
            if len(parts) != 2 or not parts[0]:
                errors.append(
                    _("line %(line)s: a task is written «- title | working days»")
                    % {"line": number}
                )
                continue
            if not stages:
                errors.append(
                    _("line %(line)s: a task must follow the stage it belongs to")
                    % {"line": number}
                )
                continue
            stage = stages[-1]
            days = _days(parts[1], number, errors)
            if days > stage.planned_days:
                errors.append(
                    _("line %(line)s: the task is longer than its stage (%(days)s working days)")
                    % {"line": number, "days": stage.planned_days}
                )
            stage.tasks.append(TaskPlan(parts[0][:300], days))
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3 or not parts[0]:
            errors.append(
                _("line %(line)s: a stage is written «name | stage | working days»")
                % {"line": number}
            )
            continue
        kind = _kind(parts[1])
        if kind is None:
            errors.append(
                _("line %(line)s: unknown stage «%(value)s»; use one of: %(kinds)s")
                % {
                    "line": number,
                    "value": parts[1],
                    "kinds": ", ".join(str(k.label) for k in StageKind),
                }
            )
        stages.append(StagePlan(kind or "", parts[0][:200], _days(parts[2], number, errors)))
    if not stages and not errors:
        errors.append(_("the template has no stages"))
    for stage in stages:
        if not stage.tasks:
            errors.append(_("stage «%(name)s» has no tasks") % {"name": stage.name})
    if errors:
        raise PlanTextError(errors)
    return stages


def plan_text(stages) -> str:
    """The text of saved template stages (with their ``tasks``), as the editor shows it."""
    lines = []
    for stage in stages:
        lines.append(f"{stage.name} | {StageKind(stage.kind).label} | {stage.planned_days}")
        lines += [f"- {task.title} | {task.planned_days}" for task in stage.tasks.all()]
    return "\n".join(lines)
