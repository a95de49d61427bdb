"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise a file-system broker
under the data directory (see settings), so embedded runs need no other service."""

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soprovod.settings")

app = Celery("soprovod")
# Celery's Django fix-up puts the working directory first on sys.path. Run from inside the
# package (`make messages` works in soprovod/), that would make the app soprovod/telegram
# shadow the python-telegram-bot package of the same top-level name: keep the package's own
# folder off the path.
_package_dir = os.path.dirname(os.path.abspath(__file__))
while _package_dir in sys.path:
    sys.path.remove(_package_dir)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
