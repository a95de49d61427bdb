"""``/healthz`` for load balancers and monitoring: is this app server able to serve?

It answers ``200 ok`` when the database answers a query and the job broker accepts a
connection, ``503 unavailable`` otherwise. The body never says which part failed, nor why:
it is reachable without signing in, so the reason goes to the log, not to the caller.

It is answered by a middleware placed first, before host validation and the HTTPS redirect,
because a load balancer probes each app server by its address over plain HTTP.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"
# A probe must answer well inside the balancer's own timeout (deploy/nginx: 5 s).
BROKER_TIMEOUT_SECONDS = 2


def database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: the database is unavailable: %s", error)
        return False
    return True


def broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
            socket_timeout=BROKER_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        except redis.RedisError as error:
            logger.warning("health check: the job broker is unavailable: %s", error)
            return False
        finally:
            client.close()
        return True
    # The embedded file-system broker: its queue folder must be writable.
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        logger.warning("health check: the job queue folder is unavailable: %s", error)
        return False
    if not os.access(folder, os.W_OK):
        logger.warning("health check: the job queue folder %s is not writable", folder)
        return False
    return True


def healthz(request: HttpRequest) -> HttpResponse:
    # Both checks run every time, so the log names every failing part at once.
    healthy = all([database_ok(), broker_ok()])
    response = HttpResponse(
        "ok\n" if healthy else "unavailable\n",
        status=200 if healthy else 503,
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer ``GET|HEAD /healthz`` before anything else looks at the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
