"""The shapes of health scores in the HTTP API."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import QuerySchema


class ScoreFilters(QuerySchema):
    band: Literal["", "red", "yellow", "green"] = ""
    manager: str = Field("", max_length=20, description="«me» or a user id")
    at_risk: bool = False
    sort: Literal["score", "-score", "name", "mrr", "renewal"] = "score"


class MeasureOut(Schema):
    key: str
    raw: float | str
    sub: float
    weight: float
    share: float
    contribution: float


class ScoreOut(Schema):
    client_id: int
    client_name: str = Field(alias="client.name")
    day: dt.date
    computed_at: dt.datetime
    score: int | None
    band: str
    config_version: int
    measures: list[MeasureOut]
    flags: list[str]


class PointOut(Schema):
    day: dt.date
    score: int | None
    band: str


class ClientHealthOut(Schema):
    latest: ScoreOut | None
    sentiment: int | None
    history: list[PointOut]
