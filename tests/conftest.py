import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per test user and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
