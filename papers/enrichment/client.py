"""A polite HTTP client for the metadata APIs: one request at a time, spaced, retried, capped and parsed safely.

Every request waits until ``interval`` seconds have passed since the previous one. A 429 or 503 answer is retried
after the server's Retry-After (or an exponential backoff); a server that keeps asking us to wait, or asks for
longer than ``max_wait``, stops the source (SourceUnavailable) so the run can be resumed later. Other failures
raise FetchError, which the caller reports for the papers concerned before going on.

The network is reached only through a transport (UrllibTransport by default) and time only through a clock, so
tests inject a fake transport serving recorded responses and a fake clock that records the waits.
"""

import email.utils
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

USER_AGENT = "Marginalia/1.0 (literature review; metadata enrichment)"
# A batch of 100 arXiv abstracts is about 300 kB; anything near this is not an answer to our question.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
RETRIED_STATUSES = {429, 500, 502, 503, 504}
WAIT_STATUSES = {429, 503}
# Query parameters that must not appear in a message or a log.
SECRET_PARAMETERS = {"api_key"}
SHOWN_BODY_LENGTH = 120
SHOWN_URL_LENGTH = 100


class FetchError(Exception):
    """A request that got no usable answer: a network failure, an HTTP error, or a malformed response."""


class SourceUnavailable(FetchError):
    """The source asks us to stop for now (rate limits, or it keeps failing): the run stops and can resume."""


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def content_type(self) -> str:
        return _header(self.headers, "content-type").split(";")[0].strip().lower()

    def json(self):
        """The body as JSON, or FetchError for another content type or a malformed body."""
        if "json" not in self.content_type:
            raise FetchError(f"expected JSON, got {self._described_body()}")
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as error:
            raise FetchError(f"malformed JSON: {str(error)[:SHOWN_BODY_LENGTH]}") from error

    def xml(self) -> ElementTree.Element:
        """The body as an XML tree, or FetchError. Documents with a DTD are refused (see parse_xml)."""
        if "xml" not in self.content_type:
            raise FetchError(f"expected XML, got {self._described_body()}")
        return parse_xml(self.body)

    def _described_body(self) -> str:
        start = self.body[:SHOWN_BODY_LENGTH].decode("utf-8", "replace")
        return f"{self.content_type or 'no content type'}: {' '.join(start.split())!r}"


class _RefuseDoctype(ElementTree.TreeBuilder):
    def doctype(self, name, pubid, system):
        # The Atom feeds we read never have one, and a DTD is where entity bombs and external entities live.
        raise FetchError("XML with a DOCTYPE declaration refused")


def parse_xml(body: bytes) -> ElementTree.Element:
    """Parse ``body`` with the standard library, refusing any DOCTYPE before its entities can be declared.

    Without a DTD no entity can be declared, so neither "billion laughs" expansion nor external entities can
    happen (Python's expat also limits amplification since 3.7.1/expat 2.4.1; this does not rely on it).
    """
    # Ruff's S314 asks for defusedxml; refusing the DTD here is the part of it these feeds need, without a package.
    parser = ElementTree.XMLParser(target=_RefuseDoctype())  # noqa: S314
    try:
        parser.feed(body)
        return parser.close()
    except ElementTree.ParseError as error:
        raise FetchError(f"malformed XML: {error}") from error


class UrllibTransport:
    """GET over the standard library, reading at most ``max_bytes`` and giving up after ``timeout`` in all."""

    def __init__(self, opener: urllib.request.OpenerDirector | None = None):
        self.opener = opener or urllib.request.build_opener()

    def __call__(self, url: str, headers: dict[str, str], timeout: float, max_bytes: int) -> Response:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(f"not a web address: {redacted(url)[:80]}")
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 (the scheme is checked)
        deadline = time.monotonic() + timeout
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, answer.headers, _read_capped(answer, max_bytes, deadline), url)
        except urllib.error.HTTPError as error:
            with error:
                body = _read_capped(error, max_bytes, deadline) if error.fp else b""
            return Response(error.code, error.headers or {}, body, url)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            # HTTPException: a malformed status line or headers, or an answer cut short (IncompleteRead).
            reason = getattr(error, "reason", error)
            raise FetchError(f"network error: {reason}") from error


