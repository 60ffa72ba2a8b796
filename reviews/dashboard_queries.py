"""The counts behind the dashboard and the statistics page, each one grouped query over a whole review.

Nothing here loops over papers in Python: the database groups, and what comes back is a handful of rows per
reviewer, status, score or "vote profile" (how many include/maybe/exclude votes a paper has), whatever the
size of the review.
"""

from collections import Counter
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncDate

from papers.models import ImportBatch, Paper, PaperAlias

from .models import Assignment, Change, ChangeKind, PaperTag, ReviewPaper, Score, ScreeningDecision
from .models.annotations import DecisionChoice
from .models.summaries import TeamStatus

DECISIONS = tuple(DecisionChoice.values)  # include, maybe, exclude: the order of every decision table
PACE_DAYS = 30


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def decision_pairs(review_id: int) -> list[tuple[int, int, str, str, int]]:
    """(user1, user2, decision1, decision2, papers) for every pair of reviewers (user1 < user2) who both
    decided on papers of the review: their contingency tables, from one grouped self-join."""
    table = _table(ScreeningDecision)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.user_id, b.user_id, a.decision, b.decision, COUNT(*) FROM {table} a "  # noqa: S608
            f"JOIN {table} b ON b.review_id = a.review_id AND b.paper_id = a.paper_id AND b.user_id > a.user_id "
            "WHERE a.review_id = %s GROUP BY a.user_id, b.user_id, a.decision, b.decision",
            [review_id],
        )
        return cursor.fetchall()


def vote_profiles(review_id: int) -> list[tuple[int, int, int, int]]:
    """(include votes, maybe votes, exclude votes, papers with exactly those votes) from the summary columns."""
    rows = (
        ReviewPaper.objects.filter(review_id=review_id)
        .order_by()
        .values_list("include_count", "maybe_count", "exclude_count")
        .annotate(papers=Count("pk"))
    )
    return list(rows)


def score_profiles(review_id: int) -> list[tuple[tuple[int, ...], int]]:
    """((reviewers who gave 1, …, gave 5), papers with exactly that spread) for papers scored by two or more.

    Two or three scores are fully known from a paper's summary columns (the lowest, the highest and the one
    the sum leaves), so those papers are grouped on ReviewPaper; only papers with four or more scores are read
    from the scores themselves. Grouping all 200,000 scores per paper took three times as long.
    """
    profiles: Counter = Counter()
    more = False
    summed = (
        ReviewPaper.objects.filter(review_id=review_id, score_count__gte=2)
        .order_by()
        .values_list("score_count", "score_min", "score_max", "score_mean")
        .annotate(papers=Count("pk"))
    )
    for count, low, high, mean, papers in summed:
        if count > 3:
            more = True
            continue
        values = [low, high] if count == 2 else [low, high, round(mean * 3) - low - high]
        profiles[tuple(values.count(value) for value in range(1, 6))] += papers
    if not more:
        return list(profiles.items())
    table = _table(Score)
    spread = ", ".join(f"SUM(CASE WHEN value = {value} THEN 1 ELSE 0 END) AS v{value}" for value in range(1, 6))
    columns = ", ".join(f"v{value}" for value in range(1, 6))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, COUNT(*) FROM (SELECT {spread} FROM {table} "  # noqa: S608
            f"WHERE review_id = %s AND paper_id IN (SELECT paper_id FROM {_table(ReviewPaper)} "
            "WHERE review_id = %s AND score_count >= 4) GROUP BY paper_id) AS per_paper "
            f"GROUP BY {columns}",
            [review_id, review_id],
        )
        for row in cursor.fetchall():
            profiles[tuple(int(count) for count in row[:5])] += row[5]
    return list(profiles.items())


def decisions_by_user(review_id: int) -> dict[int, Counter]:
    """user id → Counter of their decisions in the review."""
    by_user: dict[int, Counter] = {}
    rows = (
        ScreeningDecision.objects.filter(review_id=review_id)
        .order_by()
        .values_list("user_id", "decision")
        .annotate(n=Count("pk"))
    )
    for user_id, decision, n in rows:
        by_user.setdefault(user_id, Counter())[decision] = n
    return by_user


def assignment_progress(review_id: int) -> dict[int, tuple[int, int]] | None:
    """user id → (assigned papers they decided, papers assigned to them); None when the review assigns none.

    One grouped outer join: an EXISTS for each of 200,000 assignments took 470 ms on the benchmark's review."""
    assignments, decisions = _table(Assignment), _table(ScreeningDecision)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.user_id, COUNT(d.id), COUNT(*) FROM {assignments} a LEFT JOIN {decisions} d "  # noqa: S608
            "ON d.review_id = a.review_id AND d.paper_id = a.paper_id AND d.user_id = a.user_id "
            "WHERE a.review_id = %s GROUP BY a.user_id",
            [review_id],
        )
        progress = {user_id: (done, assigned) for user_id, done, assigned in cursor.fetchall()}
    return progress or None


