"""A realistic review workload for ``manage.py benchmark``: a team's review over every paper in the database.

Only the benchmark uses this. ``add_annotations`` writes every annotation through the app's own bulk write path
(``reviews.annotating.bulk_annotate``), which recounts the summary columns with the app's one summary rule;
``summary_mismatches`` spot-checks the stored columns against a recount.
"""

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection

from papers.models import Paper
from reviews import annotating
from reviews.models import (
    TAG_COLOURS,
    Comment,
    DecisionChoice,
    ExclusionReason,
    Membership,
    PaperTag,
    Review,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
    Tag,
)

BENCH_REVIEW_SLUG = "marginalia-benchmark"
OWNER = "bench-owner"
REVIEWERS = ("bench-reviewer-1", "bench-reviewer-2", "bench-reviewer-3")
TAG_NAMES = (
    "benchmark", "dataset", "RLHF", "prompting", "chain-of-thought", "retrieval-augmented", "evaluation", "safety",
    "alignment", "multilingual", "code generation", "agents", "fine-tuning", "efficiency", "survey", "theory",
    "multimodal", "hallucination", "reasoning", "tool use",
)  # fmt: skip
REASONS = (
    "Not about language models",
    "No empirical evaluation",
    "Out-of-scope task",
    "Duplicate or later version",
    "Position paper or opinion",
    "Withdrawn",
)
COMMENT_BODIES = (
    "Fits **criterion 2**, but the evaluation is only on English data.",
    "Not sure the baselines are fair: see Table 3.",
    "Agree with the others, include.",
    "Is this the same group as the *earlier* preprint? Possibly a duplicate.",
    "The abstract overclaims; the method is a prompting trick.\n\n- small models only\n- no ablation",
    "Useful as a related-work pointer even if we exclude it.",
    "Check whether the dataset is released: `github` link in the paper.",
    "I'd say maybe until we read the full text.",
    "Strong paper. The human evaluation is convincing.",
    "This is a survey; our protocol says exclude surveys.",
)
REPLY_BODIES = (
    "Good point, changed my decision.",
    "I disagree: the appendix has the ablation.",
    "Let's discuss at the next meeting.",
    "Agreed.",
)
# How the annotations split: screening decisions dominate, as they do in real screening.
SHARES = {"decisions": 0.50, "scores": 0.23, "tags": 0.17, "comments": 0.10}
REPLY_SHARE = 0.25
# The team's (unknown) verdict on a screened paper, and how often one reviewer departs from it.
TRUE_LABELS = [DecisionChoice.INCLUDE] * 20 + [DecisionChoice.MAYBE] * 15 + [DecisionChoice.EXCLUDE] * 65
DISAGREEMENT = 0.15


@dataclass
class ReviewWorkload:
    review: Review
    owner: object
    reviewers: list
    tags: list[Tag]
    counts: dict[str, int] = field(default_factory=dict)


def schema_drift() -> list[str]:
    """Model columns missing from the database: a sign of a migration edited after it was applied there."""
    missing = []
    with connection.cursor() as cursor:
        for model in (
            Review,
            Membership,
            ExclusionReason,
            ReviewPaper,
            Tag,
            PaperTag,
            Score,
            ScreeningDecision,
            Comment,
        ):
            table = model._meta.db_table
            present = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            missing += [f"{table}.{f.column}" for f in model._meta.concrete_fields if f.column not in present]
    return missing


def delete_benchmark_review() -> None:
    """Remove an earlier run's review and all its annotations (they cascade)."""
    Review.objects.filter(slug=BENCH_REVIEW_SLUG).delete()


def create_review(paper_ids: list[int]) -> ReviewWorkload:
    """The review, its team (an owner and three reviewers), vocabulary and reasons, and all ``paper_ids`` in it."""
    users = get_user_model().objects
    owner, _ = users.get_or_create(username=OWNER)
    reviewers = [users.get_or_create(username=name)[0] for name in REVIEWERS]
    review = Review.objects.create(
        title="Benchmark: LLM papers",
        slug=BENCH_REVIEW_SLUG,
        research_question="Which papers evaluate instruction-tuned language models on reasoning?",
    )
    Membership.objects.bulk_create(
        [Membership(review=review, user=owner, role=Role.OWNER)]
        + [Membership(review=review, user=user, role=Role.REVIEWER) for user in reviewers]
    )
    # Tag.save() normalises the name: twenty single saves are cheap.
    tags = []
    for position, name in enumerate(TAG_NAMES):
        tags.append(
            Tag.objects.create(
                review=review, name=name, colour=TAG_COLOURS[position % len(TAG_COLOURS)], created_by=owner
            )
        )
    ExclusionReason.objects.bulk_create(
        ExclusionReason(review=review, label=label, position=position) for position, label in enumerate(REASONS)
    )
    review.add_papers(paper_ids)
    return ReviewWorkload(review=review, owner=owner, reviewers=reviewers, tags=tags)


