"""The polite HTTP client: spacing, Retry-After, retries, capped reads, and safe parsing of what comes back."""

import http.server
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from papers.enrichment.client import (
    FetchError,
    PoliteClient,
    Response,
    SourceUnavailable,
    UrllibTransport,
    parse_xml,
    redacted,
    retry_after,
)
from tests.enrichment_fakes import DATA, FakeClock, FakeTransport, answer, no_network, recorded  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_network")

JSON_OK = answer(200, b'{"ok": true}', "application/json")


def client_for(routes, interval=3.0, latency=0.0, **options):
    clock = FakeClock()
    transport = FakeTransport(routes=routes, clock=clock, latency=latency)
    return PoliteClient(interval=interval, transport=transport, clock=clock, **options), transport, clock


def test_requests_are_spaced_by_the_interval_without_real_sleeping():
    client, transport, clock = client_for([("example", JSON_OK)], interval=3.0)

    for _ in range(3):
        client.get("https://api.example.org/x", "application/json")

    assert clock.sleeps == [3.0, 3.0]
    assert len(transport.requests) == 3


def test_time_spent_on_a_request_counts_towards_the_interval():
    client, _, clock = client_for([("example", JSON_OK)], interval=3.0, latency=1.25)

    client.get("https://api.example.org/x", "application/json")
    client.get("https://api.example.org/x", "application/json")

    assert clock.sleeps == [1.75]


def test_no_wait_when_the_interval_has_already_passed():
    client, _, clock = client_for([("example", JSON_OK)], interval=3.0)
    client.get("https://api.example.org/x", "application/json")
    clock.advance(10)

    client.get("https://api.example.org/x", "application/json")

    assert clock.sleeps == []


def test_a_429_is_retried_after_the_seconds_the_server_asks_for():
    too_many = answer(429, b"slow down", headers={"Retry-After": "7"})
    client, transport, clock = client_for([("example", [too_many, JSON_OK])], interval=1.0)

    response = client.get("https://api.example.org/x", "application/json")

    assert response.json() == {"ok": True}
    assert clock.sleeps == [7.0]
    assert len(transport.requests) == 2


def test_a_503_with_an_http_date_retry_after_waits_until_that_date():
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    busy = answer(503, headers={"Retry-After": soon})
    client, _, clock = client_for([("example", [busy, JSON_OK])], interval=1.0)

    client.get("https://api.example.org/x", "application/json")

    assert len(clock.sleeps) == 1 and 25 <= clock.sleeps[0] <= 30


def test_without_retry_after_the_backoff_doubles():
    failing = answer(502, b"bad gateway")
    client, transport, clock = client_for([("example", [failing, failing, failing, JSON_OK])], interval=1.0)

    client.get("https://api.example.org/x", "application/json")

    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(transport.requests) == 4


def test_a_server_that_keeps_answering_429_stops_the_source():
    too_many = answer(429, headers={"Retry-After": "2"})
    client, transport, _ = client_for([("example", too_many)], interval=1.0, max_retries=2)

    with pytest.raises(SourceUnavailable, match="HTTP 429 after 3 tries"):
        client.get("https://api.example.org/x", "application/json")
    assert len(transport.requests) == 3


def test_a_retry_after_longer_than_the_longest_wait_stops_the_source_at_once():
    quota = answer(429, b"Daily limit exceeded", headers={"Retry-After": "86400"})
    client, transport, clock = client_for([("example", quota)], interval=1.0)

    with pytest.raises(SourceUnavailable, match="wait 86400 s"):
        client.get("https://api.example.org/x", "application/json")
    assert len(transport.requests) == 1
    assert clock.sleeps == []


def test_a_client_error_is_not_retried():
    client, transport, _ = client_for([("example", answer(400, b"Invalid filter"))])

    with pytest.raises(FetchError, match="HTTP 400"):
        client.get("https://api.example.org/x", "application/json")
    assert len(transport.requests) == 1


def test_a_404_is_returned_for_the_source_to_read_as_not_found():
    client, _, _ = client_for([("example", answer(404, b"Resource not found."))])

    assert client.get("https://api.example.org/x", "application/json").status == 404


def test_network_errors_are_retried_then_reported():
    client, transport, _ = client_for([("example", FetchError("network error: timed out"))], max_retries=1)

    with pytest.raises(FetchError, match="timed out"):
        client.get("https://api.example.org/x", "application/json")
    assert len(transport.requests) == 2


def test_the_user_agent_names_marginalia_and_the_mailto():
    client, transport, _ = client_for([("example", JSON_OK)], mailto="team@example.org")

    client.get("https://api.example.org/x", "application/json")

    user_agent = transport.requests[0][1]["User-Agent"]
    assert user_agent.startswith("Marginalia/") and "mailto:team@example.org" in user_agent
    assert transport.requests[0][1]["Accept"] == "application/json"


def test_an_api_key_never_appears_in_a_message():
    assert redacted("https://api.openalex.org/works?filter=doi:10.1/x&api_key=SECRET") == (
        "https://api.openalex.org/works?filter=doi:10.1/x"
    )
    client, _, _ = client_for([("openalex", answer(400))])
    with pytest.raises(FetchError) as raised:
        client.get("https://api.openalex.org/works?filter=doi:10.1/x&api_key=SECRET", "application/json")
    assert "SECRET" not in str(raised.value)


