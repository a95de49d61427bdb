"""The HTTP API root: /api/v1/ (interfaces.md «HTTP API»). Each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Soprovod API", version="1", urls_namespace="api")
