"""A realistic blind dual-screening workload for ``manage.py benchmark``: a team's review over the papers.

Only the benchmark uses this. Four reviewers screen every paper in pairs (each paper assigned to two of them,
balanced), a few percent disagree or are all unsure, and a resolver settles about half of those. Every annotation
goes through the app's own write paths: ``reviews.annotating.bulk_annotate`` (which writes history rows and
recounts the summary columns with the app's one summary rule) and ``annotating.resolve`` one paper at a time.
``summary_mismatches`` spot-checks the stored columns against a recount; the benchmark also runs
``check_summaries``.
"""

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from papers.models import Paper
from reviews import annotating
from reviews.models import (
    TAG_COLOURS,
    Assignment,
    Change,
    ChangeKind,
    Comment,
    ConflictRule,
    DecisionChoice,
    ExclusionReason,
    FinalChoice,
    Membership,
    PaperTag,
    PriorityScore,
    Resolution,
    Review,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
    Tag,
    TeamStatus,
)

BENCH_REVIEW_SLUG = "marginalia-benchmark"
OWNER = "bench-owner"
REVIEWERS = ("bench-reviewer-1", "bench-reviewer-2", "bench-reviewer-3", "bench-reviewer-4")
RESOLVER = "bench-resolver"
SCREENERS_PER_PAPER = 2
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


@dataclass(frozen=True)
class Shape:
    """How the team screened: shares of the papers (exact, rounded) and of the decisions (drawn at random)."""

    conflicts: float = 0.08  # papers whose two screeners disagree (strict rule: include vs maybe counts)
    all_maybe: float = 0.03  # papers both screeners were unsure of (strict rule: they need a resolver too)
    resolved: float = 0.5  # of the conflicts, and of the all-maybe papers, settled by the resolver
    included: float = 0.22  # of the papers the screeners agree on
    scored: float = 0.95  # of the decisions that come with a score
    tags_per_paper: float = 0.2
    comments_per_paper: float = 0.03
    reason_given: float = 0.7  # of the exclusions that name a reason
    days: int = 60  # the screening is spread over this many days, for the dashboard's pace chart

    def counts(self, papers: int) -> dict[str, int]:
        """The exact sizes a workload of ``papers`` papers has."""
        conflicts, all_maybe = round(papers * self.conflicts), round(papers * self.all_maybe)
        return {
            "decisions": papers * SCREENERS_PER_PAPER,
            "assignments": papers * SCREENERS_PER_PAPER,
            "conflicts": conflicts,
            "all maybe": all_maybe,
            "resolutions": round(conflicts * self.resolved) + round(all_maybe * self.resolved),
        }


# A split vote: mostly include against exclude or maybe against exclude, sometimes include against maybe.
SPLITS = [(DecisionChoice.INCLUDE, DecisionChoice.EXCLUDE)] * 4 + [(DecisionChoice.MAYBE, DecisionChoice.EXCLUDE)] * 4
SPLITS += [(DecisionChoice.INCLUDE, DecisionChoice.MAYBE)] * 2
# Scores lean on the decision; included papers score higher.
LEANING = {DecisionChoice.INCLUDE: (3, 5), DecisionChoice.MAYBE: (2, 4), DecisionChoice.EXCLUDE: (1, 3)}


@dataclass
class ReviewWorkload:
    review: Review
    owner: object
    reviewers: list
    resolver: object
    tags: list[Tag]
    counts: dict[str, int] = field(default_factory=dict)

    def membership(self, user) -> Membership:
        return Membership.objects.select_related("review", "user").get(review=self.review, user=user)


def schema_drift() -> list[str]:
    """Model columns missing from the database: a sign of a migration edited after it was applied there."""
    missing = []
    with connection.cursor() as cursor:
        for model in REVIEW_MODELS:
            table = model._meta.db_table
            present = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            missing += [f"{table}.{f.column}" for f in model._meta.concrete_fields if f.column not in present]
    return missing


REVIEW_MODELS = (
    Review, Membership, ExclusionReason, ReviewPaper, Tag, PaperTag, Score, ScreeningDecision, Comment, Resolution,
    Assignment, Change,
)  # fmt: skip


def delete_benchmark_review() -> None:
    """Remove an earlier run's review and all its annotations (they cascade).

    At a million papers Django's cascade would load every row to delete it: the big tables go first, each by one
    DELETE, children before parents."""
    reviews = Review.objects.filter(slug=BENCH_REVIEW_SLUG)
    big_tables = [PriorityScore.objects.filter(ranking__review__in=reviews)]
    big_tables += [
        model.objects.filter(review__in=reviews)
        for model in (Change, Comment, PaperTag, Score, ScreeningDecision, Resolution, Assignment, ReviewPaper)
    ]
    for rows in big_tables:
        rows._raw_delete(rows.db)
    reviews.delete()