def test_a_long_url_is_cut_short_in_messages():
    url = "https://export.arxiv.org/api/query?id_list=" + ",".join(f"2305.{n:05d}" for n in range(100))

    assert len(redacted(url)) == 100 and redacted(url).endswith("…")


@pytest.mark.parametrize("value", ["", "soon", "-5", "Mon, 99 Foo 2026 99:99:99 GMT"])
def test_an_unreadable_retry_after_is_ignored(value):
    assert retry_after({"Retry-After": value}) is None


def test_an_html_error_page_is_not_taken_for_json():
    with pytest.raises(FetchError, match="expected JSON, got text/html"):
        recorded("html_error_page.html").json()


def test_malformed_json_is_reported():
    with pytest.raises(FetchError, match="malformed JSON"):
        recorded("crossref_truncated.json").json()


def test_json_nested_beyond_the_recursion_limit_is_reported_not_raised():
    deep = answer(200, b"[" * 200_000 + b"]" * 200_000, "application/json")

    with pytest.raises(FetchError, match="malformed JSON"):
        deep.json()


def test_xml_entity_expansion_is_refused():
    with pytest.raises(FetchError, match="DOCTYPE"):
        parse_xml((DATA / "xml_bomb.xml").read_bytes())


def test_xml_external_entities_are_refused():
    with pytest.raises(FetchError, match="DOCTYPE"):
        parse_xml((DATA / "xml_external_entity.xml").read_bytes())


def test_truncated_xml_is_reported():
    with pytest.raises(FetchError, match="malformed XML"):
        recorded("arxiv_truncated.xml").xml()


def test_json_served_where_xml_is_expected_is_reported():
    with pytest.raises(FetchError, match="expected XML, got application/json"):
        recorded("crossref_work.json").xml()


class _Handler(http.server.BaseHTTPRequestHandler):
    busy_calls = 0

    def do_GET(self):
        if self.path == "/huge":
            body = b"x" * 3_000_000
        elif self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Resource not found.")
            return
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
            return
        elif self.path == "/cut-short":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"results": [')
            self.close_connection = True
            return
        elif self.path.startswith("/busy"):
            _Handler.busy_calls += 1
            if _Handler.busy_calls == 1:
                self.send_response(429)
                self.send_header("Retry-After", "4")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "Too Many Requests"}')
                return
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        else:
            body = self.headers["User-Agent"].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _direct_transport():
    # Straight to the test's server, whatever proxy the environment names.
    return UrllibTransport(urllib.request.build_opener(urllib.request.ProxyHandler({})))


def test_the_standard_library_transport_sends_the_headers_and_reads_the_answer(local_server):
    response = _direct_transport()(f"{local_server}/echo", {"User-Agent": "Marginalia/1.0"}, 5.0, 1024)

    assert (response.status, response.body, response.content_type) == (200, b"Marginalia/1.0", "text/plain")


def test_the_standard_library_transport_returns_a_404_with_its_body(local_server):
    response = _direct_transport()(f"{local_server}/missing", {}, 5.0, 1024)

    assert (response.status, response.body) == (404, b"Resource not found.")


def test_the_standard_library_transport_refuses_a_huge_answer(local_server):
    with pytest.raises(FetchError, match="larger than 1 MB"):
        _direct_transport()(f"{local_server}/huge", {}, 5.0, 1024 * 1024)


def test_a_server_dripping_its_answer_is_given_up_on_the_whole_time_not_each_read(local_server):
    started = time.monotonic()

    with pytest.raises(FetchError, match="took too long"):
        _direct_transport()(f"{local_server}/drip", {}, 0.3, 1024)
    assert time.monotonic() - started < 2


def test_an_answer_cut_short_is_a_network_error(local_server):
    with pytest.raises(FetchError, match="network error"):
        _direct_transport()(f"{local_server}/cut-short", {}, 5.0, 1024)


def test_a_real_429_is_waited_out_by_its_retry_after_then_retried(local_server):
    _Handler.busy_calls = 0
    clock = FakeClock()
    client = PoliteClient(interval=1.0, transport=_direct_transport(), clock=clock)

    response = client.get(f"{local_server}/busy", "application/json")

    assert response.json() == {"ok": True}
    assert clock.sleeps == [4.0] and _Handler.busy_calls == 2


def test_the_standard_library_transport_is_the_only_way_out_and_the_guard_stops_it():
    # 192.0.2.0/24 is reserved for documentation: nothing answers there, and the guard stops the attempt anyway.
    with pytest.raises(AssertionError, match="tried to connect"):
        _direct_transport()("http://192.0.2.1/works", {}, 1.0, 1024)


def test_a_fake_response_reads_its_content_type_case_insensitively():
    response = Response(200, {"content-type": "Application/JSON; charset=utf-8"}, b"{}", "")

    assert response.json() == {}


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "data:text/plain,hi"])
def test_the_standard_library_transport_only_speaks_http(url):
    with pytest.raises(FetchError, match="not a web address"):
        _direct_transport()(url, {}, 1.0, 1024)
