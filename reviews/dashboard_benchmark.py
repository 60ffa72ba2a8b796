"""Time the dashboard and the statistics page on a large review (README: "Dashboard and statistics").

Not part of the app's pages: run it by hand against a PostgreSQL database you can fill, e.g.

    DATABASE_URL=postgres://… python manage.py shell -c \
        "from reviews.dashboard_benchmark import build, measure; measure(build())"

``build`` writes papers, a blind review with four reviewers, two decisions and two scores a paper and some tags
with set-based SQL (generate_series), then recounts the summary columns with the app's own rule.
"""

import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from papers.models import ImportBatch, ImportFormat, Paper

from .models import ExclusionReason, Membership, Review, ReviewPaper, Role, Tag

SLUG = "dashboard-benchmark"
REVIEWERS = ("dash-1", "dash-2", "dash-3", "dash-4")


def build(papers: int = 100_000, decided: int | None = None) -> Review:
    """A review of ``papers`` new papers, the first ``decided`` of them (all by default) with 2 decisions and 2
    scores each from 4 reviewers; the review."""
    users = get_user_model()
    Review.objects.filter(slug=SLUG).delete()
    owner = users.objects.get_or_create(username="dash-owner")[0]
    reviewers = [users.objects.get_or_create(username=name)[0] for name in REVIEWERS]
    review = Review.objects.create_with_owner(owner, title="Dashboard benchmark", blind=True, required_screeners=2)
    review.slug = SLUG
    review.save(update_fields=["slug"])
    for user in reviewers:
        Membership.objects.create(review=review, user=user, role=Role.REVIEWER)
    reasons = [ExclusionReason.objects.create(review=review, label=f"Reason {n}", position=n).pk for n in range(1, 5)]
    tags = [Tag.objects.create(review=review, name=f"topic {n}", normalised_name=f"topic {n}").pk for n in range(20)]
    ids = [user.pk for user in reviewers]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM papers_paper_import_batches WHERE paper_id IN "
            "(SELECT id FROM papers_paper WHERE arxiv_id LIKE 'dash-%%')"
        )
        cursor.execute("DELETE FROM papers_paper WHERE arxiv_id LIKE 'dash-%%'")
        cursor.execute(
            "INSERT INTO papers_paper (arxiv_id, version, abstract, title, authors, primary_category, doi, url, "
            "submitted_month, created_at, updated_at, extra, pmid, title_key, venue) SELECT 'dash-' || g, 1, "
            "'An abstract ' || g, 'Title ' || g, '[]', 'cs.CL', '', '', date '2023-01-01', now(), now(), '{}', '', "
            "'', '' FROM generate_series(1, %s) g",
            [papers],
        )
        first, second = (ImportBatch.objects.create(file_name=name, format=ImportFormat.JSONL).pk for name in "ab")
        # Every paper came in the first import, one in ten again in the second: the duplicates.
        cursor.execute(
            "INSERT INTO papers_paper_import_batches (paper_id, importbatch_id) "
            "SELECT id, %s FROM papers_paper WHERE arxiv_id LIKE 'dash-%%' UNION ALL "
            "SELECT id, %s FROM papers_paper WHERE arxiv_id LIKE 'dash-%%' AND id %% 10 = 0",
            [first, second],
        )
    review.add_papers(Paper.objects.filter(arxiv_id__startswith="dash-"))
    with connection.cursor() as cursor:
        # Two reviewers a paper in turn; the second agrees four times in five.
        cursor.execute(
            "CREATE TEMP TABLE dash_votes AS SELECT p.id AS paper_id, n, "
            "(ARRAY[%s, %s, %s, %s])[((p.id + n) %% 4) + 1] AS user_id, "
            "CASE WHEN random() < 0.8 THEN (p.id %% 3) ELSE floor(random() * 3)::int END AS choice, "
            "now() - (p.id %% 30) * interval '1 day' AS at "
            "FROM (SELECT id FROM papers_paper WHERE arxiv_id LIKE 'dash-%%' ORDER BY id LIMIT %s) p "
            "CROSS JOIN generate_series(0, 1) n",
            [*ids, decided],
        )
        cursor.execute(
            "INSERT INTO reviews_screeningdecision (review_id, paper_id, user_id, decision, reason_id, updated_at) "
            "SELECT %s, paper_id, user_id, (ARRAY['include', 'maybe', 'exclude'])[choice + 1], "
            "CASE WHEN choice = 2 THEN (ARRAY[%s, %s, %s, %s])[(paper_id %% 4) + 1] END, at FROM dash_votes",
            [review.pk, *reasons],
        )
        cursor.execute(
            "INSERT INTO reviews_score (review_id, paper_id, user_id, value, updated_at) "
            "SELECT %s, paper_id, user_id, LEAST(5, GREATEST(1, 5 - 2 * choice + floor(random() * 2)::int)), at "
            "FROM dash_votes",
            [review.pk],
        )
        cursor.execute(
            "INSERT INTO reviews_papertag (review_id, paper_id, tag_id, applied_at) "
            "SELECT %s, paper_id, (%s::bigint[])[(paper_id %% 20) + 1], now() FROM dash_votes "
            "WHERE n = 0 AND paper_id %% 3 = 0",
            [review.pk, tags],
        )
        # The history the write path would have recorded, one row a decision and a score.
        cursor.execute(
            "INSERT INTO reviews_change (review_id, paper_id, user_id, kind, subject, before, after, at) "
            "SELECT %s, paper_id, user_id, kind, '', NULL, '{}'::jsonb, at FROM dash_votes "
            "CROSS JOIN (VALUES ('decision'), ('score')) AS kinds (kind)",
            [review.pk],
        )
        cursor.execute("DROP TABLE dash_votes")
        cursor.execute("ANALYZE")
    ReviewPaper.objects.filter(review=review).recount()
    return review


def measure(review: Review | None = None, runs: int = 9) -> dict[str, float]:
    """Median milliseconds of each page for the review's owner over ``runs`` requests (after one warm-up), with
    the review's counts cached ("warm") and right after a change ("cold": the cache emptied before each)."""
    review = review or Review.objects.get(slug=SLUG)
    owner = review.memberships.get(role=Role.OWNER).user
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    medians = {}
    for name in ("dashboard", "statistics"):
        url = reverse(f"reviews:{name}", args=[review.slug])
        assert client.get(url).status_code == 200
        for state in ("warm", "cold"):
            times = []
            for _ in range(runs):
                if state == "cold":
                    cache.clear()
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            medians[f"{name}, {state}"] = statistics.median(times)
    print(
        f"{ReviewPaper.objects.filter(review=review).count()} papers, {review.decisions.count()} decisions, "
        f"{review.scores.count()} scores, {connection.vendor}; load {os.getloadavg()}"
    )
    for name, median in medians.items():
        print(f"{name}: median {median:.0f} ms over {runs} requests")
    return medians
