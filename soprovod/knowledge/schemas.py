"""The shapes of knowledge base articles in the HTTP API."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from soprovod.apiutils import QuerySchema


class ArticleFilters(QuerySchema):
    audience: Literal["internal", "client", ""] = Field(
        "", description="internal: rules (staff only); client: articles shown in the portal"
    )
    category: int | None = Field(None, ge=1)
    q: str = Field("", max_length=300, description="words to match (Russian endings ignored)")


class ArticleOut(Schema):
    id: int
    title: str
    category: str
    audience: str
    status: str
    summary: str
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.name


class ArticleDetailOut(ArticleOut):
    body: str = Field(description="The text in Markdown")
    body_html: str = Field(description="The text rendered and sanitised, as the pages show it")
