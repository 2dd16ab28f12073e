"""kamdesk settings: everything that differs between installations comes from the environment.

See docs/configuration.md for every variable. Production (DEBUG off) refuses to start without a
SECRET_KEY; development and tests get a throwaway one.
"""

import sys
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "kamdesk.sqlite3"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Under pytest: fast password hashing, plain HTTP, a throwaway secret.
TESTING = env.bool("KAMDESK_TESTING", default="pytest" in sys.modules)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Debug and test runs get a fresh random key per process (the kamdesk command keeps one in var/).
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "kamdesk.core",
    "kamdesk.users",
    "kamdesk.audit",
    "kamdesk.accounts",
    "kamdesk.people",
    "kamdesk.activities",
    "kamdesk.imports",
    "kamdesk.sales",
    "kamdesk.myday",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Benchmarks read per-request SQL query counts and server time from response headers; off by default.
DEBUG_QUERY_HEADERS = env.bool("KAMDESK_QUERY_HEADERS", default=False)
if DEBUG_QUERY_HEADERS:
    MIDDLEWARE.insert(0, "kamdesk.core.middleware.QueryCountMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kamdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kamdesk.core.context_processors.kamdesk",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DEFAULT_SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work side by side; IMMEDIATE transactions plus a busy timeout
    # make concurrent writers wait for the lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=60),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (Redis when configured; local memory otherwise) ------------------------------------------
CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://kamdesk")}

# --- background jobs ---------------------------------------------------------------------------------
# Django's task framework: jobs queue in the database and `kamdesk worker` runs them (`kamdesk serve`
# starts one beside the web server). Tests run every job at once, in the request that queued it.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
    }
}

# Periodic jobs that `kamdesk scheduler` queues (django-tasks has none of its own): name -> the task's dotted
# path and how often it runs, in minutes.
KAMDESK_SCHEDULED_JOBS = {
    "daily-digest": {"task": "kamdesk.myday.tasks.send_digests_job", "every_minutes": 15},
    "coverage-snapshots": {"task": "kamdesk.people.tasks.coverage_snapshots_job", "every_minutes": 60},
}

# --- e-mail ---------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kamdesk <kamdesk@localhost>")
# The address people reach this installation at: links in e-mails (the daily digest) start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account/IP pair out for a while after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# E-mail addresses are case-insensitive: "Ann@x" and "ann@x" share one failure counter.
AXES_USERNAME_CALLABLE = "kamdesk.users.forms.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)

# --- security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS hardening is on whenever DEBUG is off; a deployment behind plain HTTP (rare) can opt out.
_https = env.bool("HTTPS", default=not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- uploads ----------------------------------------------------------------------------------------
# Largest file accepted by a web upload (imports). The CLI streams files of any size.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Where an uploaded import file waits between its preview and the confirmation (deleted after import;
# unconfirmed files after 12 hours). Several web nodes need a shared directory or STORAGES["imports"].
IMPORT_STAGING_DIR = env.path("IMPORT_STAGING_DIR", default=BASE_DIR / "var" / "imports")
# Store-check photos: largest upload, largest picture (width x height, against decompression bombs) and
# where they are kept — STORAGES["store_check_photos"] when configured (shared storage for several web
# nodes), else this directory. Never under a public URL: a view serves them after the access check.
STORE_CHECK_PHOTO_MAX_BYTES = env.int("STORE_CHECK_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
STORE_CHECK_PHOTO_MAX_PIXELS = env.int("STORE_CHECK_PHOTO_MAX_PIXELS", default=40_000_000)
# Test runs keep theirs out of var/ (a shared temporary directory; names are random).
_PHOTO_DIR = Path(tempfile.gettempdir()) / "kamdesk-test-photos" if TESTING else BASE_DIR / "var" / "photos"
STORE_CHECK_PHOTO_DIR = env.path("STORE_CHECK_PHOTO_DIR", default=_PHOTO_DIR)

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# kamdesk speaks English only: without the translation machinery every value a template writes skips a
# language lookup (a fifth of the render time of the busiest pages).
USE_I18N = False
USE_TZ = True

# --- static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Third-party assets are installed by npm at set-up (frontend/package.json); nothing is committed.
STATICFILES_DIRS = [
    ("vendor/pico", BASE_DIR / "frontend" / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/vega", BASE_DIR / "frontend" / "node_modules" / "vega" / "build"),
    ("vendor/vega-lite", BASE_DIR / "frontend" / "node_modules" / "vega-lite" / "build"),
    ("vendor/vega-embed", BASE_DIR / "frontend" / "node_modules" / "vega-embed" / "build"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- kamdesk ----------------------------------------------------------------------------------------
REPORTING_CURRENCY = env.str("REPORTING_CURRENCY", default="EUR")
# Labels of the four account tiers, in order: strategic, key, growth, maintain.
TIER_LABELS = env.dict(
    "TIER_LABELS",
    default={"strategic": "Strategic", "key": "Key", "growth": "Growth", "maintain": "Maintain"},
)
PAGE_SIZE = env.int("PAGE_SIZE", default=50)
# Roles that may see margins, costs and pricing terms; everyone else sees volumes and revenue only.
COST_VISIBLE_ROLES = env.list("COST_VISIBLE_ROLES", default=["admin", "team_lead", "kam"])
# First month of the fiscal year (1 = January): year-to-date and quarters count from it.
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=1)
# Days between contacts per stakeholder level when neither the contact nor the account's communication plan
# sets one. Keys: kamdesk.people.models.Level values, and "none" for contacts without a level. Levels the
# variable leaves out keep their default.
COVERAGE_DEFAULT_CADENCE_DAYS = {
    **{"c_level": 91, "director": 30, "head": 30, "buyer": 14, "operational": 30, "other": 91, "none": 91},
    **env.dict("COVERAGE_DEFAULT_CADENCE_DAYS", cast={"value": int}, default={}),
}
# A planned touchpoint counts as held on time when held at most this many days after its planned date.
TOUCHPOINT_GRACE_DAYS = env.int("TOUCHPOINT_GRACE_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
