"""Marginalia settings: one file, driven by environment variables.

Defaults suit a developer's machine (SQLite, DEBUG on). Production sets DJANGO_DEBUG=false,
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL, and refuses to start without them.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "papers",
    "reviews",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
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

# Files uploaded for import wait here, private (never served), until their import job is done.
IMPORT_UPLOAD_DIR = Path(os.environ.get("MARGINALIA_IMPORT_UPLOAD_DIR", BASE_DIR / "var" / "imports"))
# The TF-IDF features the priority order learns from, kept between retrainings (reviews/priority_features.py).
PRIORITY_CACHE_DIR = Path(os.environ.get("MARGINALIA_PRIORITY_CACHE_DIR", BASE_DIR / "var" / "priority"))

# Uploads to the admin importer are read into memory up to this size, then spooled to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
