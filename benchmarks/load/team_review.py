"""The review the load test screens: one blind dual-screening review over the whole corpus, with an owner, a
resolver and fifty reviewers, part of it already screened, the rest assigned in pairs and waiting.

Built with the review benchmark's workload (benchmarks/review_workload.py): the same write paths, the same shape
of screening, but a team of fifty. What the simulated reviewers need to know (their logins, the review's address,
its reasons and tags, a sample of its papers) goes to the load plan (benchmarks/load/plan.py).
"""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from benchmarks import review_workload
from reviews.models import Review, ReviewPaper

SLUG = "marginalia-load-test"
OWNER = "load-owner"
RESOLVER = "load-resolver"
# Only the benchmark database ever holds these accounts (the runner refuses any other database).
PASSWORD = "load-test-password-not-secret"  # noqa: S105
# Of the review's papers, this share is screened (two decisions each) before the load starts.
ALREADY_SCREENED = 0.4


def reviewer_name(number: int) -> str:
    return f"load-reviewer-{number:02d}"


@dataclass
class TeamReview:
    review: Review
    reviewers: list[str]
    screened: dict[str, int]


def build(paper_ids: list[int], reviewers: int, seed: int = 0, *, priority: bool = True) -> TeamReview:
    """Replace the load test's review: the team's accounts (one password, hashed once), the review with its tags
    and reasons, ``ALREADY_SCREENED`` of the papers screened and the rest assigned, two reviewers a paper.
    ``priority``: screening follows each reviewer's priority order, which the task worker retrains after their
    decisions."""
    Review.objects.filter(slug=SLUG).delete()
    names = [reviewer_name(number) for number in range(1, reviewers + 1)]
    users = _accounts([OWNER, RESOLVER, *names])
    workload = review_workload.create_team_review(
        paper_ids,
        users[OWNER],
        [users[name] for name in names],
        users[RESOLVER],
        slug=SLUG,
        title="Load test: LLM papers",
        allow_new_tags=False,
        screen_by_priority=priority,
    )
    review = workload.review
    shuffled = list(paper_ids)
    random.Random(seed).shuffle(shuffled)
    cut = round(len(shuffled) * ALREADY_SCREENED)
    screened = review_workload.add_screening(workload, sorted(shuffled[:cut]), seed=seed)
    review_workload.assign_pairs(workload, shuffled[cut:], seed=seed + 1)
    review_workload.vacuum_analyze_review_tables()
    return TeamReview(review=review, reviewers=names, screened=screened)


def _accounts(names: list[str]) -> dict:
    model = get_user_model()
    password = make_password(PASSWORD)
    existing = {user.username: user for user in model.objects.filter(username__in=names)}
    model.objects.bulk_create([model(username=name, password=password) for name in names if name not in existing])
    model.objects.filter(username__in=names).update(password=password, is_active=True)
    return {user.username: user for user in model.objects.filter(username__in=names)}


def paper_sample(review: Review, size: int, seed: int = 0) -> list[dict]:
    """Papers of the review for the simulated reviewers to open, tag, score and comment on: id and address."""
    ids = list(ReviewPaper.objects.filter(review=review).values_list("pk", flat=True))
    chosen = random.Random(seed).sample(ids, min(size, len(ids)))
    rows = ReviewPaper.objects.filter(pk__in=chosen).select_related("review", "paper").order_by("pk")
    return [{"id": row.paper_id, "path": row.get_absolute_url()} for row in rows]
