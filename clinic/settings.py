"""Clinic settings, read from the environment.

Embedded default: a SQLite file beside manage.py and Celery tasks run eagerly.
Production: DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://….
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", default=False)

def embedded_secret_key():
    """A random key kept in an untracked file, so the embedded mode needs no set-up
    and no secret ever lives in the repository. Production sets SECRET_KEY."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or embedded_secret_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
                 if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_eventstream",
    "csp",
    "events",
    "readmodels",
    "clinic",
    "clinic.api",
    "clinic.web",
    "clinic.signin",
    "clinic.operations",
    "clinic.roles",
    "clinic.audit",
]

MIDDLEWARE = [
    # First, so the time counted is the whole answer's (clinic.operations.requests).
    "clinic.operations.requests.ObserveRequests",
    "django.middleware.security.SecurityMiddleware",
    "clinic.middleware.ContentSecurityPolicy",  # django-csp's, the header built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their caching; every other response
    # is marked Cache-Control: no-store (clinic.middleware says why).
    "clinic.middleware.NeverStore",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clinic.signin.sessions.SessionLimits",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
ASGI_APPLICATION = "clinic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.web.context.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'clinic.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, but the database's files are readable by their owner only.
    DATABASES["default"]["ENGINE"] = "clinic.db.sqlite3"
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # behind the busy timeout instead of failing with "database is locked"
    # when one of them tries to upgrade a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not Django's shared in-memory database: concurrent
    # connections to shared-cache memory fail at once instead of waiting. One
    # file per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-clinic-{os.getpid()}.sqlite3")}
else:
    # A stopped or unreachable server is reported within seconds (/healthz), not after TCP's minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Parameters bound by the server, and a statement run five times on one
    # connection prepared there: PostgreSQL then neither parses nor plans it again.
    # A command's INSERT cost the server 0.40 ms of CPU before, 0.25 ms prepared
    # (make bench's concurrent appends are CPU-bound). Django binds on the client by
    # default and prepares nothing; these statements are ours, with no parameter
    # where the server takes none. (Behind a pooler in transaction mode, prepared
    # statements need its support: PgBouncer 1.21+ max_prepared_statements.)
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
# No broker: run tasks in-process, at once. This is the embedded mode. (The
# in-memory transport only keeps kombu from looking for a broker on localhost.)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# One queue name per deployment (or per test run, so runs on one Redis never collide).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CLINIC_QUEUE", "clinic")
# With the broker away, scheduling a projection must not hold a request for long:
# the events are already durable and beat's catch-up will project them later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE = {
    "catch-up-projections": {
        "task": "readmodels.tasks.project",
        "schedule": float(os.environ.get("CLINIC_CATCH_UP_SECONDS", "5")),
    },
    "prune": {"task": "clinic.operations.tasks.prune", "schedule": 3600.0},  # clinic.operations.housekeeping
}
# How long a write waits for the read side before answering 202.
CLINIC_READ_YOUR_WRITES_TIMEOUT = float(os.environ.get("CLINIC_READ_YOUR_WRITES_TIMEOUT", "2.0"))

# --- Operations (clinic.operations; docs/operations.md) -------------------
# /healthz says "degraded" (503) when a projection trails the head by more events than this.
CLINIC_HEALTH_MAX_LAG = int(os.environ.get("CLINIC_HEALTH_MAX_LAG", "1000"))
# A retried write is answered from its Idempotency-Key record this long; then `prune` deletes it.
CLINIC_IDEMPOTENCY_TTL_HOURS = float(os.environ.get("CLINIC_IDEMPOTENCY_TTL_HOURS", "24"))
# A projector retries an event that fails this many times, then parks it as a dead letter.
CLINIC_PROJECTOR_RETRIES = int(os.environ.get("CLINIC_PROJECTOR_RETRIES", "3"))
# Prometheus may scrape /metrics with "Authorization: Bearer <this>" (or a staff token).
CLINIC_METRICS_TOKEN = os.environ.get("CLINIC_METRICS_TOKEN", "")
# Patients' data keys (events.shredding) are stored wrapped under this key when it
# is set: 32 random bytes in base64. Keep it outside the database and its backups.
CLINIC_MASTER_KEY = os.environ.get("CLINIC_MASTER_KEY", "")
# --- The clinic's rules -----------------------------------------------------
# Appointments start on this grid of minutes from midnight (clinic local time).
CLINIC_SLOT_MINUTES = int(os.environ.get("CLINIC_SLOT_MINUTES", "15"))
# The week of a doctor whose working hours were never set: Monday (0) to Friday, 08:00-18:00.
CLINIC_DEFAULT_HOURS = [{"weekday": weekday, "start": "08:00", "end": "18:00"} for weekday in range(5)]

# --- Auth, i18n, static ---------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# axes first: it refuses a locked username before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True

# A JSON body larger than this is refused with 413 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

# --- Live updates (Server-Sent Events, django-eventstream) ----------------
# Browsers subscribe to one channel; only signed-in staff may (clinic.web.live).
# Stored events (a 24-hour buffer in the database) let a page that reconnects
# with Last-Event-ID catch up on what it missed.
EVENTSTREAM_STORAGE_CLASS = "django_eventstream.storage.DjangoModelStorage"
EVENTSTREAM_CHANNELMANAGER_CLASS = "clinic.web.live.StaffChannelManager"


