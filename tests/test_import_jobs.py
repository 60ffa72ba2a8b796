"""Imports in the background: the Import records page, a job's life, its report, and who may see it.

The tasks run at once here (the immediate backend, tests/conftest.py); tests/test_import_jobs_worker.py runs
them through the database backend and its worker.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.urls import reverse

from papers.import_forms import MAX_FILES
from papers.models import ImportJob, Paper
from papers.models.jobs import MAX_STORED_PROBLEMS
from papers.tasks import JobProgress, run_import_job, start_import
from reviews.models import Role
from tests.factories import make_review, make_user
from tests.importer_fixtures import DATA, database_snapshot

IMPORT_URL = reverse("papers:import")
GOOD_JSONL = (
    b'{"arxiv_id": "2401.00001", "title": "Sparse attention", "abstract": "We sparsify attention."}\n'
    b'{"doi": "10.1000/xyz", "title": "A journal paper", "abstract": "Without an arXiv id.", "year": 2021}\n'
)
BROKEN_JSONL = b'{"arxiv_id": "2401.00001", "abstract": "Fine."}\n{"arxiv_id": "2401.00002", "abstract": \n'


def curator(username="cora"):
    user = make_user(username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="add_paper"))
    return user


def post_import(client, *files, **fields):
    data = {"files": [SimpleUploadedFile(name, content) for name, content in files], "format": "auto", **fields}
    return client.post(IMPORT_URL, data)


@pytest.mark.django_db
class TestTheImportPage:
    def test_it_shows_the_form_to_curators(self, client):
        client.force_login(curator())

        response = client.get(IMPORT_URL)

        assert response.status_code == 200
        assert set(response.context["form"].fields) == {"files", "format", "review", "skip_invalid", "dry_run"}
        assert not response.context["form"].fields["review"].required

    def test_it_asks_review_owners_for_one_of_their_reviews(self, client):
        owner, other = make_user("olga"), make_user("otto")
        mine = make_review("mine", members={owner: Role.OWNER})
        make_review("theirs", members={other: Role.OWNER, owner: Role.REVIEWER})
        client.force_login(owner)

        response = client.get(IMPORT_URL, {"review": "mine"})

        field = response.context["form"].fields["review"]
        assert field.required
        assert list(field.queryset) == [mine]
        assert response.context["form"]["review"].value() == mine.pk

    def test_it_checks_who_may_import(self, client):
        reviewer = make_user("rita")
        make_review(members={make_user("olga"): Role.OWNER, reviewer: Role.REVIEWER})
        client.force_login(reviewer)

        assert client.get(IMPORT_URL).status_code == 403
        assert post_import(client, ("a.jsonl", GOOD_JSONL)).status_code == 403
        assert not ImportJob.objects.exists()
        assert Paper.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        response = client.get(IMPORT_URL)

        assert response.status_code == 302
        assert reverse("login") in response.url

    def test_a_review_owner_cannot_import_into_a_review_they_do_not_own(self, client):
        owner = make_user("olga")
        make_review("mine", members={owner: Role.OWNER})
        theirs = make_review("theirs", members={make_user("otto"): Role.OWNER, owner: Role.REVIEWER})
        client.force_login(owner)

        response = post_import(client, ("a.jsonl", GOOD_JSONL), review=theirs.pk)

        assert response.status_code == 422
        assert "review" in response.context["form"].errors
        assert not ImportJob.objects.exists()

    def test_a_review_owner_must_name_a_review(self, client):
        owner = make_user("olga")
        make_review("mine", members={owner: Role.OWNER})
        client.force_login(owner)

        response = post_import(client, ("a.jsonl", GOOD_JSONL))

        assert response.status_code == 422
        assert not ImportJob.objects.exists()

    def test_more_files_than_allowed_is_a_form_error(self, client):
        client.force_login(curator())

        response = post_import(client, *[(f"f{n}.jsonl", GOOD_JSONL) for n in range(MAX_FILES + 1)])

        assert response.status_code == 422
        assert f"at most {MAX_FILES} files" in response.context["form"].errors["files"][0]
        assert not ImportJob.objects.exists()

    def test_an_empty_file_is_a_form_error(self, client):
        client.force_login(curator())

        response = post_import(client, ("empty.jsonl", b""))

        assert response.status_code == 422
        assert not ImportJob.objects.exists()

    def test_no_file_is_a_form_error(self, client):
        client.force_login(curator())

        response = client.post(IMPORT_URL, {"format": "auto"})

        assert response.status_code == 422
        assert response.context["form"].errors["files"] == ["This field is required."]


@pytest.mark.django_db
class TestAnImportJob:
    def test_an_upload_is_imported_and_its_page_reports_the_counts(self, client):
        user = curator()
        client.force_login(user)

        response = post_import(client, ("first.jsonl", GOOD_JSONL), ("more.csv", (DATA / "papers.csv").read_bytes()))

        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert response.url == job.get_absolute_url()
        assert job.status == "succeeded"
        assert job.created_by == user
        assert [file["name"] for file in job.files] == ["first.jsonl", "more.csv"]
        assert (job.created_count, job.record_count) == (Paper.objects.count(), 5)
        assert job.batches.count() == 2
        assert job.started_at <= job.finished_at
        assert job.progress_done == job.progress_total
        page = client.get(job.get_absolute_url())
        assert "Done" in page.text
        assert f"<strong>{job.created_count}</strong> created" in page.text
        assert "<progress" not in page.text
        assert 'http-equiv="refresh"' not in page.text

    def test_the_stored_upload_is_deleted_when_the_job_ends(self, client, settings):
        client.force_login(curator())

        post_import(client, ("first.jsonl", GOOD_JSONL))

        job = ImportJob.objects.get()
        assert job.files[0]["size"] == len(GOOD_JSONL)
        assert not job.stored_paths()[0].exists()
        assert not any(settings.IMPORT_UPLOAD_DIR.iterdir())

    def test_a_bad_file_fails_the_job_with_file_line_problems_and_writes_nothing(self, client):
        client.force_login(curator())
        before = database_snapshot()

        post_import(client, ("good.jsonl", GOOD_JSONL), ("broken.jsonl", BROKEN_JSONL))

        job = ImportJob.objects.get()
        assert job.status == "failed"
        assert job.problem_count == 1
        assert job.problems[0].startswith("broken.jsonl:2: broken JSON line")
        assert "nothing was imported" in job.failure_reason
        assert database_snapshot() == before
        page = client.get(job.get_absolute_url())
        assert "Failed: nothing was imported" in page.text
        assert "broken.jsonl:2: broken JSON line" in page.text

    def test_skip_invalid_imports_the_rest_and_lists_each_record_left_out(self, client):
        client.force_login(curator())

        post_import(client, ("broken.jsonl", BROKEN_JSONL), skip_invalid="on")

        job = ImportJob.objects.get()
        assert job.status == "succeeded"
        assert (job.created_count, job.skipped_count, job.warning_count) == (1, 1, 1)
        assert job.warnings[0].startswith("broken.jsonl:2: skipped: broken JSON line")
        assert "broken.jsonl:2: skipped: broken JSON line" in client.get(job.get_absolute_url()).text

    def test_a_report_keeps_the_first_problems_and_counts_them_all(self, client):
        client.force_login(curator())
        lines = b"".join(
            b'{"arxiv_id": "not an id %d", "abstract": "x"}\n' % n for n in range(MAX_STORED_PROBLEMS + 50)
        )

        post_import(client, ("many.jsonl", lines))

        job = ImportJob.objects.get()
        assert job.problem_count == MAX_STORED_PROBLEMS + 50
        assert len(job.problems) == MAX_STORED_PROBLEMS
        assert job.problems[-1].startswith(f"many.jsonl:{MAX_STORED_PROBLEMS}:")
        assert f"{MAX_STORED_PROBLEMS + 50} in all" in client.get(job.get_absolute_url()).text

    def test_a_dry_run_counts_and_saves_nothing(self, client):
        client.force_login(curator())
        before = database_snapshot()

        post_import(client, ("first.jsonl", GOOD_JSONL), dry_run="on")

        job = ImportJob.objects.get()
        assert job.status == "succeeded"
        assert job.created_count == 2
        assert database_snapshot() == before
        assert not job.batches.exists()
        assert "Dry run done: nothing was saved" in client.get(job.get_absolute_url()).text

    def test_a_review_owner_imports_straight_into_their_review(self, client):
        owner = make_user("olga")
        review = make_review("mine", members={owner: Role.OWNER})
        client.force_login(owner)

        post_import(client, ("first.jsonl", GOOD_JSONL), review=review.pk)

        job = ImportJob.objects.get()
        assert job.status == "succeeded"
        assert job.added_to_review_count == 2
        assert set(review.review_papers.values_list("paper__title", flat=True)) == {
            "Sparse attention",
            "A journal paper",
        }
        assert review.get_absolute_url() in client.get(job.get_absolute_url()).text

    def test_a_failed_import_adds_nothing_to_the_review(self, client):
        owner = make_user("olga")
        review = make_review("mine", members={owner: Role.OWNER})
        client.force_login(owner)

        post_import(client, ("broken.jsonl", BROKEN_JSONL), review=review.pk)

        assert ImportJob.objects.get().status == "failed"
        assert not review.review_papers.exists()

    def test_an_owner_demoted_before_the_job_runs_imports_nothing(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        owner = make_user("olga")
        review = make_review("mine", members={owner: Role.OWNER, make_user("otto"): Role.OWNER})
        job = start_import(owner, [SimpleUploadedFile("a.jsonl", GOOD_JSONL)], review=review)
        review.memberships.filter(user=owner).update(role=Role.REVIEWER)

        run_import_job.call(job.pk)

        job.refresh_from_db()
        assert job.status == "failed"
        assert "no longer an owner" in job.failure_reason
        assert Paper.objects.count() == 0

    def test_a_crash_in_the_middle_fails_the_job_and_rolls_the_import_back(self, settings, monkeypatch):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        owner = make_user("olga")
        review = make_review("mine", members={owner: Role.OWNER})
        job = start_import(owner, [SimpleUploadedFile("a.jsonl", GOOD_JSONL)], review=review)
        before = database_snapshot()

        def crash(self, papers):
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr("reviews.models.Review.add_papers", crash)

        with pytest.raises(RuntimeError):
            run_import_job.call(job.pk)

        job.refresh_from_db()
        assert job.status == "failed"
        assert "RuntimeError" in job.failure_reason
        assert database_snapshot() == before
        assert not job.stored_paths()[0].exists()

    def test_a_queue_that_refuses_the_task_fails_the_job_and_keeps_no_file(self, client, monkeypatch, settings):
        def refuse(*args, **kwargs):
            raise RuntimeError("queue down")

        monkeypatch.setattr("papers.tasks.run_import_job", SimpleNamespace(enqueue=refuse))
        client.force_login(curator())

        response = post_import(client, ("first.jsonl", GOOD_JSONL))

        job = ImportJob.objects.get()
        assert response.url == job.get_absolute_url()
        assert job.status == "failed"
        assert "could not be queued" in job.failure_reason
        assert not any(settings.IMPORT_UPLOAD_DIR.iterdir())

    def test_a_job_runs_once(self, client):
        client.force_login(curator())
        post_import(client, ("first.jsonl", GOOD_JSONL))
        job = ImportJob.objects.get()

        assert run_import_job.call(job.pk) == "skipped"
        assert Paper.objects.count() == 2

    def test_a_queued_job_shows_a_progress_bar_that_polls(self, client, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        user = curator()
        client.force_login(user)
        post_import(client, ("first.jsonl", GOOD_JSONL))
        job = ImportJob.objects.get()

        page = client.get(job.get_absolute_url())
        fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})

        assert job.status == "queued"
        assert '<progress id="import-progress"' in page.text
        assert 'hx-trigger="every 1s"' in page.text
        assert '<noscript><meta http-equiv="refresh"' in page.text
        assert "Waiting for the worker" in page.text
        assert fragment.text.lstrip().startswith('<section id="job-status"')
        assert "<html" not in fragment.text


@pytest.mark.django_db(transaction=True)
class TestProgress:
    """Progress must reach the page while the import's transaction is still open: committed rows only."""

    @pytest.fixture
    def queued_job(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        return start_import(curator(), [SimpleUploadedFile("first.jsonl", GOOD_JSONL)])

    def test_progress_is_written_to_the_job(self, client, queued_job):
        client.force_login(queued_job.created_by)
        ImportJob.objects.filter(pk=queued_job.pk).update(status="running")
        progress = JobProgress(queued_job)

        progress("checking", 512, 2048)
        progress("checking", 600, 2048)  # too soon after the last: not written
        queued_job.refresh_from_db()
        page = client.get(queued_job.get_absolute_url())

        job = queued_job
        assert (job.phase, job.progress_done, job.progress_total, job.percent) == ("checking", 512, 2048, 25)
        assert 'value="25"' in page.text
        assert "25% read" in page.text

    def test_the_writing_phase_counts_records_on_postgresql_and_shows_work_going_on_on_sqlite(self, queued_job):
        JobProgress(queued_job)("writing", 0, 40)

        queued_job.refresh_from_db()
        assert queued_job.phase == "writing"
        if connection.vendor == "postgresql":
            assert (queued_job.progress_total, queued_job.percent) == (40, 0)
        else:
            assert queued_job.percent is None

    def test_progress_inside_the_imports_transaction_is_seen_at_once_on_postgresql(self, queued_job):
        progress = JobProgress(queued_job)

        with transaction.atomic():
            progress("writing", 10, 40)
            seen = ImportJob.objects.values_list("phase", "progress_done").get(pk=queued_job.pk)
            with connections.create_connection(DEFAULT_DB_ALIAS).cursor() as other:
                other.execute("SELECT progress_done FROM papers_importjob WHERE id = %s", [queued_job.pk])
                seen_by_others = other.fetchone()[0]
        progress.close()

        if connection.vendor == "postgresql":
            assert seen == ("writing", 10)
            assert seen_by_others == 10
        else:  # SQLite has one writer, the import: the page knows the phase from before the transaction
            assert seen == ("", 0)


@pytest.mark.django_db
class TestWhoSeesAJob:
    def test_other_users_jobs_are_not_found(self, client):
        client.force_login(curator("cora"))
        post_import(client, ("first.jsonl", GOOD_JSONL))
        job = ImportJob.objects.get()

        client.force_login(curator("carl"))
        assert client.get(job.get_absolute_url()).status_code == 404
        client.force_login(make_user("eve"))
        assert client.get(job.get_absolute_url()).status_code == 404

    def test_a_jobs_page_needs_a_login(self, client):
        client.force_login(curator("cora"))
        post_import(client, ("first.jsonl", GOOD_JSONL))
        client.logout()

        response = client.get(ImportJob.objects.get().get_absolute_url())

        assert response.status_code == 302

    def test_the_import_page_lists_only_my_recent_jobs(self, client):
        client.force_login(curator("carl"))
        post_import(client, ("carls.jsonl", GOOD_JSONL))
        client.force_login(curator("cora"))
        post_import(client, ("coras.jsonl", GOOD_JSONL))

        page = client.get(IMPORT_URL)

        assert "coras.jsonl" in page.text
        assert "carls.jsonl" not in page.text


@pytest.mark.django_db
def test_polling_a_jobs_status_costs_a_fixed_few_queries(client, settings, django_assert_max_num_queries):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(curator())
    post_import(client, ("first.jsonl", GOOD_JSONL))
    job = ImportJob.objects.get()

    with django_assert_max_num_queries(4):
        response = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})

    assert response.status_code == 200
