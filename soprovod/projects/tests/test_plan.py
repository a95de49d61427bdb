"""A project's plan on the business calendar, and the template text the head edits."""

import datetime as dt

import pytest
from django.utils import translation

from soprovod.lib.businesstime import BusinessCalendar
from soprovod.lib.prodcalendar import ru_spec
from soprovod.projects.plan import PlanTextError, StagePlan, TaskPlan, parse_plan_text, schedule

RU = BusinessCalendar(ru_spec())


def test_stages_follow_each_other_in_working_days_across_a_holiday():
    stages = [
        StagePlan("kickoff", "Старт", 2, [TaskPlan("Встреча", 1)]),
        StagePlan("setup", "Настройка", 3, [TaskPlan("Объекты", 3), TaskPlan("Сотрудники", 2)]),
    ]
    # Thursday 30 October 2026; 4 November (Wednesday) is a public holiday.
    go_live = schedule(stages, RU, dt.date(2026, 10, 30))
    assert (stages[0].start, stages[0].end) == (dt.date(2026, 10, 30), dt.date(2026, 11, 2))
    assert (stages[1].start, stages[1].end) == (dt.date(2026, 11, 3), dt.date(2026, 11, 6))
    assert stages[1].tasks[1].end == dt.date(2026, 11, 5)
    assert stages[0].tasks[0].end == dt.date(2026, 10, 30)
    assert go_live == dt.date(2026, 11, 6)


def test_the_text_reads_stages_and_tasks_in_any_language():
    stages = parse_plan_text(
        "Старт проекта | Старт | 2\n- Встреча | 1\n\nЗапуск | go_live | 1\n- Акт | 1\n"
    )
    assert [(s.kind, s.name, s.planned_days) for s in stages] == [
        ("kickoff", "Старт проекта", 2),
        ("go_live", "Запуск", 1),
    ]
    assert [t.title for t in stages[0].tasks] == ["Встреча"]


@translation.override("en")
def test_every_bad_line_is_named():
    with pytest.raises(PlanTextError) as caught:
        parse_plan_text("- Сирота | 1\nСтарт | неизвестно | 0\n- Задача | два\nНастройка | setup\n")
    errors = caught.value.errors
    assert any(e.startswith("line 1:") for e in errors)
    assert any(e.startswith("line 2:") and "неизвестно" in e for e in errors)
    assert any(e.startswith("line 3:") for e in errors)
    assert any(e.startswith("line 4:") for e in errors)


@translation.override("en")
def test_a_task_longer_than_its_stage_is_refused():
    with pytest.raises(PlanTextError, match="line 2"):
        parse_plan_text("Старт | kickoff | 2\n- Долгая задача | 5\n")
