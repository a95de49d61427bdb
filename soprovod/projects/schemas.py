"""The shapes of implementation projects in the HTTP API."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import InputSchema, ObjectId, QuerySchema
from soprovod.clients.schemas import ClientRef, UserRef

Health = Literal["on_track", "at_risk", "overdue", "live", "cancelled"]


class ProjectFilters(QuerySchema):
    status: Literal["in_progress", "live", "cancelled", ""] = Field(
        "in_progress", description="Empty for every status."
    )
    health: Health | None = None
    owner: ObjectId | None = None
    q: str = Field("", max_length=100)


class ProjectOut(Schema):
    id: int
    name: str
    client: ClientRef
    owner: UserRef | None
    status: str
    health: Health = Field(description="on_track | at_risk | overdue, or live / cancelled")
    planned_start: dt.date
    planned_go_live: dt.date
    went_live_on: dt.date | None
    tasks_done: int
    tasks_total: int
    is_blocked: bool
    version: int


class TaskOut(Schema):
    id: int
    title: str
    assignee: UserRef | None
    planned_start: dt.date
    planned_end: dt.date
    done_on: dt.date | None


class StageOut(Schema):
    id: int
    kind: str
    name: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj) -> list:
        return list(obj.tasks.all())


class BlockerOut(Schema):
    id: int
    reason: str
    raised_at: dt.datetime
    lifted_at: dt.datetime | None
    resolution: str


class ProjectDetailOut(Schema):
    project: ProjectOut
    stages: list[StageOut]
    blockers: list[BlockerOut]


class MyTaskOut(TaskOut):
    project_id: int
    client: ClientRef
    stage: str
    is_overdue: bool

    @staticmethod
    def resolve_client(obj):
        return obj.project.client

    @staticmethod
    def resolve_stage(obj) -> str:
        return obj.stage.name


class TaskDoneIn(InputSchema):
    done_on: dt.date | None = Field(None, description="Default: today.")


class GoLiveIn(InputSchema):
    went_live_on: dt.date | None = Field(None, description="Default: today.")


class BlockerIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


class TemplateOut(Schema):
    id: int
    name: str
    tariff: str
    segment: str
    is_default: bool
    is_active: bool
    stages: list[dict]

    @staticmethod
    def resolve_stages(obj) -> list[dict]:
        return [
            {
                "kind": stage.kind,
                "name": stage.name,
                "planned_days": stage.planned_days,
                "tasks": [
                    {"title": task.title, "planned_days": task.planned_days}
                    for task in stage.tasks.all()
                ],
            }
            for stage in obj.stages.all()
        ]