def create_review(papers) -> ReviewWorkload:
    """The blind review (two screeners a paper, strict rule), its team (an owner, four reviewers and a resolver),
    vocabulary and reasons, and all ``papers`` (ids, or a queryset: one INSERT … SELECT for a million) in it."""
    users = get_user_model().objects
    owner, _ = users.get_or_create(username=OWNER)
    reviewers = [users.get_or_create(username=name)[0] for name in REVIEWERS]
    resolver, _ = users.get_or_create(username=RESOLVER)
    # Screening mode newest first, whose next paper these benchmarks check; benchmark_priority measures the
    # priority order's.
    title = "Benchmark: LLM papers"
    return create_team_review(
        papers, owner, reviewers, resolver, slug=BENCH_REVIEW_SLUG, title=title, screen_by_priority=False
    )


def create_team_review(papers, owner, reviewers: list, resolver, *, slug: str, title: str, **fields) -> ReviewWorkload:
    """A blind review (two screeners a paper, strict rule) for ``owner``, ``reviewers`` and ``resolver``, with the
    benchmarks' vocabulary and reasons and all ``papers`` in it; ``fields`` set the review's other settings."""
    review = Review.objects.create(
        title=title,
        slug=slug,
        research_question="Which papers evaluate instruction-tuned language models on reasoning?",
        blind=True,
        required_screeners=SCREENERS_PER_PAPER,
        conflict_rule=ConflictRule.STRICT,
        **fields,
    )
    Membership.objects.bulk_create(
        [Membership(review=review, user=owner, role=Role.OWNER)]
        + [Membership(review=review, user=user, role=Role.REVIEWER) for user in reviewers]
        + [Membership(review=review, user=resolver, role=Role.RESOLVER)]
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
    review.add_papers(papers)
    return ReviewWorkload(review=review, owner=owner, reviewers=reviewers, resolver=resolver, tags=tags)


def assign_pairs(workload: ReviewWorkload, paper_ids: list[int], seed: int = 0) -> dict[int, tuple]:
    """Each paper to two of the reviewers, every pair equally often (so every reviewer gets half the papers), as
    ``Assignment`` rows; paper id → its two reviewers."""
    rng = random.Random(seed)
    shuffled = list(paper_ids)
    rng.shuffle(shuffled)
    pairs = list(itertools.combinations(workload.reviewers, SCREENERS_PER_PAPER))
    assigned = {paper_id: pairs[index % len(pairs)] for index, paper_id in enumerate(shuffled)}
    write_assignments(workload.review, assigned)
    return assigned


def write_assignments(review: Review, assigned: dict[int, tuple]) -> int:
    if connection.vendor == "postgresql":
        # Two million rows at a million papers: one INSERT from two arrays instead of a bulk_create.
        paper_ids = [paper_id for paper_id, users in assigned.items() for _ in users]
        user_ids = [user.pk for users in assigned.values() for user in users]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reviews_assignment (review_id, paper_id, user_id, assigned_at) "
                "SELECT %s, paper_id, user_id, now() FROM unnest(%s::bigint[], %s::bigint[]) AS t(paper_id, user_id)",
                [review.pk, paper_ids, user_ids],
            )
        return len(paper_ids)
    rows = [
        Assignment(review=review, paper_id=paper_id, user=user)
        for paper_id, users in assigned.items()
        for user in users
    ]
    Assignment.objects.bulk_create(rows, batch_size=annotating.BATCH_SIZE * 4)
    return len(rows)


def papers_for_annotations(annotations: int, shape: "Shape") -> int:
    """How many papers to screen for about ``annotations`` annotations: two decisions a paper, and its scores,
    tags, comments and final decisions by ``shape``'s shares."""
    needing = shape.conflicts + shape.all_maybe
    per_paper = SCREENERS_PER_PAPER * (1 + shape.scored) + shape.tags_per_paper + shape.comments_per_paper
    per_paper += needing * shape.resolved
    return max(1, round(annotations / per_paper))


