"""The one cache of the dashboard's and the statistics page's review-wide counts, and why it stays true.

Counting a large review (a self-join of its decisions, its scores per paper, its papers' import links) takes
longer than a page should; the counts only change when the review's data does. So each count is kept in
Django's cache under a *fingerprint* of the review, read in two cheap index-only queries per request:

- the largest id of the review's history rows (``Change``), and how many of its rows lie among the last
  ``RECENT_IDS`` ids. Every write path of annotations, resolutions, settings and assignments records a Change
  in the same transaction (reviews/history.py), so any change to votes, scores, tags, final decisions or
  assignments adds a row. A transaction that took a smaller id can commit after one that took a larger: the
  count of recent rows catches it, unless ``RECENT_IDS`` other changes were made meanwhile. Counting every row
  instead cost 190 ms on a review with 400,000 changes.
- the largest id of the review's papers (papers added) and the number and largest id of its memberships (a
  member joining or leaving, or deleted with their votes). Counting the review's papers instead took 40 to
  140 ms on 100,000 papers.
- the number and largest id of import batches (a new import can link a paper of the review again: one more
  PRISMA record) and the day (the pace chart ends today).

What none of these sees — a paper without annotations deleted from the corpus (a paper with some takes its
Change rows, which the recent count sees only if they were recent), a user account deleted after it left the
review, taking its votes with it, rows changed by hand in SQL — is bounded by ``TIMEOUT``: no cached count is
older than that.
"""

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from papers.models import ImportBatch

from .models import Change, Membership, ReviewPaper

TIMEOUT = 10 * 60
RECENT_IDS = 10_000
PREFIX = "review-counts"


def fingerprint(review_id: int) -> str:
    changes = Change.objects.filter(review_id=review_id)
    last = changes.aggregate(last=Max("pk"))["last"] or 0
    recent = changes.filter(pk__gt=last - RECENT_IDS).count()
    members = Membership.objects.filter(review_id=review_id).aggregate(n=Count("pk"), last=Max("pk"))
    batches = ImportBatch.objects.aggregate(n=Count("pk"), last=Max("pk"))
    papers = ReviewPaper.objects.filter(review_id=review_id).aggregate(last=Max("pk"))["last"]
    parts = [last, recent, members["n"], members["last"], papers, batches["n"], batches["last"]]
    return ":".join(str(part) for part in [*parts, timezone.localdate().isoformat()])


class ReviewCounts:
    """The cached counts of one review for one request: the fingerprint is read once, on first use."""

    def __init__(self, review_id: int):
        self.review_id = review_id
        self._fingerprint = None

    def get(self, name: str, count):
        """``count(review_id)``, from the cache while the review is unchanged."""
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.review_id)
        key = f"{PREFIX}:{self.review_id}:{name}:{self._fingerprint}"
        value = cache.get(key)
        if value is None:
            value = count(self.review_id)
            cache.set(key, value, TIMEOUT)
        return value
