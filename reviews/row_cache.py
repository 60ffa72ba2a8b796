"""The review list's rows, each rendered once per distinct content and then read from a cache.

Rendering 25 rows — the paper's text with the review's keywords marked, and a full annotation panel (tag, score,
decision and comment forms with their URLs) — was most of the list page's Python time. A row is a pure function
of a few dozen values: the paper's columns, the row's annotations as the member may see them
(``mark_visibility``), the member's role and blind mode, the review's reasons and keywords, the list's filters
its links carry. So each rendered row is cached under a digest of exactly those values, ``fingerprint``.
Nothing has to be invalidated: any write that changes what a row shows changes its values, hence its key, and
the next page renders it afresh — whichever process or instance made the write, since the values are read from
the database on every request, as before. Two members who would see the same row share its entry. What differs
per request is left out of the cached text and put back on every page: the CSRF token (the browser's own) and
the page's address the forms return to.

Adding to the row's templates something that is not in the fingerprint would let a row go stale:
tests/test_row_cache.py renders every state it builds with and without the cache and requires the same page.
"""

import hashlib
import secrets

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .context_processors import next_url as page_address
from .models import Membership, ReviewPaper
from .views.panels import panel_forms

CACHE = "list_rows"
ROW_TEMPLATE = "reviews/review_paper_list.html#paper-row"
# Markers for what each request puts back, new for each process: typed into a tag or reason, they would not be
# recognised, and another process's entries (with a shared cache backend) are never mistaken for this one's.
_NONCE = secrets.token_hex(8)
CSRF_MARK = f"csrf{_NONCE}"
NEXT_MARK = f"next{_NONCE}"


def render_rows(request, membership: Membership, review_papers: list[ReviewPaper], reasons: list, **shown) -> None:
    """Set ``row_html`` on each row (marked by ``mark_visibility``): its list item. ``shown``: the list's
    ``keywords`` and ``list_query``."""
    if not review_papers:
        return
    cache = caches[CACHE]
    shared = _shared_values(membership, reasons, **shown)
    keys = {review_paper.pk: fingerprint(shared, review_paper) for review_paper in review_papers}
    found = cache.get_many(list(keys.values()))
    rendered = {}
    for review_paper in review_papers:
        key = keys[review_paper.pk]
        if key not in found:
            found[key] = rendered[key] = _render(membership, review_paper, reasons, **shown)
    if rendered:
        cache.set_many(rendered)
    token = get_token(request)
    next_url = str(conditional_escape(page_address(request)["next_url"]))
    for review_paper in review_papers:
        html = found[keys[review_paper.pk]].replace(CSRF_MARK, token).replace(NEXT_MARK, next_url)
        review_paper.row_html = mark_safe(html)  # noqa: S308 - rendered (escaped) by the template engine; the token is alphanumeric and the address escaped


def _shared_values(membership: Membership, reasons: list, *, keywords, list_query: str) -> tuple:
    review = membership.review
    return (
        _NONCE,
        review.slug,
        tuple(pattern.pattern if pattern else None for pattern in (keywords.include, keywords.exclude)),
        list_query,
        membership.can_annotate,
        membership.can_screen,
        membership.is_owner,
        membership.sees_everything,
        membership.hides_others_comments,
        tuple((reason.pk, reason.label) for reason in reasons),
    )


def fingerprint(shared: tuple, review_paper: ReviewPaper) -> str:
    """The cache key of a row: a digest of every value its templates read."""
    paper = review_paper.paper
    final_reason = review_paper.final_reason
    deferred = paper.get_deferred_fields()
    values = (
        shared,
        tuple(getattr(paper, field.attname) for field in paper._meta.concrete_fields if field.attname not in deferred),
        getattr(review_paper, "headline", None),
        getattr(review_paper, "priority_position", None),
        getattr(review_paper, "priority_score", None),
        review_paper.my_decision,
        review_paper.my_reason_id,
        review_paper.my_score,
        review_paper.team_visible,
        review_paper.comments_visible,
        tuple(
            (chip.tag.pk, chip.tag.name, chip.tag.colour, chip.tag.description, chip.applied_by_names, chip.mine)
            for chip in review_paper.visible_tags
        ),
        review_paper.team_status,
        review_paper.include_count,
        review_paper.maybe_count,
        review_paper.exclude_count,
        review_paper.final_decision,
        (final_reason.pk, final_reason.label) if final_reason else None,
        review_paper.score_count,
        review_paper.score_mean,
        review_paper.score_min,
        review_paper.score_max,
        review_paper.comment_count,
    )
    return "row:" + hashlib.blake2b(repr(values).encode(), digest_size=20).hexdigest()


def _render(membership: Membership, review_paper: ReviewPaper, reasons: list, **shown) -> str:
    context = {
        "review": membership.review,
        "membership": membership,
        "rp": review_paper,
        "paper": review_paper.paper,
        "reasons": reasons,
        "csrf_token": CSRF_MARK,
        "next_url": NEXT_MARK,
        **panel_forms(),
        **shown,
    }
    return render_to_string(ROW_TEMPLATE, context)
