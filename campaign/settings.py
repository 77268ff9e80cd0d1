"""Settings for the whole site, read from the environment (README: Configuration)."""

import datetime
import logging
import os
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# pytest sets PYTEST_VERSION for the length of a run.
TESTING = "PYTEST_VERSION" in os.environ

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "Set SECRET_KEY (50+ random characters) or DEBUG=true."
        )
    SECRET_KEY = "django-insecure-development-key-never-use-in-production-0123456789"

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "campaign",
    "accounts",
    "letters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSP and the rest: repeat visitors of public pages cost
    # a look at the record's generation (campaign/pagecache.py).
    "campaign.pagecache.PublicPageMiddleware",
    # An anonymous visitor's GET of a public page goes on through the
    # middleware below without STAFF_MIDDLEWARE (campaign/lanes.py).
    "campaign.lanes.VisitorLaneMiddleware",
    # django-csp's, with the settings' policy built once (campaign/headers.py).
    "campaign.headers.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RequestOriginMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# What serves signed-in staff only: skipped in the visitors' lane.
STAFF_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RequestOriginMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "campaign.urls"
WSGI_APPLICATION = "campaign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'campaign.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Connections outlive a request: opening one (and, on SQLite, reading the
# schema again) would cost more than building a public page. Tests close them
# after each request and task, so that no thread's connection outlives the
# test database.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "CONN_MAX_AGE", default=0 if TESTING else 60
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The public pages' statements are prepared on the server once per connection
# (campaign/prepared.py). Turn off behind a connection pooler in transaction
# mode that does not keep prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED = env.bool("DATABASE_PREPARED", default=True)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Django's, checking a reused connection without a round trip while the
    # server has said nothing on it (campaign/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "campaign.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    # Only cursors that bind on the server prepare; Django's default ones never do.
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", 0 if DATABASE_PREPARED else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "campaign:dashboard_index"
LOGOUT_REDIRECT_URL = "campaign:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
# A session left untouched this long ends, whatever SESSION_COOKIE_AGE allows.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60 * 2)
# Invitations to join an organisation stay valid this many days.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# Number of reverse proxies in front of the site whose X-Forwarded-For is trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Admins and signatories must pass a one-time password (django-otp, TOTP).
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=True)
if not (OTP_REQUIRED or DEBUG or TESTING):
    raise ImproperlyConfigured("OTP_REQUIRED may be turned off only with DEBUG=true.")
OTP_TOTP_ISSUER = "UN Vote Campaigns"

# Lockout after repeated failed sign-ins (django-axes): per email and address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("AXES_COOLOFF_MINUTES", default=30)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.origin.client_ip"
AXES_USERNAME_CALLABLE = "accounts.origin.attempted_email"
AXES_VERBOSE = False

# Languages: the six official UN languages.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
UN_TIME_ZONE = "America/New_York"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Redis, when configured, is the broker, the result store and the cache.
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="campaign"),
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared between the web server and the worker processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# Public pages are cached whole, keyed by the record they show
# (campaign/pagecache.py); off only to measure rendering in bench/.
PUBLIC_PAGE_CACHE = env.bool("PUBLIC_PAGE_CACHE", default=True)

# Celery: a real worker process always; without Redis, kombu's filesystem
# transport under var/ stands in for the broker.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    # Unit tests without Redis use the in-process transport, never var/broker.
    default=REDIS_URL or ("memory://" if TESTING else "filesystem://"),
)
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within this time is handed to another worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND",
    default=REDIS_URL
    or ("cache+memory://" if TESTING else f"file://{VAR_DIR / 'celery-results'}"),
)
if CELERY_BROKER_URL == "filesystem://" or CELERY_RESULT_BACKEND.startswith("file://"):
    # The embedded transport and result store need their folders before any
    # process starts; they are local to this machine by design.
    for folder in (
        "broker/queue",
        "broker/processed",
        "broker/control",
        "celery-results",
    ):
        (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "campaign.tasks.record_worker_heartbeat",
        "schedule": 30.0,
    },
    "dispatch-due-reminders": {
        "task": "letters.tasks.dispatch_due_reminders",
        "schedule": 60.0,
    },
    "send-alert-digests": {
        "task": "letters.tasks.send_alert_digests",
        "schedule": crontab(hour=11, minute=0),  # 06:00/07:00 in New York
    },
}

