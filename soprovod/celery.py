"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise a file-system broker
under the data directory (see settings), so embedded runs need no other service.

Every job is queued after its transaction committed (``transaction.on_commit``). When the
broker cannot be reached at that moment (Redis down or restarting), the job does not vanish
with an error after the data committed: a job meant to run now runs right away in the process
that queued it (`FallbackTask`), and is logged as such. docs/operations.md «Faults and
recovery» says what each outage does."""

import logging
import os
import sys

from celery import Celery, Task
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soprovod.settings")

logger = logging.getLogger(__name__)


class FallbackTask(Task):
    """A task that runs in the caller's process when the broker refuses to take it.

    Only a job meant to run now falls back. One with a countdown or an ETA (a retry waiting
    for its turn) cannot be held here: its error goes to the caller as before. Nor do the
    periodic jobs beat sends (its ``celery_beat_task`` header): beat logs the error and the
    job runs at its next tick, rather than in beat's loop, which would miss other ticks. Jobs
    are idempotent by their natural keys (architecture.md «Background work»), so running one
    here, and another copy later from a broker that took it after all, does no harm."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, **options):
        try:
            return super().apply_async(args, kwargs, task_id, producer, **options)
        except OperationalError as error:
            waits = options.get("countdown") or options.get("eta")
            periodic = (options.get("headers") or {}).get("celery_beat_task")
            if waits or periodic or self.app.conf.task_always_eager:
                raise
            logger.warning(
                "The broker is not reachable (%s): job %s runs here, in the process that queued it",
                error,
                self.name,
            )
            return self.apply(args, kwargs, task_id=task_id)


app = Celery("soprovod", task_cls=FallbackTask)
# Celery's Django fix-up has just put the working directory first on sys.path. Run from
# inside the package (`make messages` works in soprovod/), that would make the app
# soprovod/telegram shadow the python-telegram-bot package of the same top-level name: the
# project is importable without it (installed, or run from the repository's root).
if sys.path and sys.path[0] == os.getcwd():
    del sys.path[0]
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
