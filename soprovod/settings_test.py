"""Settings for the test suite: the real settings with a test key and fast hashing.

``DATABASE_URL`` and ``REDIS_URL`` still come from the environment, so `.ci/run` runs the
same suite on SQLite and on PostgreSQL + Redis.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret")
os.environ.setdefault("SOPROVOD_DATA_DIR", tempfile.mkdtemp(prefix="soprovod-test-"))

from soprovod.settings import *  # noqa: E402, F403
from soprovod.settings import DATA_DIR  # noqa: E402

# Argon2 is the production hasher; tests create many users, so hash fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S105
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "soprovod.core.storage.SafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects it
