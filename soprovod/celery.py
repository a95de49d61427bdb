"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise a file-system broker
under the data directory (see settings), so embedded runs need no other service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soprovod.settings")

app = Celery("soprovod")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
