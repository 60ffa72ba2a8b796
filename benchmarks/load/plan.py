"""The load plan: what the Locust process (benchmarks/load/locustfile.py) needs to know, as a JSON file, so that
it never imports Django: the servers, the review, the accounts, what to pick from, where to write its ledger."""

import json
from pathlib import Path

from benchmarks.corpus_benchmark import SEARCH_TERMS
from reviews.models import ExclusionReason, Review, Tag

from . import team_review

PUBLIC_HOST = "marginalia.test"


def write_plan(
    review: Review, reviewers: list[str], base_urls: list[str], output: Path, *, think: tuple[float, float] = (2, 8)
) -> Path:
    plan = {
        "instances": base_urls,
        "host": PUBLIC_HOST,
        "review": review.slug,
        "password": team_review.PASSWORD,
        "reviewers": reviewers,
        "reasons": list(ExclusionReason.objects.filter(review=review).values_list("pk", flat=True)),
        "tags": [{"id": pk, "name": name} for pk, name in Tag.objects.filter(review=review).values_list("pk", "name")],
        "papers": team_review.paper_sample(review, 2000),
        "terms": list(SEARCH_TERMS),
        "think_min": think[0],
        "think_max": think[1],
        "ledger": str(output / "ledger.json"),
    }
    path = output / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path
