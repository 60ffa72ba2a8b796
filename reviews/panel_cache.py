"""The review list's annotation panels, each rendered once per distinct content and then read from a cache.

Rendering 25 full panels (tag, score, decision and comment forms with their URLs) was most of the list page's
Python time. A panel is a pure function of a few dozen values — the row's annotations as the member may see them
(``mark_visibility``), the member's role and blind mode, the review's reasons — so each rendered panel is cached
under a digest of exactly those values, ``fingerprint``. Nothing has to be invalidated: any write that changes
what a row shows changes its values, hence its key, and the next page renders it afresh — whichever process or
instance made the write, since the values are read from the database on every request, as before. Two members
who would see the same panel share its entry. What differs per request is left out of the cached text and put
back on every page: the CSRF token (the browser's own) and the page's address the forms return to.

Adding to the panel template something that is not in the fingerprint would let a panel go stale:
tests/test_panel_cache.py renders every state it builds with and without the cache and requires the same page.
"""

import hashlib
import secrets

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .models import Membership, ReviewPaper
from .views.panels import PANEL_TEMPLATE, panel_forms

CACHE = "panels"
# Markers for what each request puts back, new for each process: typed into a tag or reason, they would not be
# recognised, and another process's entries (with a shared cache backend) are never mistaken for this one's.
_NONCE = secrets.token_hex(8)
CSRF_MARK = f"csrf{_NONCE}"
NEXT_MARK = f"next{_NONCE}"


def render_panels(request, membership: Membership, review_papers: list[ReviewPaper], reasons: list) -> None:
    """Set ``panel_html`` on each row (marked by ``mark_visibility``): its annotation panel, as the list shows it."""
    if not review_papers:
        return
    cache = caches[CACHE]
    shared = _shared_values(membership, reasons)
    keys = {review_paper.pk: fingerprint(shared, review_paper) for review_paper in review_papers}
    found = cache.get_many(list(keys.values()))
    rendered = {}
    for review_paper in review_papers:
        key = keys[review_paper.pk]
        if key not in found:
            found[key] = rendered[key] = _render(membership, review_paper, reasons)
    if rendered:
        cache.set_many(rendered)
    token = get_token(request)
    next_url = str(conditional_escape(request.get_full_path()))
    for review_paper in review_papers:
        html = found[keys[review_paper.pk]].replace(CSRF_MARK, token).replace(NEXT_MARK, next_url)
        review_paper.panel_html = mark_safe(html)  # noqa: S308 - rendered (escaped) by the template engine; the token is alphanumeric and the address escaped


def _shared_values(membership: Membership, reasons: list) -> tuple:
    review = membership.review
    return (
        _NONCE,
        review.slug,
        membership.can_annotate,
        membership.can_screen,
        membership.is_owner,
        membership.sees_everything,
        membership.hides_others_comments,
        tuple((reason.pk, reason.label) for reason in reasons),
    )


def fingerprint(shared: tuple, review_paper: ReviewPaper) -> str:
    """The cache key of a row's panel: a digest of every value the panel template reads."""
    paper = review_paper.paper
    final_reason = review_paper.final_reason
    values = (
        shared,
        paper.pk,
        paper.key,
        paper.display_id,
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
    return "panel:" + hashlib.blake2b(repr(values).encode(), digest_size=20).hexdigest()


def _render(membership: Membership, review_paper: ReviewPaper, reasons: list) -> str:
    context = {
        "review": membership.review,
        "membership": membership,
        "rp": review_paper,
        "paper": review_paper.paper,
        "reasons": reasons,
        "csrf_token": CSRF_MARK,
        "next_url": NEXT_MARK,
        **panel_forms(),
    }
    return render_to_string(PANEL_TEMPLATE, context)
