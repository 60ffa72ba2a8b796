import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per test user and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_immediately(settings):
    # Background tasks (imports) run inside enqueue(), so a test sees a job's outcome at once. The database
    # backend and its worker are tested on their own (tests/test_import_jobs_worker.py), which set TASKS back.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def private_import_uploads(settings, tmp_path):
    # Each test's uploads go to its own temporary directory, never into the checkout.
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    settings.PRIORITY_CACHE_DIR = tmp_path / "priority"
    from reviews import priority_features

    # A review id can come back in the next test (SQLite reuses rolled-back ids): no features carried over.
    priority_features._in_memory.clear()


@pytest.fixture
def team(db):
    """A review team: alice owns, bob and dave review, olivia observes, eve is an outsider."""
    from reviews.models import Role
    from tests.factories import make_paper, make_review, make_user

    class Team:
        alice = make_user("alice")
        bob = make_user("bob")
        dave = make_user("dave")
        olivia = make_user("olivia")
        eve = make_user("eve")
        paper = make_paper("2305.06500", abstract="Vision-language instruction tuning with InstructBLIP models.")
        other_paper = make_paper("2201.11903", title="Chain-of-Thought Prompting", abstract="Reasoning via prompts.")
        review = make_review(
            papers=[paper, other_paper],
            members={alice: Role.OWNER, bob: Role.REVIEWER, dave: Role.REVIEWER, olivia: Role.OBSERVER},
        )

    return Team
