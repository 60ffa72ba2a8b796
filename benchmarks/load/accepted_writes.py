"""Whether every write the simulated reviewers were told was saved is in the database (benchmarks/load/ledger.py)."""

from django.contrib.auth import get_user_model

from reviews.models import Comment, PaperTag, Review, Score, ScreeningDecision

from .ledger import COMMENT, DECISION, SCORE, TAG


def missing_writes(review: Review, records: list[dict]) -> list[str]:
    """A line per accepted write the database does not hold (or holds with another value than any it may)."""
    users = dict(
        get_user_model().objects.filter(username__in={r["user"] for r in records}).values_list("username", "pk")
    )
    decisions = {
        (user_id, paper_id): [decision, reason_id]
        for user_id, paper_id, decision, reason_id in ScreeningDecision.objects.filter(review=review).values_list(
            "user_id", "paper_id", "decision", "reason_id"
        )
    }
    scores = dict(
        ((user_id, paper_id), value)
        for user_id, paper_id, value in Score.objects.filter(review=review).values_list("user_id", "paper_id", "value")
    )
    tags = set(PaperTag.objects.filter(review=review).values_list("applied_by_id", "paper_id", "tag_id"))
    comments = set(Comment.objects.filter(review=review).values_list("author_id", "paper_id", "body"))
    problems = []
    for record in records:
        user_id, paper_id, value = users.get(record["user"]), record["paper"], record["value"]
        key = (user_id, paper_id)
        if record["kind"] in (DECISION, SCORE):
            stored = (decisions if record["kind"] == DECISION else scores).get(key)
            allowed = [value, *record["maybe"]]
            if stored not in allowed:
                problems.append(f"{record['kind']} of {record['user']} on paper {paper_id}: {stored!r}, told {value!r}")
        elif record["kind"] == TAG and (user_id, paper_id, value) not in tags:
            problems.append(f"tag {value} of {record['user']} on paper {paper_id} is missing")
        elif record["kind"] == COMMENT and (user_id, paper_id, value) not in comments:
            problems.append(f"comment of {record['user']} on paper {paper_id} is missing: {value!r}")
    return problems


def count_by_kind(records: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["kind"]] = counts.get(record["kind"], 0) + 1
    return counts
