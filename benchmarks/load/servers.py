"""The processes a load test runs against: gunicorn app servers (as deploy/marginalia.service starts them), a task
worker, and the PostgreSQL cluster it may restart mid-load."""

import os
import shlex
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.conf import settings

from .plan import PUBLIC_HOST

# Production settings, with a fixed key: only the benchmark database is ever reached with it.
SECRET_KEY = "load-test-secret-key-for-the-benchmark-database-only-0123456789"  # noqa: S105


def unit_gunicorn_options() -> list[str]:
    """The options deploy/marginalia.service gives gunicorn after `config.wsgi`, its --bind left out: the load
    test (and tests/test_gunicorn_serves.py) run gunicorn exactly as the unit does."""
    unit = (Path(settings.BASE_DIR) / "deploy" / "marginalia.service").read_text().replace("\\\n", " ")
    command = shlex.split(next(line for line in unit.splitlines() if line.startswith("ExecStart=")))
    options = command[command.index("config.wsgi") + 1 :]
    at = options.index("--bind")
    return options[:at] + options[at + 2 :]


def production_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": f"{PUBLIC_HOST},127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{PUBLIC_HOST}",
        "MARGINALIA_PROXY_COUNT": "1",
        # The request log is one JSON line per request: the load test's own figures say the same, faster.
        "DJANGO_REQUEST_LOG": "false",
    }


@contextmanager
def app_servers(ports: list[int], environment: dict[str, str], log_dir: Path):
    """gunicorn on each port and one task worker, all stopped afterwards; waits until every server's /healthz
    answers 200."""
    python = Path(sys.executable)
    gunicorn = python.with_name("gunicorn")
    # Production serves hashed static file names from a manifest, which collectstatic writes.
    collect = [str(python), "manage.py", "collectstatic", "--no-input", "--verbosity", "0"]
    subprocess.run(collect, env=environment, cwd=settings.BASE_DIR, check=True)  # noqa: S603
    with ExitStack() as stack:
        masters = []
        for port in ports:
            command = [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", *unit_gunicorn_options()]
            masters.append(stack.enter_context(_process(command, environment, log_dir / f"gunicorn-{port}.log")))
        worker = Supervised(
            [str(python), "manage.py", "db_worker", "--no-reload"], environment, log_dir / "db_worker.log"
        )
        worker.start()
        stack.callback(worker.stop)
        for port in ports:
            wait_healthy(f"http://127.0.0.1:{port}")
        yield Running(masters, worker)


class Running:
    """The app servers and the task worker while they run."""

    def __init__(self, masters: list[subprocess.Popen], worker: "Supervised"):
        self.masters, self.worker = masters, worker

    def cpu_seconds(self, database: str) -> dict[str, float]:
        """CPU time (user + system) used so far by the gunicorn processes (the live ones: a process recycled by
        --max-requests takes its time with it), by the task worker's current process, and by each PostgreSQL
        backend serving ``database`` (by pid, so the caller can subtract the earlier reading per backend)."""
        import psutil

        def used(process) -> float:
            try:
                times = process.cpu_times()
            except psutil.Error:
                return 0.0
            return times.user + times.system

        gunicorn = 0.0
        for master in self.masters:
            parent = psutil.Process(master.pid)
            gunicorn += used(parent) + sum(used(child) for child in parent.children(recursive=True))
        worker = used(psutil.Process(self.worker.pid)) if self.worker.pid else 0.0
        found = {"gunicorn": gunicorn, "task worker": worker}
        for process in psutil.process_iter(["name", "cmdline"]):
            # A backend's title reads "postgres: USER DATABASE ADDRESS STATE".
            title = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and f" {database} " in title:
                found[f"postgres:{process.pid}"] = used(process)
        return found


@contextmanager
def _process(command: list[str], environment: dict[str, str], log_path: Path):
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, env=environment, cwd=settings.BASE_DIR, stdout=log, stderr=log)  # noqa: S603
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Supervised(threading.Thread):
    """A process started again 5 s after it exits, as systemd's ``Restart=always`` does for the task worker
    (deploy/marginalia-worker.service): django-tasks-db's worker exits when it loses the database."""

    RESTART_SECONDS = 5

    def __init__(self, command: list[str], environment: dict[str, str], log_path: Path):
        super().__init__(daemon=True)
        self.command, self.environment, self.log_path = command, environment, log_path
        self.restarts = 0
        self._stopping = threading.Event()
        self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def run(self):
        while not self._stopping.is_set():
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(  # noqa: S603
                    self.command, env=self.environment, cwd=settings.BASE_DIR, stdout=log, stderr=log
                )
            self._process.wait()
            if self._stopping.wait(self.RESTART_SECONDS):
                return
            self.restarts += 1

    def stop(self):
        self._stopping.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self.join()


def wait_healthy(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base_url} did not become healthy within {timeout:.0f}s")
        time.sleep(0.5)


def pg_ctlcluster(cluster: str, action: str) -> None:
    """``pg_ctlcluster VERSION NAME action`` for a cluster named ``VERSION/NAME`` (Debian's tools)."""
    version, name = cluster.split("/", 1)
    subprocess.run(["pg_ctlcluster", version, name, action], check=True)  # noqa: S603, S607


LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")


def run_locust(plan_path: Path, prefix: Path, *, users: int, spawn_rate: float, seconds: int, log_path: Path) -> int:
    """Locust headless, in a process of its own (it patches the standard library for gevent), writing its CSV
    files at ``prefix``; its exit code (1 when any request failed)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
        "--stop-timeout", "30", "--csv", str(prefix), "--loglevel", "WARNING",
    ]  # fmt: skip
    environment = {**os.environ, "MARGINALIA_LOAD_PLAN": str(plan_path), "PYTHONPATH": str(settings.BASE_DIR)}
    with log_path.open("ab") as log:
        return subprocess.run(command, env=environment, stdout=log, stderr=log, check=False).returncode  # noqa: S603
