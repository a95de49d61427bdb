"""handler500: a Russian page that needs no database; a database outage is a 503 to retry."""

from django.db import OperationalError
from django.test import override_settings

from soprovod.web.views import server_error

# The database going down under a running server: soprovod/tests_faults/test_postgres.py.


def test_the_error_page_needs_no_database_and_speaks_russian(rf):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/tickets/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Сервис временно недоступен" in body
    assert "server closed" not in body


@override_settings(DEBUG=False)
def test_any_other_error_is_a_plain_500_page(rf):
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "bug" not in response.content.decode()
