"""Soprovod settings: everything comes from environment variables (see README, «Production»).

With nothing set, Soprovod runs embedded: SQLite in ``var/``, background jobs through a
file-system broker, mail printed to the console. Production sets ``DATABASE_URL``,
``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and the mail variables.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from soprovod.env import env_bool, env_database, env_int, env_list, env_redis, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SOPROVOD_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite database and broker live here

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string, "
            "or DEBUG=1 for a development run (make run does this)."
        )
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - DEBUG runs only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "soprovod.core",
    "soprovod.accounts",
    "soprovod.audit",
    "soprovod.twofactor",
    "soprovod.clients",
    "soprovod.search",
    "soprovod.sla",
    "soprovod.tickets",
    "soprovod.knowledge",
    "soprovod.surveys",
    "soprovod.projects",
    "soprovod.incidents",
    "soprovod.macros",
    "soprovod.routing",
    "soprovod.quality",
    "soprovod.devrequests",
    "soprovod.problems",
    "soprovod.handoffs",
    "soprovod.success",
    "soprovod.health",
    "soprovod.telegram",
    "soprovod.budget",
    "soprovod.meetings",
    "soprovod.kpi",
    "soprovod.strategic",
    "soprovod.reports",
    "soprovod.team",
    "soprovod.bitrix",
    "soprovod.web",
]

MIDDLEWARE = [
    "soprovod.core.health.HealthCheckMiddleware",  # first: balancers probe by address, over HTTP
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who stands in for whom, asked by the menu and the page, read once per request.
    "soprovod.accounts.middleware.RequestMemoMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # After authentication and OTP: no page or session API call before the second factor.
    "soprovod.twofactor.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "soprovod.urls"
WSGI_APPLICATION = "soprovod.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "soprovod.web.context_processors.navigation",
                "soprovod.sla.context_processors.sla_warnings",
                "soprovod.core.views_notifications.unread_count",
            ],
        },
    },
]

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'soprovod.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The KPI indexes carry covering columns for PostgreSQL (bench/kpi.py); SQLite builds the
# same indexes without them, which is all the embedded mode needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is locked out for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Two-factor authentication (soprovod.twofactor): the name authenticator apps show, and
# wrong codes slowing further attempts down (1 s, 2 s, 4 s… per device).
OTP_TOTP_ISSUER = "Soprovod"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
# Each app may keep its own catalogue (soprovod/<app>/locale/), so parallel work on different
# apps never edits one shared file; app catalogues come first so `makemessages`, run from the
# package, files each string under the app it comes from. The package catalogue holds the rest.
LOCALE_PATHS = [*sorted(PACKAGE_DIR.glob("*/locale")), PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [p for p in [BASE_DIR / "node_modules" / "htmx.org" / "dist"] if p.is_dir()]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    # Django's file-system storage that removes a file it could not write whole (disk full).
    "default": {"BACKEND": "soprovod.core.storage.SafeFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = env_redis("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis unreachable: fail in seconds (pages fall back to the database), not hang.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Counters of limits (django-ratelimit: wrong Telegram link codes) must be seen by every
# process that takes updates (web workers for the webhook, the worker for polling): Redis when
# there is one, else files under DATA_DIR (a per-process memory cache would multiply the
# limit by the number of processes). django-ratelimit is used as a library only, not as an
# app: its system checks know neither Django's own Redis cache nor the file cache.
CACHES["limits"] = (
    {**CACHES["default"], "KEY_PREFIX": "limits"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "limits"),
    }
)
RATELIMIT_USE_CACHE = "limits"

# Background jobs: Celery with Redis when REDIS_URL is set; otherwise a broker kept in files
# under DATA_DIR, so the embedded worker needs nothing else and loses nothing on restart.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    # A host name only so that kombu does not warn about its absence; the folders are the queue.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(DATA_DIR / "broker" / "queue"),
        "data_folder_out": str(DATA_DIR / "broker" / "queue"),
        "processed_folder": str(DATA_DIR / "broker" / "processed"),
        "control_folder": str(DATA_DIR / "broker" / "control"),
        "store_processed": False,
    }
    # Kombu's file-system transport does not create its folders; every process that queues a
    # job (web, worker, `soprovod demo` on a fresh clone) needs them.
    for _key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_key]).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs (run by `celery beat`). Each is idempotent, so an overlap or a retry is harmless;
# `expires` drops a run that waited longer than its own period (a worker that was down).
# Task modules not named tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = ("soprovod.sla.tasks_recompute",)
CELERY_BEAT_SCHEDULE: dict = {
    # Every client's health score for the day (idempotent per client and day).
    "health-nightly": {"task": "health.recompute_all", "schedule": crontab(hour=2, minute=30)},
    "sla-check": {"task": "sla.check", "schedule": 60.0, "options": {"expires": 55}},
    "tickets-close-resolved": {
        "task": "tickets.close_resolved",
        "schedule": crontab(hour=3, minute=15),
    },
    # Last month's report to the CEO on the first working day (the task knows which day).
    "reports-monthly": {"task": "reports.monthly", "schedule": crontab(hour=7, minute=30)},
    # Quarterly and annual reviews: after the monthly one on their first working day.
    "reports-quarterly": {"task": "reports.quarterly", "schedule": crontab(hour=7, minute=45)},
    "reports-annual": {"task": "reports.annual", "schedule": crontab(hour=8, minute=0)},
    # The NPS cadence: contacts due their six-monthly survey (the day's campaign, once).
    "surveys-send-due": {"task": "surveys.send_due", "schedule": crontab(hour=10, minute=0)},
    # The monthly internal survey: a reminder once per person and month.
    "surveys-remind-internal": {
        "task": "surveys.remind_internal",
        "schedule": crontab(day_of_month=1, hour=10, minute=30),
    },
    # Overdue project tasks and stages: once a task or stage, so hourly costs nothing.
    # Hand-off agreement clocks: the 80 % warning and the breach escalation, each once.
    "handoffs-check": {
        "task": "handoffs.check_clocks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "projects-overdue": {
        "task": "projects.warn_overdue",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # KPI month facts: the month just ended, and any rebuild whose on-commit task was lost.
    "kpi-store-months": {
        "task": "kpi.store_months",
        "schedule": crontab(minute=20),
        "options": {"expires": 3000},
    },
    # Agreement clocks of requests to development: 80 % warnings and breaches, once each.
    # Claim response deadlines: warnings 7 and 2 days before, the missed deadline's
    # escalation; each once per claim and deadline.
    "success-claim-deadlines": {
        "task": "success.check_claim_deadlines",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
    # Meetings: generated four weeks ahead (once per series and date); agendas stored when
    # a meeting's time comes, overdue action items warned (once per item and due date).
    "meetings-generate": {"task": "meetings.generate", "schedule": crontab(hour=6, minute=0)},
    # Last week's quality review sample, Monday morning (idempotent per week).
    "quality-build-week": {
        "task": "quality.build_week",
        "schedule": crontab(day_of_week="mon", hour=6, minute=30),
    },
    "meetings-check": {"task": "meetings.check", "schedule": 300.0, "options": {"expires": 280}},
    "devrequests-clocks": {
        "task": "devrequests.check_clocks",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be set")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Soprovod <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The support mailbox clients write to: Reply-To of every mail to a client, and the domain of
# the Message-IDs Soprovod gives its outgoing mail.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1] or "support@localhost")

# Mail intake (tickets/intake.py): the IMAP mailbox polled every minute when IMAP_HOST is set.
IMAP_HOST = env_str("IMAP_HOST")
IMAP_SSL = env_bool("IMAP_SSL", True)
IMAP_PORT = env_int("IMAP_PORT", 993 if IMAP_SSL else 143, minimum=1)
IMAP_USER = env_str("IMAP_USER")
IMAP_PASSWORD = env_str("IMAP_PASSWORD")
IMAP_FOLDER = env_str("IMAP_FOLDER", "INBOX")
if IMAP_HOST and not (IMAP_USER and IMAP_PASSWORD):
    raise ImproperlyConfigured("IMAP_HOST is set: set IMAP_USER and IMAP_PASSWORD too")
if IMAP_HOST:
    CELERY_BEAT_SCHEDULE["tickets-fetch-mail"] = {
        "task": "tickets.fetch_mail",
        "schedule": 60.0,
        "options": {"expires": 55},
    }

# Bitrix24 CRM (soprovod/bitrix): off unless the inbound webhook is set. The webhook URL
# (https://<portal>/rest/<user>/<code>/) and the outbound events' application token are
# secrets: pages show them masked. The two field codes are optional company user fields
# (UF_CRM_...) that receive the Soprovod client ID and health score.
BITRIX24_WEBHOOK_URL = env_str("BITRIX24_WEBHOOK_URL")
BITRIX24_APP_TOKEN = env_str("BITRIX24_APP_TOKEN")
BITRIX24_CLIENT_ID_FIELD = env_str("BITRIX24_CLIENT_ID_FIELD")
BITRIX24_HEALTH_FIELD = env_str("BITRIX24_HEALTH_FIELD")
# Django's error page hides settings named like a secret; the webhook URLs are secrets too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "soprovod.core.errors.SecretSettingsFilter"
# Who owns the draft hand-offs made from won deals (a username); else the first salesperson.
BITRIX24_HANDOFF_OWNER = env_str("BITRIX24_HANDOFF_OWNER")
if BITRIX24_WEBHOOK_URL and not re.fullmatch(
    r"https?://[^/\s]+/rest/\d+/[^/\s]+/?", BITRIX24_WEBHOOK_URL
):
    raise ImproperlyConfigured(
        "BITRIX24_WEBHOOK_URL must look like https://<portal>/rest/<user>/<code>/"
    )
for _name in ("BITRIX24_CLIENT_ID_FIELD", "BITRIX24_HEALTH_FIELD"):
    if globals()[_name] and not re.fullmatch(r"UF_CRM_[A-Z0-9_]+", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be a company user field code, UF_CRM_...")
if BITRIX24_WEBHOOK_URL:
    # Events are never retried by Bitrix24: the night's reconciliation by DATE_MODIFY
    # catches whatever they missed.
    CELERY_BEAT_SCHEDULE["bitrix-reconcile"] = {
        "task": "bitrix.reconcile",
        "schedule": crontab(hour=1, minute=40),
        "options": {"expires": 3 * 3600},
    }
# The Telegram channel (soprovod/telegram): off unless TELEGRAM_BOT_TOKEN is set. Updates are
# taken by long polling (a job every few seconds), or by the webhook when
# TELEGRAM_WEBHOOK_URL (the public https address of /telegram/webhook/) is set; Telegram then
# sends TELEGRAM_WEBHOOK_SECRET in the X-Telegram-Bot-Api-Secret-Token header.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
TELEGRAM_WEBHOOK_URL = env_str("TELEGRAM_WEBHOOK_URL")
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET")
TELEGRAM_POLL_TIMEOUT = env_int("TELEGRAM_POLL_TIMEOUT", 8, minimum=0)
# Guessing a link code (8 characters of 32, valid up to 72 h): a chat that sent
# TELEGRAM_LINK_ATTEMPTS wrong codes waits out a window of TELEGRAM_LINK_WINDOW_MINUTES; past
# TELEGRAM_LINK_ATTEMPTS_PER_HOUR wrong codes from all chats together (a guessing run from
# many accounts), linking by code pauses for everyone until the hour's window ends.
TELEGRAM_LINK_ATTEMPTS = env_int("TELEGRAM_LINK_ATTEMPTS", 5, minimum=1)
TELEGRAM_LINK_WINDOW_MINUTES = env_int("TELEGRAM_LINK_WINDOW_MINUTES", 15, minimum=1)
TELEGRAM_LINK_ATTEMPTS_PER_HOUR = env_int("TELEGRAM_LINK_ATTEMPTS_PER_HOUR", 200, minimum=1)
if TELEGRAM_WEBHOOK_URL and not TELEGRAM_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "TELEGRAM_WEBHOOK_URL is set: set TELEGRAM_WEBHOOK_SECRET too (1-256 characters "
        "A-Z, a-z, 0-9, _ and -), so only Telegram can post updates"
    )
if TELEGRAM_BOT_TOKEN:
    # What a lost job left in the outbound queue, and (without a webhook) the updates.
    CELERY_BEAT_SCHEDULE["telegram-flush"] = {
        "task": "telegram.flush",
        "schedule": 60.0,
        "options": {"expires": 55},
    }
    if not TELEGRAM_WEBHOOK_URL:
        CELERY_BEAT_SCHEDULE["telegram-poll"] = {
            "task": "telegram.poll",
            "schedule": float(TELEGRAM_POLL_TIMEOUT + 2),
            "options": {"expires": TELEGRAM_POLL_TIMEOUT + 1},
        }

# Production hardening: `manage.py check --deploy` is clean whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# A ticket is a repeat when the client had a ticket of the same category resolved within
# this many days before it (kpi.md «repeat_rate»).
REPEAT_WINDOW_DAYS = env_int("REPEAT_WINDOW_DAYS", 30, minimum=1)
# A client may reopen a resolved ticket within this many days.
REOPEN_WINDOW_DAYS = env_int("REOPEN_WINDOW_DAYS", 7, minimum=0)
# Attachments: the largest file accepted, and the kinds of file accepted.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 20, minimum=1) * 1024 * 1024
ATTACHMENT_EXTENSIONS = env_list(
    "ATTACHMENT_EXTENSIONS",
    [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "txt",
        "log",
        "csv",
        "xlsx",
        "xls",
        "docx",
        "doc",
        "odt",
        "ods",
        "zip",
        "7z",
        "mp4",
        "mov",
        "eml",
    ],
)

# Requests to development are agreed within this many hours (kpi.md «dev_request.on_time»),
# counted in calendar time ("calendar"), on the department's default work calendar
# ("business"), or on the work calendar of that name.
DEV_REQUEST_AGREEMENT_HOURS = env_int("DEV_REQUEST_AGREEMENT_HOURS", 48, minimum=1)
DEV_REQUEST_CLOCK = env_str("DEV_REQUEST_CLOCK", "calendar")

# The department's portfolio capacity (job description: up to 400 clients).
PORTFOLIO_CAPACITY = env_int("PORTFOLIO_CAPACITY", 400, minimum=1)
# Hand-offs from sales (kpi.md «handoff.*»): support agrees within this many hours, counted
# in calendar time, or on the SLA work calendar of this name («default»: the department's
# default calendar) when set.
HANDOFF_AGREEMENT_HOURS = env_int("HANDOFF_AGREEMENT_HOURS", 24, minimum=1)
HANDOFF_CALENDAR = env_str("HANDOFF_CALENDAR", "")
# Share of the agreement time after which the support side is warned.
HANDOFF_WARNING_PERCENT = env_int("HANDOFF_WARNING_PERCENT", 80, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

NINJA_PAGINATION_PER_PAGE = 50

# Datetimes to the microsecond in dumpdata and backups (core/jsonserializer.py).
SERIALIZATION_MODULES = {"json": "soprovod.core.jsonserializer"}