def add_annotations(workload: ReviewWorkload, paper_ids: list[int], total: int, seed: int = 0) -> dict[str, int]:
    """``total`` annotation rows over the three reviewers: decisions (some disagreeing), scores, tags, comments."""
    rng = random.Random(seed)
    review, reviewers = workload.review, workload.reviewers
    budget = {kind: round(total * share) for kind, share in SHARES.items()}
    budget["decisions"] += total - sum(budget.values())
    reasons = list(ExclusionReason.objects.filter(review=review))

    # Screening: each screened paper gets one to three reviewers' decisions, mostly agreeing.
    decisions, verdicts, screened = [], {}, []
    for paper_id in rng.sample(paper_ids, min(len(paper_ids), budget["decisions"])):
        if len(decisions) >= budget["decisions"]:
            break
        screened.append(paper_id)
        label = rng.choice(TRUE_LABELS)
        who = rng.sample(reviewers, rng.choice((1, 2, 2, 3, 3, 3)))
        for user in who[: budget["decisions"] - len(decisions)]:
            decision = label
            if rng.random() < DISAGREEMENT:
                decision = rng.choice([choice for choice in DecisionChoice.values if choice != label])
            reason = rng.choice(reasons) if decision == DecisionChoice.EXCLUDE and rng.random() < 0.7 else None
            decisions.append(
                ScreeningDecision(review=review, paper_id=paper_id, user=user, decision=decision, reason=reason)
            )
            verdicts[(paper_id, user.pk)] = decision

    # Scores mostly where a reviewer screened, leaning on the decision; included papers score higher.
    leaning = {DecisionChoice.INCLUDE: (3, 5), DecisionChoice.MAYBE: (2, 4), DecisionChoice.EXCLUDE: (1, 3)}
    pairs = list(verdicts)
    rng.shuffle(pairs)
    scores = []
    for paper_id, user_id in pairs[: budget["scores"]]:
        low, high = leaning[verdicts[(paper_id, user_id)]]
        scores.append(Score(review=review, paper_id=paper_id, user_id=user_id, value=rng.randint(low, high)))

    # Tags: a few popular ones and a long tail, on screened papers.
    weights = [1 / (rank + 1) for rank in range(len(workload.tags))]
    applied, paper_tags = set(), []
    wanted_tags = min(budget["tags"], len(screened) * len(workload.tags) // 2)
    while len(paper_tags) < wanted_tags:
        paper_id = rng.choice(screened)
        tag = rng.choices(workload.tags, weights)[0]
        if (paper_id, tag.pk) not in applied:
            applied.add((paper_id, tag.pk))
            paper_tags.append(PaperTag(review=review, paper_id=paper_id, tag=tag, applied_by=rng.choice(reviewers)))

    annotating.bulk_annotate(review, decisions=decisions, scores=scores, paper_tags=paper_tags)
    comments = _add_comments(review, reviewers, screened, budget["comments"], rng)
    workload.counts = {
        "decisions": len(decisions),
        "scores": len(scores),
        "paper tags": len(paper_tags),
        "comments": comments,
    }
    return workload.counts


def _add_comments(review: Review, reviewers: list, screened: list[int], total: int, rng: random.Random) -> int:
    discussed = rng.sample(screened, min(len(screened), max(1, total // 3)))
    replies = round(total * REPLY_SHARE)
    threads = [
        Comment(review=review, paper_id=paper_id, author=rng.choice(reviewers), body=body)
        for paper_id, body in ((rng.choice(discussed), rng.choice(COMMENT_BODIES)) for _ in range(total - replies))
    ]
    annotating.bulk_annotate(review, comments=threads)
    # Replies need their parents' ids, which the bulk insert sets on both databases.
    annotating.bulk_annotate(
        review,
        comments=[
            Comment(review=review, paper_id=parent.paper_id, author=rng.choice(reviewers), parent=parent, body=body)
            for parent, body in ((rng.choice(threads), rng.choice(REPLY_BODIES)) for _ in range(replies))
        ],
    )
    return len(threads) + replies


def vacuum_analyze_review_tables() -> None:
    """Fresh statistics and visibility maps, as autovacuum would give a table that grew over weeks."""
    models = (ReviewPaper, ScreeningDecision, Score, PaperTag, Comment, Tag, Membership)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def summary_mismatches(review: Review, sample: int = 300, seed: int = 0) -> list[str]:
    """Recount a sample of the screened papers with the app's summary rule; a line per row that differs."""
    paper_ids = sorted(ScreeningDecision.objects.filter(review=review).values_list("paper_id", flat=True).distinct())
    chosen = random.Random(seed).sample(paper_ids, min(sample, len(paper_ids)))
    rows = ReviewPaper.objects.filter(review=review, paper_id__in=chosen)
    return [f"paper {row.paper_id}: {differences}" for row, differences in rows.summary_mismatches()]


def all_paper_ids() -> list[int]:
    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))