def redis_connection(url):
    """redis.Redis(**kwargs) for a redis:// or rediss:// URL."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    kwargs = {"host": parsed.hostname or "localhost", "port": parsed.port or 6379,
              "db": int(parsed.path.strip("/") or 0)}
    if parsed.username:
        kwargs["username"] = unquote(parsed.username)
    if parsed.password:
        kwargs["password"] = unquote(parsed.password)
    if parsed.scheme == "rediss":
        kwargs["ssl"] = True
    return kwargs


# With Redis, an update projected by a Celery worker reaches the browsers of every
# web process (without it, only those of the process that projected it).
_EVENTSTREAM_REDIS_URL = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or ""
if _EVENTSTREAM_REDIS_URL.startswith(("redis://", "rediss://")):
    EVENTSTREAM_REDIS = redis_connection(_EVENTSTREAM_REDIS_URL)

# --- Signing in (clinic.signin) --------------------------------------------
def positive_number(name, default):
    text = os.environ.get(name) or default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise ImproperlyConfigured(f"{name} must be a positive number, not {text!r}.")
    return value


# API tokens (django-rest-knox): one per sign-in, stored as a digest, expiring after
# CLINIC_TOKEN_TTL_HOURS (no renewal by use). Header: Authorization: Token <token>.
CLINIC_TOKEN_TTL_HOURS = positive_number("CLINIC_TOKEN_TTL_HOURS", "12")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=CLINIC_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Sign-in throttling (django-axes, database handler): 5 failures for one username
# lock that username for 15 minutes at every door (pages, admin, API); a success
# before then resets the count. By username only: one address is the whole clinic
# behind its router, and locking it would lock everyone out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout do not extend it: 15 minutes means 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "clinic.signin.lockout.lockout_response"
# Failures only; no row per successful sign-in (an API token exchange would also
# open a session just to log it).
AXES_DISABLE_ACCESS_LOG = True
# axes.W006 asks for the address among the lockout parameters; see above for why not.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Staff sessions (clinic.signin.sessions): 30 idle minutes, 12 hours at most.
SESSION_COOKIE_AGE = 30 * 60
CLINIC_SESSION_MAX_AGE = 12 * 3600

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "no credentials" a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.signin.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.api.permissions.RoleAllows"],
    "DEFAULT_PARSER_CLASSES": ["clinic.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "clinic.api.pagination.ClinicPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "clinic.api.schema.ClinicSchema",
    "EXCEPTION_HANDLER": "clinic.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic API",
    "DESCRIPTION": "Event-sourced clinic operations: commands append events, reads come from projected tables.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids are named after the path below /api/ (auth_token_create, in
    # the "auth" tag). Left to guess, drf-spectacular takes the prefix common to every DRF
    # view, and /graphql (a DRF view, left out of this schema) would make it "/": every
    # operation would be "api_…" in one "api" tag, and generated clients would change.
    "SCHEMA_PATH_PREFIX": r"/api/",
    # The schema and the docs answer signed-in staff only, as the API does (clinic.api.docs).
    "SERVE_PERMISSIONS": ["clinic.api.permissions.IsClinicStaff"],
}

# --- Content-Security-Policy (django-csp) ----------------------------------
# On every response, in every mode. Scripts and styles come only from our own
# static files: no inline <script>, no on…= handler, no style="" and no <style>
# runs or applies, so markup injected into a page (a patient's name, say) cannot
# execute. The staff pages pass values to live.js in data- attributes; the API
# docs use the Swagger UI view that serves its start-up script as a file
# (clinic.api.docs). Images may also be data: URIs: the pages' favicon and Swagger
# UI's icons are. Live updates and Swagger UI fetch from this origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # GraphiQL's stylesheet embeds its fonts as data: URIs (the GraphQL page).
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Production hardening (off in DEBUG) ----------------------------------
# `manage.py check --deploy` passes with these defaults; a deployment behind a
# TLS-terminating proxy keeps them and sets X-Forwarded-Proto at the proxy.
if not DEBUG:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", True)

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
REQUEST_LOG_LEVEL = os.environ.get("CLINIC_REQUEST_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 404) is logged in one line, without a traceback (clinic.logs).
    "filters": {"one_line_refusals": {"()": "clinic.logs.OneLineRefusals"},
                "request_fields": {"()": "clinic.logs.RequestFields"}},
    "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter", "timestamp": True,
                            "fmt": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler"},
                 "json": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_fields"]}},
    "loggers": {
        # One JSON line per request and per command: ids, outcome, duration; no names
        # (docs/operations.md). CLINIC_REQUEST_LOG_LEVEL=WARNING silences them.
        "clinic.requests": {"handlers": ["json"], "level": REQUEST_LOG_LEVEL, "propagate": False},
        "clinic.commands": {"handlers": ["json"], "level": REQUEST_LOG_LEVEL, "propagate": False},
        # Django's own handlers (a console one in DEBUG) would write each record a second time.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.request": {"filters": ["one_line_refusals"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
