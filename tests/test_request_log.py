"""One log line per request (method, path without its query, status, duration, user id), JSON in production."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_user

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="marginalia.requests")
    return caplog


def logged(caplog):
    return [record for record in caplog.records if record.name == "marginalia.requests"]


def test_each_request_logs_its_method_path_status_duration_and_user(client, db, request_log):
    user = make_user("alice")
    client.force_login(user)

    client.get(reverse("papers:list") + "?q=secret+search")

    [record] = logged(request_log)
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/papers/", 200, user.pk)
    assert record.duration_ms >= 0
    assert "secret" not in record.getMessage()


def test_an_anonymous_request_logs_no_user(client, db, request_log):
    client.get("/healthz")

    [record] = logged(request_log)
    assert (record.path, record.status, record.user_id) == ("/healthz", 200, None)


def test_a_token_in_the_path_is_masked(client, db, request_log):
    client.get("/invitations/s3cret-invitation-token/")
    client.get("/accounts/reset/MQ/abc-0123456789abcdef/")

    paths = [record.path for record in logged(request_log)]
    assert paths[0] == "/invitations/…/"
    assert paths[1] == "/accounts/reset/…/…/"
    assert not any("s3cret" in record.getMessage() for record in request_log.records)


def test_production_settings_write_one_json_line_per_request(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "Client(raise_request_exception=False).get('/healthz?api_key=hunter2')\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    env.pop("DJANGO_LOG_JSON", None)
    env.pop("DJANGO_REQUEST_LOG", None)

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True
    )

    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [entry] = [line for line in lines if line["logger"] == "marginalia.requests"]
    # An empty database has every migration unapplied, so the health check says 503.
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 503
    assert isinstance(entry["duration_ms"], float) and entry["user_id"] is None
    assert entry["level"] == "INFO" and "time" in entry
    assert "hunter2" not in result.stderr
    assert all(line["time"].endswith("+00:00") for line in lines)