def status_counts(review_id: int) -> Counter:
    """(team status, final decision) → papers."""
    rows = (
        ReviewPaper.objects.filter(review_id=review_id)
        .order_by()
        .values_list("team_status", "final_decision")
        .annotate(n=Count("pk"))
    )
    return Counter({(status, final): n for status, final, n in rows})


def exclusion_reasons(review_id: int) -> list[tuple[int | None, int]]:
    """(final reason id or None, papers) of the papers whose final decision is exclude."""
    rows = (
        ReviewPaper.objects.filter(review_id=review_id, final_decision=DecisionChoice.EXCLUDE)
        .order_by()
        .values_list("final_reason_id")
        .annotate(n=Count("pk"))
    )
    return list(rows)


def duplicates_removed(review_id: int) -> int:
    """The duplicate records removed from the review's papers (PRISMA's "duplicate records removed"): the
    ``duplicate_count`` of each import batch whose papers are all in the review (records of a paper an earlier
    record already stood for, in that file or the corpus, merged on import), plus the papers merged into one of
    the review's papers afterwards (PaperAlias: from the *Possible duplicates* page, the admin, or
    ``find_duplicates --merge-certain``). A batch only partly in the review adds nothing, since which of its
    records were the duplicates is not kept: under-counting rather than charging a review with a corpus's."""
    links = Paper.import_batches.through
    in_review = ReviewPaper.objects.filter(review_id=review_id, paper_id=OuterRef("paper_id"))
    of_batch = links.objects.filter(importbatch_id=OuterRef("pk"))
    whole = ImportBatch.objects.filter(Exists(of_batch.filter(Exists(in_review)))).exclude(
        Exists(of_batch.exclude(Exists(in_review)))
    )
    on_import = whole.aggregate(n=Sum("duplicate_count"))["n"] or 0
    merged = PaperAlias.objects.filter(
        Exists(ReviewPaper.objects.filter(review_id=review_id, paper_id=OuterRef("paper_id")))
    ).count()
    return on_import + merged


def score_counts(review_id: int) -> dict[int, int]:
    """score value → how many scores of that value were given."""
    rows = Score.objects.filter(review_id=review_id).order_by().values_list("value").annotate(n=Count("pk"))
    return dict(rows)


def tag_frequencies(review_id: int) -> list[tuple[str, int]]:
    """(tag name, papers carrying it), most used first; a tag is on a paper at most once per review."""
    rows = (
        PaperTag.objects.filter(review_id=review_id)
        .order_by()
        .values_list("tag__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")
    )
    return list(rows)


def decisions_per_day(review_id: int, today: date) -> list[tuple[date, int]]:
    """Standing decisions by the day they were last made or changed, for the PACE_DAYS days up to ``today``
    (days without any included as 0)."""
    first = today - timedelta(days=PACE_DAYS - 1)
    rows = (
        ScreeningDecision.objects.filter(review_id=review_id, updated_at__date__gte=first)
        .order_by()
        .annotate(day=TruncDate("updated_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    counts = dict(rows)
    return [
        (first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0)) for offset in range(PACE_DAYS)
    ]


def inclusion_order(review_id: int) -> list[int]:
    """The places, in the screening order, of the papers counted as includes (1 = the first paper decided).

    The screened papers are those with a decision (any team status but undecided), in the order of each paper's
    first decision: the earliest decision in its history, which every write path records, or its earliest
    standing decision if its history was lost (rows written by hand). It counts as an include when its final
    decision is Include or, without a final decision yet, when anyone voted Include. One query, which returns
    only the includes' places; how many papers are screened comes from ``status_counts``.
    """
    changes, papers, decisions = _table(Change), _table(ReviewPaper), _table(ScreeningDecision)
    # Looked up only for a paper without history (COALESCE stops at the first value): grouping every decision
    # as well took 40% of the query's time on 100,000 papers.
    standing = (
        f"(SELECT MIN(d.updated_at) FROM {decisions} d "  # noqa: S608
        "WHERE d.review_id = rp.review_id AND d.paper_id = rp.paper_id)"
    )
    screened = [status for status in TeamStatus.values if status != TeamStatus.UNDECIDED]
    statuses = ", ".join(["%s"] * len(screened))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position FROM (SELECT ROW_NUMBER() OVER "  # noqa: S608
            f"(ORDER BY COALESCE(c.at, {standing}), rp.paper_id) AS position, "
            "CASE WHEN rp.final_decision = %s OR (rp.final_decision = '' AND rp.include_count > 0) THEN 1 ELSE 0 END "
            f"AS found FROM {papers} rp LEFT JOIN (SELECT paper_id, MIN(at) AS at FROM {changes} "
            "WHERE review_id = %s AND kind = %s GROUP BY paper_id) c ON c.paper_id = rp.paper_id "
            f"WHERE rp.review_id = %s AND rp.team_status IN ({statuses})) AS ordered WHERE found = 1 ORDER BY position",
            [DecisionChoice.INCLUDE.value, review_id, ChangeKind.DECISION.value, review_id, *screened],
        )
        return [position for (position,) in cursor.fetchall()]
