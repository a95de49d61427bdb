"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise a file-system broker
under the data directory (see settings), so embedded runs need no other service."""

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soprovod.settings")

app = Celery("soprovod")
# Celery's Django fix-up has just put the working directory first on sys.path. Run from
# inside the package (`make messages` works in soprovod/), that would make the app
# soprovod/telegram shadow the python-telegram-bot package of the same top-level name: the
# project is importable without it (installed, or run from the repository's root).
if sys.path and sys.path[0] == os.getcwd():
    del sys.path[0]
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