# Email: captured as .eml files under var/mail/ unless EMAIL_URL or
# EMAIL_BACKEND name a real transport (SMTP, or any django-anymail provider).
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="campaign@example.org")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
MAIL_DIR = VAR_DIR / "mail"
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "letters.mailbox.EmlFileBackend"
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
ANYMAIL = env.json("ANYMAIL", default={})
# Basic-auth credentials ("user:password") providers must present to anymail's
# tracking and inbound webhooks under /anymail/. Unset, a random secret nobody
# knows keeps the webhooks closed rather than open to anyone.
ANYMAIL["WEBHOOK_SECRET"] = env(
    "ANYMAIL_WEBHOOK_SECRET",
    default=ANYMAIL.get("WEBHOOK_SECRET") or f"closed:{secrets.token_urlsafe(32)}",
)

# The delivery ledger (letters/ledger.py): the database decides what is sent;
# Celery tasks are hints. The lease is far shorter than the broker's visibility
# timeout and far longer than the send task's time limit (tests/test_ledger.py).
EMAIL_DOMAIN = env("EMAIL_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2])
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=120)
EMAIL_TASK_TIME_LIMIT = env.int("EMAIL_TASK_TIME_LIMIT", default=60)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_MAX_CRASHES = 3
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=30.0)
EMAIL_RETRY_MAX_SECONDS = env.float("EMAIL_RETRY_MAX_SECONDS", default=6 * 3600.0)
# Retries due sooner than this go back to the broker with a countdown; later
# ones wait on the row for the sweeper.
EMAIL_COUNTDOWN_MAX_SECONDS = env.int("EMAIL_COUNTDOWN_MAX_SECONDS", default=60)
EMAIL_SWEEP_GRACE_SECONDS = env.int("EMAIL_SWEEP_GRACE_SECONDS", default=60)
EMAIL_SWEEP_BATCH = env.int("EMAIL_SWEEP_BATCH", default=500)
# Messages per second across all workers, per provider; 0 means no limit.
EMAIL_RATE_PER_SECOND = env.int("EMAIL_RATE_PER_SECOND", default=0)
# One send task goes on to further due rows of its mailing, each claimed on its
# own, until it has taken this many or this much time has passed: a quarter of
# the time limit at most, so the last send still ends well inside it.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=50)
EMAIL_BATCH_SECONDS = min(
    env.float("EMAIL_BATCH_SECONDS", default=5.0), EMAIL_TASK_TIME_LIMIT / 4
)
CELERY_TASK_ROUTES = {"letters.tasks.send_delivery": {"queue": "email"}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE["sweep-deliveries"] = {
    "task": "letters.tasks.sweep_deliveries",
    "schedule": env.float("EMAIL_SWEEP_EVERY_SECONDS", default=30.0),
}
# Scheduled appeals are rows claimed when due, never Celery ETAs.
CELERY_BEAT_SCHEDULE["launch-due-appeals"] = {
    "task": "letters.tasks.launch_due_appeals",
    "schedule": 60.0,
}

# Security: strict by default outside development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Logs go to stdout: JSON lines in production (LOG_FORMAT=json, the default
# when DEBUG is off) for the log collector, plain text in development.
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG or TESTING else "json")
if LOG_FORMAT == "json":
    # Python's warnings become log records too, so that every line is JSON.
    logging.captureWarnings(True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "campaign.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Failed sign-ins reach the audit trail; axes' own notes are noise.
        "axes": {"level": "WARNING"},
    },
}

if TESTING:
    # Hashing demo passwords at full strength would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
