"""Marginalia settings: one file, driven by environment variables.

Defaults suit a developer's machine (SQLite, DEBUG on). Production sets DJANGO_DEBUG=false,
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL, and refuses to start without them.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "django-insecure-marginalia-development-key-never-use-in-production"  # noqa: S105


def envbool(name: str, default: bool) -> bool:
    """Read a yes/no variable, refusing anything that is not clearly one or the other."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def envint(name: str, default: int, minimum: int = 0) -> int:
    """Read a whole number, refusing anything else or anything below ``minimum``."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: the development key must not be used with DEBUG off")

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "axes",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "papers",
    "reviews",
    "benchmarks",
]

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "reviews.context_processors.next_url",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Each process keeps its own caches; what they hold is keyed so another process's writes are never served stale
# (reviews/dashboard_cache.py, reviews/row_cache.py). A list row is about 8 kB: 4,000 are 32 MB a process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "list_rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "list_rows",
        "TIMEOUT": 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 4000},
    },
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs tens of milliseconds on the list queries and never pays back on a web request;
    # ranking a broad search joins thousands of wide rows, which spills to disk at the default 4MB work_mem.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "DJANGO_PG_OPTIONS", "-c jit=off -c work_mem=32MB"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes. IMMEDIATE takes the write lock when a transaction
    # begins, so a second writer waits out the busy timeout; a deferred transaction that read first would fail
    # at once with "database is locked" when it came to write (tests/test_sqlite_writers.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The paper list's covering index carries the id on PostgreSQL; SQLite builds it without, which is fine.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# A refused form gets the site's layout and a way back (templates/403_csrf.html), not Django's bare page.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:home"
LOGOUT_REDIRECT_URL = "login"

# Background work (imports) goes through Django's tasks API (the django-tasks backport) and its database
# backend: the queue is a table in the app's own database, and `manage.py db_worker` runs it (`make run`
# starts one beside the web server). DJANGO_TASKS_BACKEND=immediate runs tasks inside the request instead,
# for a machine without a worker; the tests choose their backend per test (tests/conftest.py).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = os.environ.get("DJANGO_TASKS_BACKEND", "database")
if _tasks_backend not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"DJANGO_TASKS_BACKEND={_tasks_backend!r}: use {' or '.join(TASKS_BACKENDS)}")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[_tasks_backend], "QUEUES": ["default"]}}
# A task silent for this long has lost its worker (killed, machine gone): `manage.py recover_jobs` and the import
# pages report it failed and retry what can be retried. Import jobs beat every few seconds; the others are judged
# by when they started, so this must exceed the longest similar-papers refresh.
WORKER_TIMEOUT = timedelta(minutes=envint("MARGINALIA_WORKER_TIMEOUT_MINUTES", 15, minimum=1))

# Files uploaded for import wait here, private (never served), until their import job is done.
IMPORT_UPLOAD_DIR = Path(os.environ.get("MARGINALIA_IMPORT_UPLOAD_DIR", BASE_DIR / "var" / "imports"))
# The TF-IDF features the priority order learns from, kept between retrainings (reviews/priority_features.py).
PRIORITY_CACHE_DIR = Path(os.environ.get("MARGINALIA_PRIORITY_CACHE_DIR", BASE_DIR / "var" / "priority"))

# Uploads to the admin importer are read into memory up to this size, then spooled to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Cookies: the session's is never readable by JavaScript; nor is the CSRF cookie, since htmx sends the token from
# the page (hx-headers on <body>) and no script reads the cookie. Both are sent over HTTPS only in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline or eval'd, so an
# injected <script> or onclick does nothing; templates/base.html turns off htmx's eval and its injected
# <style>. Style attributes stay allowed (style-src-attr) for one reason: a tag's chip takes its colour,
# which the owner picks freely, from style="--tag-colour: …"; <style> elements and style sheets from
# elsewhere are refused. A browser without style-src-attr falls back to style-src and shows the chips in the
# accent colour. tests/test_browser_csp.py visits every page and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if _csp_report_uri := os.environ.get("DJANGO_CSP_REPORT_URI", "").strip():
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]

# Login throttling (django-axes): after MARGINALIA_LOGIN_FAILURE_LIMIT failed logins for one username from one
# address, that pair is refused for MARGINALIA_LOGIN_COOLOFF_MINUTES with a 429 page that says so; a successful
# login clears the count. It covers the admin's login too, since it works in the authentication backend. The
# failures live in the database, so every app server shares them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = envbool("MARGINALIA_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = envint("MARGINALIA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("MARGINALIA_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "config.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_USERNAME_CALLABLE = "config.security.login_username"
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 trusts only the socket's address.
MARGINALIA_PROXY_COUNT = envint("MARGINALIA_PROXY_COUNT", 0)


def email_settings(url: str) -> dict:
    """EMAIL_* settings from EMAIL_URL: smtp://user:password@host:587 (STARTTLS), smtps://… (TLS from the
    start, port 465), smtp+plain://… (no encryption, for a relay on the same machine), console:// or locmem://."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    backends = {"console": "console", "locmem": "locmem", "smtp": "smtp", "smtps": "smtp", "smtp+plain": "smtp"}
    if parts.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL: use smtp, smtps, smtp+plain, console or locmem, not {parts.scheme!r}")
    found = {"EMAIL_BACKEND": f"django.core.mail.backends.{backends[parts.scheme]}.EmailBackend"}
    if backends[parts.scheme] == "smtp":
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL's port is not a number") from None
        found |= {
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or {"smtp": 587, "smtps": 465, "smtp+plain": 25}[parts.scheme],
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": parts.scheme == "smtp",
            "EMAIL_USE_SSL": parts.scheme == "smtps",
        }
    return found


# Mail (password reset): printed to the console unless EMAIL_URL or EMAIL_HOST names a server.
if _email_url := os.environ.get("EMAIL_URL", "").strip():
    globals().update(email_settings(_email_url))
elif _email_host := os.environ.get("EMAIL_HOST", "").strip():
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email_host
    EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set one or the other, not both")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Marginalia <marginalia@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PASSWORD_RESET_TIMEOUT = envint("MARGINALIA_PASSWORD_RESET_HOURS", 24, minimum=1) * 3600

# Logs: in production (or with DJANGO_LOG_JSON=true) every line is one JSON object, and every request adds one
# line from config.middleware.RequestLogMiddleware (method, path, status, duration, user id).
LOG_JSON = envbool("DJANGO_LOG_JSON", not DEBUG)
REQUEST_LOG = envbool("DJANGO_REQUEST_LOG", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # Django's request logging attaches the request itself, whose repr holds the query string.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        },
    },
    "filters": {"mask_secret_paths": {"()": "config.middleware.MaskSecretPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if LOG_JSON else {})},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "marginalia.requests": {"level": "INFO" if REQUEST_LOG else "WARNING"},
        # With the request log on, a 4xx is already in its line: Django's "Not Found: …" would be a second one.
        "django.request": {"level": "ERROR" if REQUEST_LOG else "WARNING", "filters": ["mask_secret_paths"]},
    },
}
