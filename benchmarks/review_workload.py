"""A realistic review workload for ``manage.py benchmark``: a team's review over every paper in the database.

Only the benchmark uses this. It writes with ``bulk_create`` and refreshes the summary columns with set-based
SQL, which is fine for a one-off setup; the app itself keeps them true row by row (``reviews.summaries``).
Those two shortcuts each sit behind one function, so either can become a call into ``reviews`` without touching
the rest: ``add_annotations`` writes every annotation row, ``refresh_all_summaries`` sets every ReviewPaper's
summary columns from them, and ``summary_mismatches`` checks the result against ``reviews.summaries``.
"""

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from papers.models import Paper
from reviews.markdown import render_markdown
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
    TeamStatus,
)
from reviews.summaries import team_status_for

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
BATCH_SIZE = 2000


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

    with transaction.atomic():
        ScreeningDecision.objects.bulk_create(decisions, batch_size=BATCH_SIZE)
        Score.objects.bulk_create(scores, batch_size=BATCH_SIZE)
        PaperTag.objects.bulk_create(paper_tags, batch_size=BATCH_SIZE)
        comments = _add_comments(review, reviewers, screened, budget["comments"], rng)
    workload.counts = {
        "decisions": len(decisions),
        "scores": len(scores),
        "paper tags": len(paper_tags),
        "comments": comments,
    }
    return workload.counts


def _add_comments(review: Review, reviewers: list, screened: list[int], total: int, rng: random.Random) -> int:
    # bulk_create skips Comment.save(), which renders the Markdown: render each distinct body once here.
    html = {body: render_markdown(body) for body in COMMENT_BODIES + REPLY_BODIES}
    discussed = rng.sample(screened, min(len(screened), max(1, total // 3)))
    replies = round(total * REPLY_SHARE)
    threads = Comment.objects.bulk_create(
        [
            Comment(review=review, paper_id=paper_id, author=rng.choice(reviewers), body=body, body_html=html[body])
            for paper_id, body in ((rng.choice(discussed), rng.choice(COMMENT_BODIES)) for _ in range(total - replies))
        ],
        batch_size=BATCH_SIZE,
    )
    # Replies need their parents' ids, which PostgreSQL returns from the bulk insert.
    Comment.objects.bulk_create(
        [
            Comment(
                review=review,
                paper_id=parent.paper_id,
                author=rng.choice(reviewers),
                parent=parent,
                body=body,
                body_html=html[body],
            )
            for parent, body in ((rng.choice(threads), rng.choice(REPLY_BODIES)) for _ in range(replies))
        ],
        batch_size=BATCH_SIZE,
    )
    return len(threads) + replies


def refresh_all_summaries(review: Review) -> None:
    """Every ReviewPaper's summary columns from the annotation rows, in three set-based UPDATEs.

    Matches ``reviews.summaries`` (checked by ``summary_mismatches``); only papers with annotations are
    touched, as the rest keep their defaults (undecided, zero counts, no scores).
    """
    # Only table names from the models' Meta are formatted into the SQL (hence noqa: S608); values are parameters.
    review_paper = ReviewPaper._meta.db_table
    with connection.cursor() as cursor:
        # Statistics first: without them the planner takes the tables just filled for nearly empty and
        # rescans review_paper once per aggregated paper (nine minutes at 100,000 papers instead of a second).
        for model in (ReviewPaper, ScreeningDecision, Score, Comment):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(
            f"""
            UPDATE {review_paper} AS rp
               SET include_count = d.includes, maybe_count = d.maybes, exclude_count = d.excludes,
                   team_status = CASE
                       WHEN (d.includes > 0)::int + (d.maybes > 0)::int + (d.excludes > 0)::int > 1 THEN %(conflict)s
                       WHEN d.includes > 0 THEN %(included)s
                       WHEN d.maybes > 0 THEN %(maybe)s
                       WHEN d.excludes > 0 THEN %(excluded)s
                       ELSE %(undecided)s END
              FROM (SELECT paper_id,
                           COUNT(*) FILTER (WHERE decision = %(include)s) AS includes,
                           COUNT(*) FILTER (WHERE decision = %(maybe_choice)s) AS maybes,
                           COUNT(*) FILTER (WHERE decision = %(exclude)s) AS excludes
                      FROM {ScreeningDecision._meta.db_table} WHERE review_id = %(review)s GROUP BY paper_id) AS d
             WHERE rp.review_id = %(review)s AND rp.paper_id = d.paper_id
            """,  # noqa: S608
            {
                "review": review.pk,
                "conflict": TeamStatus.CONFLICT,
                "included": TeamStatus.INCLUDED,
                "maybe": TeamStatus.MAYBE,
                "excluded": TeamStatus.EXCLUDED,
                "undecided": TeamStatus.UNDECIDED,
                "include": DecisionChoice.INCLUDE,
                "maybe_choice": DecisionChoice.MAYBE,
                "exclude": DecisionChoice.EXCLUDE,
            },
        )
        cursor.execute(
            f"""
            UPDATE {review_paper} AS rp
               SET score_count = s.n, score_mean = s.mean, score_min = s.low, score_max = s.high
              FROM (SELECT paper_id, COUNT(*) AS n, AVG(value)::float AS mean, MIN(value) AS low, MAX(value) AS high
                      FROM {Score._meta.db_table} WHERE review_id = %(review)s GROUP BY paper_id) AS s
             WHERE rp.review_id = %(review)s AND rp.paper_id = s.paper_id
            """,  # noqa: S608
            {"review": review.pk},
        )
        cursor.execute(
            f"""
            UPDATE {review_paper} AS rp
               SET comment_count = c.n
              FROM (SELECT paper_id, COUNT(*) AS n FROM {Comment._meta.db_table}
                     WHERE review_id = %(review)s AND NOT hidden AND deleted_at IS NULL GROUP BY paper_id) AS c
             WHERE rp.review_id = %(review)s AND rp.paper_id = c.paper_id
            """,  # noqa: S608
            {"review": review.pk},
        )


def vacuum_analyze_review_tables() -> None:
    """Fresh statistics and visibility maps, as autovacuum would give a table that grew over weeks."""
    models = (ReviewPaper, ScreeningDecision, Score, PaperTag, Comment, Tag, Membership)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def summary_mismatches(review: Review, sample: int = 300, seed: int = 0) -> list[str]:
    """Spot-check the set-based refresh against ``reviews.summaries`` on annotated papers; [] when all agree."""
    paper_ids = list(ScreeningDecision.objects.filter(review=review).values_list("paper_id", flat=True).distinct())
    chosen = random.Random(seed).sample(paper_ids, min(sample, len(paper_ids)))
    rows = ReviewPaper.objects.filter(review=review, paper_id__in=chosen)
    decisions: dict[int, dict[str, int]] = {}
    for paper_id, decision in ScreeningDecision.objects.filter(review=review, paper_id__in=chosen).values_list(
        "paper_id", "decision"
    ):
        counts = decisions.setdefault(paper_id, {})
        counts[decision] = counts.get(decision, 0) + 1
    problems = []
    for row in rows:
        counts = decisions.get(row.paper_id, {})
        expected = team_status_for(
            counts.get(DecisionChoice.INCLUDE, 0),
            counts.get(DecisionChoice.MAYBE, 0),
            counts.get(DecisionChoice.EXCLUDE, 0),
        )
        if row.team_status != expected:
            problems.append(f"paper {row.paper_id}: {row.team_status}, expected {expected}")
    return problems


def all_paper_ids() -> list[int]:
    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))