def add_screening(
    workload: ReviewWorkload,
    paper_ids: list[int],
    seed: int = 0,
    shape: Shape = Shape(),
    *,
    lap=None,
    screened: int | None = None,
) -> dict[str, int]:
    """The team's screening of ``paper_ids``: assignments, two decisions a paper (with scores, reasons, tags and
    comments), then the resolver's final decisions on about half the papers that need one. With ``screened``,
    every paper is assigned but only that many, drawn at random, are screened (a review under way). ``lap(what)``
    is told when each step is done."""
    lap = lap or (lambda what: None)
    rng = random.Random(seed)
    review = workload.review
    assigned = assign_pairs(workload, paper_ids, seed)
    assignments = len(paper_ids) * SCREENERS_PER_PAPER
    lap(f"Assignment rows: each of {len(paper_ids):,} papers to 2 of {len(workload.reviewers)} reviewers")
    if screened is not None and screened < len(paper_ids):
        paper_ids = sorted(rng.sample(paper_ids, screened))
        assigned = {paper_id: assigned[paper_id] for paper_id in paper_ids}

    expected = shape.counts(len(paper_ids))
    outcomes = ["conflict"] * expected["conflicts"] + ["all maybe"] * expected["all maybe"]
    outcomes += ["agreed"] * (len(paper_ids) - len(outcomes))
    rng.shuffle(outcomes)
    reasons = list(ExclusionReason.objects.filter(review=review))
    decisions, scores, to_resolve = [], [], {"conflict": [], "all maybe": []}
    for paper_id, outcome in zip(paper_ids, outcomes, strict=True):
        if outcome == "conflict":
            votes = list(rng.choice(SPLITS))
            rng.shuffle(votes)
            to_resolve[outcome].append(paper_id)
        elif outcome == "all maybe":
            votes = [DecisionChoice.MAYBE] * SCREENERS_PER_PAPER
            to_resolve[outcome].append(paper_id)
        else:
            agreed = DecisionChoice.INCLUDE if rng.random() < shape.included else DecisionChoice.EXCLUDE
            votes = [agreed] * SCREENERS_PER_PAPER
        # Excluders mostly give the same reason, when they give one.
        paper_reason = rng.choice(reasons)
        for user, vote in zip(assigned[paper_id], votes, strict=True):
            reason = None
            if vote == DecisionChoice.EXCLUDE and rng.random() < shape.reason_given:
                reason = paper_reason if rng.random() < 0.8 else rng.choice(reasons)
            decisions.append(
                ScreeningDecision(review=review, paper_id=paper_id, user=user, decision=vote, reason=reason)
            )
            if rng.random() < shape.scored:
                scores.append(Score(review=review, paper_id=paper_id, user=user, value=rng.randint(*LEANING[vote])))
    paper_tags = _paper_tags(workload, assigned, round(len(paper_ids) * shape.tags_per_paper), rng)
    annotating.bulk_annotate(review, decisions=decisions, scores=scores, paper_tags=paper_tags)
    lap(
        f"bulk_annotate (rows, history, summaries): {len(decisions):,} decisions, {len(scores):,} scores, "
        f"{len(paper_tags):,} tags"
    )
    comments = _add_comments(review, assigned, round(len(paper_ids) * shape.comments_per_paper), rng)
    lap(f"bulk_annotate: {comments:,} comments and replies")

    resolutions = _resolve(workload, to_resolve, shape, reasons, rng)
    lap(f"annotating.resolve() one paper at a time: {resolutions:,} final decisions")
    backdate(review, paper_ids, shape.days)
    lap(f"screening spread over {shape.days} days (decision, score and history times)")
    workload.counts = {
        "decisions": len(decisions),
        "scores": len(scores),
        "paper tags": len(paper_tags),
        "comments": comments,
        "assignments": assignments,
        "conflicts": len(to_resolve["conflict"]),
        "all maybe": len(to_resolve["all maybe"]),
        "resolutions": resolutions,
    }
    return workload.counts


