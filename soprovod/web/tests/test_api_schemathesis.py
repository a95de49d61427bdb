"""schemathesis against the OpenAPI document of /api/v1/ (issue 14): every operation, called
through the WSGI application with the head's API token, with generated parameters and bodies.
No answer may be a server error, and every answer must conform to the document (status code
declared, body matching its schema, content type declared).

The run is fixed and bounded: ``derandomize`` (the same examples every run) and
``max_examples`` per operation, so it takes a couple of minutes in `.ci/run` on SQLite and on
PostgreSQL alike. Each call runs in a savepoint that is rolled back, as a request of the
permission matrix does, so one example's writes never break the next.
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from soprovod.api import api
from soprovod.web.tests.matrix_world import build_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 12

# The examples phase (the document's own examples) and the fuzzing phase (MAX_EXAMPLES
# generated cases per operation). The coverage phase is off: it derives every boundary case
# the schema defines (some 300 per write here), which would take the run far past its budget.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 14,
        "generation": {"max-examples": MAX_EXAMPLES},
        "phases": {"coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(path_prefix="/api/v1/"), config=CONFIG
)
schema.app = get_wsgi_application()
# The host the WSGI transport names (Django refuses a host it does not serve with 400).
HOST = "localhost"


@contextlib.contextmanager
def same_connection():
    """Django's WSGI handler closes the database connection at the end of each request
    (``close_old_connections``), which would end the test's transaction: keep it open, as
    Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Objects for the ids the examples may hit (the permission matrix's world): one of each,
    owned by one client company, so that some generated ids name real objects."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case, world, settings):
    settings.ALLOWED_HOSTS = [HOST]
    headers = {"Authorization": f"Bearer {world.tokens['head']}"}
    with same_connection(), transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
def test_the_run_reaches_the_api(world, settings):
    """The harness itself: through the same transport, host and token, a list answers 200
    with items and a write is accepted, so a misconfigured run (every call refused with 400
    or 401) cannot pass the test above unnoticed."""
    settings.ALLOWED_HOSTS = [HOST]
    headers = {"Authorization": f"Bearer {world.tokens['head']}"}
    operation = schema["/api/v1/clients"]["GET"]
    with same_connection():
        response = operation.Case().call(headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["count"] >= 2
    operation = schema["/api/v1/tickets/{number}/messages"]["POST"]
    case = operation.Case(path_parameters={"number": world.ticket.number}, body={"body": "Ответ"})
    with same_connection(), transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    assert response.status_code == 201, response.text
    case.validate_response(response, checks=CHECKS)


def test_no_two_schemas_of_the_api_share_a_name():
    """django-ninja names a schema in the document by its class name: two classes of one name
    (the hand-offs' and the dev requests' ``AcceptIn`` and ``RoundOut`` were) are described
    by one of them, so the other's answers fail the document."""
    from ninja import Schema

    modules: dict[str, set[str]] = {}

    def walk(cls) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("soprovod."):
                modules.setdefault(sub.__name__, set()).add(sub.__module__)
            walk(sub)

    walk(Schema)
    shared = {name: sorted(found) for name, found in modules.items() if len(found) > 1}
    assert not shared