def _read_capped(stream, max_bytes: int, deadline: float) -> bytes:
    # The socket timeout bounds each read, not the whole answer: a server dripping a byte at a time would
    # otherwise hold the run for ever, so the total time is checked too.
    # read1 returns what has arrived (one read of the socket) where read(n) would wait for all n bytes.
    read = getattr(stream, "read1", stream.read)
    chunks, size = [], 0
    while chunk := read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"response larger than {max_bytes // (1024 * 1024)} MB refused")
        if time.monotonic() > deadline:
            raise FetchError("response took too long to arrive")
        chunks.append(chunk)
    # read1 ends quietly where read would raise IncompleteRead: bytes the Content-Length promised are missing.
    if getattr(stream, "length", None):
        raise FetchError(f"network error: the answer was cut short ({size} bytes of {size + stream.length})")
    return b"".join(chunks)


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


Transport = Callable[[str, dict[str, str], float, int], Response]


@dataclass
class PoliteClient:
    """Sends GET requests no closer together than ``interval`` seconds, retrying what is worth retrying."""

    interval: float
    mailto: str = ""
    transport: Transport = field(default_factory=UrllibTransport)
    clock: SystemClock = field(default_factory=SystemClock)
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_retries: int = 3
    # The longest Retry-After we wait out; a longer one (a daily quota) stops the source instead.
    max_wait: float = 300.0
    requests_made: int = 0
    _next_request_at: float | None = None

    @property
    def user_agent(self) -> str:
        return f"{USER_AGENT[:-1]}; mailto:{self.mailto})" if self.mailto else USER_AGENT

    def get(self, url: str, accept: str) -> Response:
        """The answer to GET ``url``: status 200 or 404 (the caller decides what a 404 means).

        Raises SourceUnavailable when the server keeps asking us to wait, FetchError for any other failure.
        """
        headers = {"User-Agent": self.user_agent, "Accept": accept}
        for attempt in range(self.max_retries + 1):
            self._wait_turn()
            self.requests_made += 1
            try:
                response = self.transport(url, headers, self.timeout, self.max_bytes)
            except FetchError as error:
                if attempt == self.max_retries:
                    raise FetchError(f"{error} ({redacted(url)})") from error
                self._back_off(attempt, None)
                continue
            if response.status in (200, 404):
                return response
            if response.status not in RETRIED_STATUSES:
                raise FetchError(f"HTTP {response.status} from {redacted(url)}")
            wait = retry_after(response.headers) if response.status in WAIT_STATUSES else None
            if wait is not None and wait > self.max_wait:
                raise SourceUnavailable(
                    f"HTTP {response.status}: the server asks us to wait {wait:.0f} s; run the command again later"
                )
            if attempt == self.max_retries:
                if response.status in WAIT_STATUSES:
                    raise SourceUnavailable(
                        f"HTTP {response.status} after {self.max_retries + 1} tries; run the command again later"
                    )
                raise FetchError(f"HTTP {response.status} after {self.max_retries + 1} tries from {redacted(url)}")
            self._back_off(attempt, wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_turn(self) -> None:
        now = self.clock.now()
        if self._next_request_at is not None and now < self._next_request_at:
            self.clock.sleep(self._next_request_at - now)
        self._next_request_at = self.clock.now() + self.interval

    def _back_off(self, attempt: int, wait: float | None) -> None:
        # The server's Retry-After when it gave one, else an exponential backoff from the interval (at least 1 s).
        delay = wait if wait is not None else max(self.interval, 1.0) * 2**attempt
        self._next_request_at = self.clock.now() + max(delay, self.interval)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None when absent or unreadable."""
    value = _header(headers, "retry-after").strip()
    if not value:
        return None
    if re.fullmatch(r"\d{1,9}", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def redacted(url: str) -> str:
    """``url`` for a message: without secret query parameters (an API key), and cut short (a batch's URL names
    a hundred ids, which the message names better)."""
    parts = urllib.parse.urlsplit(url)
    query = [(name, value) for name, value in urllib.parse.parse_qsl(parts.query) if name not in SECRET_PARAMETERS]
    shown = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=":/|,")))
    return shown if len(shown) <= SHOWN_URL_LENGTH else f"{shown[: SHOWN_URL_LENGTH - 1]}…"


def _header(headers: Mapping[str, str], name: str) -> str:
    # http.client's message is case-insensitive; a plain dict (a test's) may not be.
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), "")
    return str(value or "")
