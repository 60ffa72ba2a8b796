"""A blind review that needs two screeners per paper, with every role, for the tests of conflicts, screening
mode and assignments."""

import pytest

from tests.factories import make_paper, make_review, make_user


@pytest.fixture
def dual(db):
    """alice owns, bob and carol review, rosa resolves, olivia observes. Four papers, newest first: p4 … p1."""
    from reviews.models import Role

    class Dual:
        alice, bob, carol, rosa, olivia = (make_user(n) for n in ["alice", "bob", "carol", "rosa", "olivia"])
        papers = [make_paper(f"2303.0000{n}", title=f"Paper {n}") for n in range(1, 5)]
        roles = {alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER, rosa: Role.RESOLVER}
        # Newest first in screening mode, which the journeys follow paper by paper (tests/test_browser_priority.py
        # has the priority order's).
        review = make_review(
            "dual", papers=papers, blind=True, required_screeners=2, members=roles, screen_by_priority=False
        )

    Dual.p1, Dual.p2, Dual.p3, Dual.p4 = Dual.papers
    from reviews.models import Membership

    Membership.objects.create(review=Dual.review, user=Dual.olivia, role=Role.OBSERVER)
    return Dual


def member(review, user):
    from reviews.models import Membership

    return Membership.objects.select_related("review", "user").get(review=review, user=user)
