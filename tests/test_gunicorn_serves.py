"""`gunicorn config.wsgi` with production settings (deploy/env.example) starts and serves pages."""

import http.client
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from benchmarks.load.servers import unit_gunicorn_options
from config.database_url import database_url

postgresql_only = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="gunicorn's processes need a database they can share (the SQLite test database is in memory)",
)

BASE_DIR = Path(django_settings.BASE_DIR)


def example_environment() -> dict[str, str]:
    """deploy/env.example's variables, as systemd's EnvironmentFile reads them."""
    found = {}
    for line in (BASE_DIR / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = " ".join(shlex.split(value))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers=None) -> tuple[int, dict, bytes]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", path, headers=headers or {})
        response = client.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        client.close()


@pytest.fixture
def production_environment(db, tmp_path):
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "MARGINALIA_"))},
        **example_environment(),
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-and-not-the-development-one",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "MARGINALIA_IMPORT_UPLOAD_DIR": str(tmp_path / "imports"),
        "MARGINALIA_PRIORITY_CACHE_DIR": str(tmp_path / "priority"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


@pytest.fixture
def gunicorn(production_environment, tmp_path):
    """gunicorn as deploy/marginalia.service runs it, on a free port; yields the port and its log file."""
    # The manifest static storage needs collectstatic's manifest, as in production.
    collected = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR, env=production_environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", *unit_gunicorn_options()],
            cwd=BASE_DIR, env=production_environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"/healthz never answered 200:\n{log.read_text()}"
            time.sleep(0.5)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_the_unit_runs_gunicorn_with_threads_for_two_cores():
    options = unit_gunicorn_options()

    assert options[options.index("--workers") + 1] == "3"
    assert options[options.index("--worker-class") + 1] == "gthread"
    assert options[options.index("--threads") + 1] == "4"


@postgresql_only
def test_gunicorn_serves_healthz_the_login_page_and_static_files_with_production_settings(gunicorn):
    port, log = gunicorn

    status, _, body = get(port, "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "migrations": "applied"}

    # Plain HTTP is sent to HTTPS; behind the proxy (X-Forwarded-Proto: https) the page itself answers.
    status, headers, _ = get(port, "/accounts/login/")
    assert status == 301
    assert headers["Location"] == f"https://127.0.0.1:{port}/accounts/login/"
    status, headers, body = get(port, "/accounts/login/", {"X-Forwarded-Proto": "https"})
    assert status == 200, body[:2000]
    page = body.decode()
    assert 'name="password"' in page
    assert "Strict-Transport-Security" in headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Secure" in headers["Set-Cookie"]

    # Static files under their hashed names, served by WhiteNoise.
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page
    status, headers, _ = get(port, stylesheet.group(1), {"X-Forwarded-Proto": "https"})
    assert status == 200
    assert "immutable" in headers["Cache-Control"]

    status, _, _ = get(port, "/accounts/login/", {"X-Forwarded-Proto": "https", "Host": "evil.example.org"})
    assert status == 400

    # Production logging: one JSON line per request.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/accounts/login/" and line.get("status") == 200 for line in lines)
