"""Importing records in a browser: upload files, watch the job's page follow the import, find the papers."""

import threading

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from papers.models import ImportJob, Paper
from reviews.models import Role
from tests.browser import browser_page, log_in_with_cookie  # noqa: F401 - browser_page is a fixture
from tests.factories import make_review, make_user
from tests.test_import_jobs import BROKEN_JSONL, GOOD_JSONL, curator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class WorkerThread:
    """The database backend's worker (`manage.py db_worker --batch`) in a thread of the test, started when the test
    says: it runs the queued tasks and stops. (A worker polling all along would keep the in-memory SQLite test
    database, whose connections share one cache and lock whole tables, too busy for the live server's requests.)"""

    def __init__(self):
        self.worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="browser-test",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.worker.run()
        finally:
            connections.close_all()  # the thread's own connections, or the test database cannot be dropped

    def start(self):
        self.thread.start()

    def stop(self):
        self.worker.running = False
        if self.thread.is_alive():
            self.thread.join(timeout=10)


@pytest.fixture
def worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    thread = WorkerThread()
    yield thread
    thread.stop()


def test_a_curator_uploads_files_watches_the_import_finish_and_finds_the_papers(
    live_server,
    browser_page,  # noqa: F811
    client,
    worker,
    tmp_path,
):
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, curator())
    (tmp_path / "first.jsonl").write_bytes(GOOD_JSONL)
    (tmp_path / "second.jsonl").write_bytes(b'{"pmid": "12345678", "title": "A PubMed record", "year": 2019}\n')

    page.goto(f"{live_server.url}/papers/")
    page.get_by_role("link", name="Import records").click()
    page.get_by_label("Files").set_input_files([tmp_path / "first.jsonl", tmp_path / "second.jsonl"])
    page.get_by_role("button", name="Upload and import").click()

    # Queued: the worker is not running yet. The page polls; the worker starts; the same page reaches done.
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#job-status")).to_contain_text("Waiting for the worker")
    page.evaluate("window.stillTheSamePage = true")
    worker.start()
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=20_000)
    expect(page.locator("#job-status")).to_contain_text("3 records: 3 created, 0 updated")
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped the status in; no reload
    expect(page.locator("#import-progress")).to_have_count(0)
    job = ImportJob.objects.get()
    assert job.status == "succeeded"
    assert Paper.objects.count() == 3

    page.get_by_role("link", name="See the papers").click()
    expect(page.get_by_role("link", name="Sparse attention")).to_be_visible()
    expect(page.get_by_role("link", name="A PubMed record")).to_be_visible()


def test_a_review_owner_imports_into_the_review_and_a_broken_file_is_reported(
    live_server,
    browser_page,  # noqa: F811
    client,
    tmp_path,
):
    owner = make_user("olga")
    review = make_review("agents", title="Language Agents", members={owner: Role.OWNER})
    page = browser_page
    log_in_with_cookie(page.context, live_server, client, owner)
    (tmp_path / "broken.jsonl").write_bytes(BROKEN_JSONL)
    (tmp_path / "good.jsonl").write_bytes(GOOD_JSONL)

    # From the review's own links; the tasks run at once here (tests/conftest.py).
    page.goto(f"{live_server.url}{review.get_absolute_url()}")
    page.get_by_role("navigation", name="This review").get_by_role("link", name="Import records").click()
    expect(page.get_by_label("Review")).to_have_value(str(review.pk))
    page.get_by_label("Files").set_input_files(tmp_path / "broken.jsonl")
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#job-status")).to_contain_text("Failed: nothing was imported")
    expect(page.locator("#import-problems")).to_contain_text("broken.jsonl:2: broken JSON line")
    assert not review.review_papers.exists()

    page.get_by_role("link", name="Import more records").click()
    page.get_by_label("Files").set_input_files(tmp_path / "good.jsonl")
    page.get_by_label("Review").select_option(label="Language Agents")
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#job-status")).to_contain_text("2 papers added to Language Agents")
    # Both pages fit a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in [page.url, f"{live_server.url}/papers/import/"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), url
    page.go_back()
    page.locator("#job-status").get_by_role("link", name="Language Agents").click()
    expect(page.get_by_role("link", name="Sparse attention")).to_be_visible()
    assert review.review_papers.count() == 2
