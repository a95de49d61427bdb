"""CSV exports of the project lists, from the same querysets as the pages."""

from __future__ import annotations

from django.utils import timezone

from soprovod.core.csvexport import csv_response

PROJECT_COLUMNS = (
    "id",
    "name",
    "client",
    "owner",
    "status",
    "health",
    "planned_start",
    "planned_go_live",
    "went_live_on",
    "tasks_done",
    "tasks_total",
    "blocked",
)
TASK_COLUMNS = ("project_id", "client", "stage", "task", "planned_start", "due", "overdue")


def projects_csv(projects):
    rows = (
        (
            p.pk,
            p.name,
            p.client.name,
            p.owner.get_full_name() if p.owner else "",
            p.status,
            p.health,
            p.planned_start,
            p.planned_go_live,
            p.went_live_on,
            p.tasks_done,
            p.tasks_total,
            p.is_blocked,
        )
        for p in projects.iterator(chunk_size=500)
    )
    return csv_response(f"projects-{timezone.localdate():%Y-%m-%d}.csv", PROJECT_COLUMNS, rows)


def tasks_csv(tasks):
    rows = (
        (
            t.project_id,
            t.project.client.name,
            t.stage.name,
            t.title,
            t.planned_start,
            t.planned_end,
            t.is_overdue,
        )
        for t in tasks.iterator(chunk_size=500)
    )
    return csv_response(f"my-tasks-{timezone.localdate():%Y-%m-%d}.csv", TASK_COLUMNS, rows)