def _paper_tags(workload: ReviewWorkload, assigned: dict[int, tuple], total: int, rng: random.Random) -> list:
    """A few popular tags and a long tail, each applied by one of the paper's screeners."""
    review, paper_ids = workload.review, list(assigned)
    weights = [1 / (rank + 1) for rank in range(len(workload.tags))]
    applied, paper_tags = set(), []
    total = min(total, len(paper_ids) * len(workload.tags) // 2)
    while len(paper_tags) < total:
        paper_id = rng.choice(paper_ids)
        tag = rng.choices(workload.tags, weights)[0]
        if (paper_id, tag.pk) not in applied:
            applied.add((paper_id, tag.pk))
            user = rng.choice(assigned[paper_id])
            paper_tags.append(PaperTag(review=review, paper_id=paper_id, tag=tag, applied_by=user))
    return paper_tags


def _add_comments(review: Review, assigned: dict[int, tuple], total: int, rng: random.Random) -> int:
    discussed = rng.sample(list(assigned), min(len(assigned), max(1, total // 3)))
    replies = round(total * 0.25)
    threads = [
        Comment(review=review, paper_id=paper_id, author=rng.choice(assigned[paper_id]), body=body)
        for paper_id, body in ((rng.choice(discussed), rng.choice(COMMENT_BODIES)) for _ in range(total - replies))
    ]
    annotating.bulk_annotate(review, comments=threads)
    # Replies need their parents' ids, which the bulk insert sets on both databases.
    annotating.bulk_annotate(
        review,
        comments=[
            Comment(
                review=review,
                paper_id=parent.paper_id,
                author=rng.choice(assigned[parent.paper_id]),
                parent=parent,
                body=body,
            )
            for parent, body in ((rng.choice(threads), rng.choice(REPLY_BODIES)) for _ in range(replies))
        ],
    )
    return len(threads) + replies


def _resolve(workload: ReviewWorkload, to_resolve: dict[str, list], shape: Shape, reasons, rng) -> int:
    """The resolver settles the first ``shape.resolved`` of the conflicts and of the all-maybe papers, through
    the write path one paper at a time (there is no bulk path for final decisions)."""
    resolver = workload.membership(workload.resolver)
    resolved = 0
    for paper_ids in to_resolve.values():
        for paper_id in paper_ids[: round(len(paper_ids) * shape.resolved)]:
            decision = rng.choice(FinalChoice.values)
            reason = rng.choice(reasons).pk if decision == FinalChoice.EXCLUDE else None
            annotating.resolve(resolver, paper_id, decision, reason, note="Settled at the team meeting.")
            resolved += 1
    return resolved


def backdate(review: Review, paper_ids: list[int], days: int) -> None:
    """Spread the screening over ``days`` days, in the review's order, so the dashboard's pace chart has days to
    draw: the times of decisions, scores and their history rows only, no summary column."""
    ordered = list(
        ReviewPaper.objects.filter(review=review, paper_id__in=paper_ids)
        .order_by("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
        .values_list("paper_id", flat=True)
    )
    first_day = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=days)
    by_day: dict[int, list[int]] = defaultdict(list)
    for rank, paper_id in enumerate(ordered):
        by_day[rank * days // len(ordered)].append(paper_id)
    kinds = (ChangeKind.DECISION, ChangeKind.SCORE, ChangeKind.TAG, ChangeKind.COMMENT)
    for day, chunk in by_day.items():
        at = first_day + timedelta(days=day)
        ScreeningDecision.objects.filter(review=review, paper_id__in=chunk).update(updated_at=at)
        Score.objects.filter(review=review, paper_id__in=chunk).update(updated_at=at)
        Change.objects.filter(review=review, paper_id__in=chunk, kind__in=kinds).update(at=at)


def withdraw_decisions(workload: ReviewWorkload, user, count: int) -> list[int]:
    """Take back ``user``'s decisions on the last ``count`` of their assigned, unresolved papers in the review's
    order (through ``annotating.decide``), so screening mode has papers to offer; their ids, in the review's
    order. A reviewer nearly done is the slow case for finding the next paper: it lies at the end."""
    review = workload.review
    mine = ScreeningDecision.objects.filter(review=review, user=user).values("paper_id")
    papers = (
        ReviewPaper.objects.filter(review=review, paper_id__in=mine)
        .exclude(team_status=TeamStatus.RESOLVED)
        .order_by("paper__submitted_month", "paper__arxiv_id", "paper_id")
        .values_list("paper_id", flat=True)[:count]
    )
    withdrawn = list(reversed(papers))
    membership = workload.membership(user)
    for paper_id in withdrawn:
        annotating.decide(membership, paper_id, "")
    return withdrawn


def vacuum_analyze_review_tables() -> None:
    """Fresh statistics and visibility maps, as autovacuum would give a table that grew over weeks (PostgreSQL,
    outside a transaction; elsewhere nothing to do)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in REVIEW_MODELS:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def summary_mismatches(review: Review, sample: int = 300, seed: int = 0) -> list[str]:
    """Recount a sample of the screened papers with the app's summary rule; a line per row that differs."""
    paper_ids = sorted(ScreeningDecision.objects.filter(review=review).values_list("paper_id", flat=True).distinct())
    chosen = random.Random(seed).sample(paper_ids, min(sample, len(paper_ids)))
    rows = ReviewPaper.objects.filter(review=review, paper_id__in=chosen)
    return [f"paper {row.paper_id}: {differences}" for row, differences in rows.summary_mismatches()]


def existing_workload() -> ReviewWorkload:
    """The benchmark review an earlier run built (``benchmark --reuse-review``), with its team and tags."""
    users = get_user_model().objects
    review = Review.objects.filter(slug=BENCH_REVIEW_SLUG).first()
    if review is None:
        raise ValueError("There is no benchmark review to reuse: run the benchmark once without --reuse-review.")
    return ReviewWorkload(
        review=review,
        owner=users.get(username=OWNER),
        reviewers=[users.get(username=name) for name in REVIEWERS],
        resolver=users.get(username=RESOLVER),
        tags=list(Tag.objects.filter(review=review).order_by("pk")),
    )


def all_paper_ids(limit: int | None = None) -> list[int]:
    """The ids of the papers in the database, oldest first; the first ``limit`` of them when given."""
    ids = Paper.objects.order_by("pk").values_list("pk", flat=True)
    return list(ids[:limit] if limit else ids)
