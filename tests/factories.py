"""Builders for test data: small, explicit, with defaults that satisfy every constraint."""

import itertools

from papers.arxiv_ids import parse_arxiv_id
from papers.models import Paper

_numbers = itertools.count(1)


def make_paper(arxiv_id: str | None = None, **fields) -> Paper:
    """A saved paper; the id defaults to a fresh new-style id from March 2023."""
    if arxiv_id is None:
        arxiv_id = f"2303.{next(_numbers):05d}"
    parsed = parse_arxiv_id(arxiv_id)
    fields.setdefault("abstract", f"An abstract about paper {parsed.canonical}.")
    fields.setdefault("version", parsed.version)
    return Paper.objects.create(arxiv_id=parsed.canonical, **fields)


def make_user(username: str, password: str = "correct horse battery staple"):  # noqa: S107
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password=password)


def make_review(slug: str = "llm-review", *, papers=(), members=None, **fields):
    """A review holding ``papers`` with ``members`` given as {user: role}.

    Open (not blind) with one required screener unless ``fields`` say otherwise, as reviews were before blind
    dual screening, so a test of something else need not screen every paper twice.
    """
    from reviews.models import Membership, Review

    fields.setdefault("title", slug.replace("-", " ").title())
    fields.setdefault("blind", False)
    fields.setdefault("required_screeners", 1)
    review = Review.objects.create(slug=slug, **fields)
    review.add_papers([paper.pk for paper in papers])
    for user, role in (members or {}).items():
        Membership.objects.create(review=review, user=user, role=role)
    return review


def logged_in(client, user):
    """The test client, logged in as ``user``."""
    client.force_login(user)
    return client


def make_ranked_corpus(count: int, term: str = "retrieval") -> list[Paper]:
    """``count`` papers whose relevance to ``term`` falls as their number (and arXiv id) grows: oldest match best."""
    return [
        make_paper(f"2301.{n:05d}", abstract=" ".join([term] * (count + 1 - n) + ["filler words"] * n))
        for n in range(1, count + 1)
    ]
