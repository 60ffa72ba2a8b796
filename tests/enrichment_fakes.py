"""Stand-ins for the network and the clock in enrichment tests: recorded answers, and time that passes only on sleep.

``no_network`` makes connecting anywhere but this machine an error, so a test that forgot the fake transport fails
instead of reaching the internet (the PostgreSQL driver, libpq, opens its sockets in C and is unaffected).
"""

import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from papers.enrichment.client import Response

DATA = Path(__file__).parent / "data" / "enrichment"
CONTENT_TYPES = {".xml": "application/atom+xml; charset=utf-8", ".json": "application/json", ".html": "text/html"}


def recorded(name: str, status: int = 200, content_type: str | None = None, headers: dict | None = None) -> Response:
    """A response serving tests/data/enrichment/``name`` with the content type its API sends."""
    path = DATA / name
    content_type = content_type or CONTENT_TYPES[path.suffix]
    return Response(status, {"Content-Type": content_type, **(headers or {})}, path.read_bytes(), "")


def answer(status: int, body: bytes = b"", content_type: str = "text/plain", headers: dict | None = None) -> Response:
    return Response(status, {"Content-Type": content_type, **(headers or {})}, body, "")


@dataclass
class FakeClock:
    """Monotonic time that moves only when the client sleeps; ``sleeps`` lists every wait asked for."""

    time: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.time += seconds

    def advance(self, seconds: float) -> None:
        self.time += seconds


@dataclass
class FakeTransport:
    """Answers requests from ``routes``: (text the URL must contain, a response or a list served in turn).

    Every request is kept in ``requests`` as (url, headers). A URL no route matches fails the test.
    ``clock`` (optional) advances by ``latency`` seconds per request, as a real request takes time.
    """

    routes: list[tuple[str, object]] = field(default_factory=list)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    clock: FakeClock | None = None
    latency: float = 0.0

    def __call__(self, url: str, headers: dict, timeout: float, max_bytes: int) -> Response:
        self.requests.append((url, dict(headers)))
        if self.clock:
            self.clock.advance(self.latency)
        for fragment, responses in self.routes:
            if fragment in url:
                if isinstance(responses, list):
                    served = responses.pop(0) if len(responses) > 1 else responses[0]
                else:
                    served = responses
                if isinstance(served, BaseException):
                    raise served
                return Response(served.status, served.headers, served.body, url)
        raise AssertionError(f"no recorded response for {url}")

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.requests]


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture
def no_network(monkeypatch):
    """Any connection beyond this machine fails the test; loopback (a test's own http.server) is allowed."""
    real_create_connection, real_connect = socket.create_connection, socket.socket.connect

    def create_connection(address, *args, **kwargs):
        _refuse_unless_loopback(address)
        return real_create_connection(address, *args, **kwargs)

    def connect(self, address):
        _refuse_unless_loopback(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)


def _refuse_unless_loopback(address) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if host not in LOOPBACK:
        raise AssertionError(f"a test tried to connect to {address!r}")
