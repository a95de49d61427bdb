"""/healthz tells a load balancer whether this app server can serve, and nothing more."""

import socket

import pytest


def closed_port() -> int:
    """A loopback port nothing listens on (taken from the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_needs_no_login_no_allowed_host_and_no_https(client, settings):
    settings.ALLOWED_HOSTS = ["support.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")  # the balancer probes by address
    assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_is_unavailable_when_the_broker_is_down(client, settings, caplog):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CELERY_BROKER_URL = url
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"  # no reason, no host, no port
    assert "job broker is unavailable" in caplog.text


@pytest.mark.django_db
def test_healthz_is_unavailable_when_the_file_queue_cannot_be_written(client, settings, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(blocked / "queue")}
    assert client.get("/healthz").status_code == 503
