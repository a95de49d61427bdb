"""gunicorn settings for production (``gunicorn soprovod.wsgi:application -c
python:soprovod.gunicorn``), shared by deploy/docker-compose.yml and the systemd unit.

Each value can be changed with the environment variable named beside it."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: each request holds one database connection; 2 × cores + 1 is gunicorn's rule.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A request slower than this is killed; nginx gives up a little later (deploy/nginx).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart each worker now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Logs go to standard output/error: journald or Docker keep them (docs/operations.md).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trust X-Forwarded-* only from the proxy in front (nginx on the same host by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
