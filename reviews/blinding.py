"""What a member may see of the team's work on a paper: the one place blind mode is decided.

In a blind review a member who does not ``sees_everything`` (a reviewer or an observer) sees no one else's
decision, reason, score or tag on a paper, nor its team status, mean or vote counts, until they have decided on
it themselves. Comments stay visible to everyone, unless the owners chose ``hide_comments_while_blind``: then
such a member sees only their own comments on a paper until they have decided on it. Views mark the rows they show
with ``mark_visibility``, read threads through ``visible_thread`` and build the list's filters from
``hidden_filters``/``hidden_sorts``; templates read only the marks.
"""

from dataclasses import dataclass, field

from .models import Comment, Membership, ReviewPaper

BLIND_NOTE = (
    "Filters and sorts by team status, mean score and final decision are not available while screening is blind."
)

BLIND_COMMENTS_NOTE = (
    "Filters and sorts by team status, mean score, final decision and comments are not available while screening "
    "is blind."
)

# The list's parameters that would reveal the team's votes to someone who has not decided: ignored for them.
REVEALING_FILTERS = ("status", "mean_min", "mean_max", "final")
REVEALING_SORTS = ("mean_score",)
# What would reveal others' comments, when the review hides them too.
COMMENT_FILTERS = ("has_comments",)
COMMENT_SORTS = ("discussed",)
COMMENTS_HIDDEN_NOTE = "Others' comments are hidden until you decide (blind screening)."


@dataclass
class VisibleTag:
    """One tag on a paper as a member sees it: one chip, however many people applied it."""

    tag: object
    applied_by: list = field(default_factory=list)  # the users (None for a former member), earliest first
    mine: bool = False

    @property
    def applied_by_names(self) -> str:
        return ", ".join(str(user) if user else "a former member" for user in self.applied_by)


def team_visible(membership: Membership, review_paper: ReviewPaper) -> bool:
    """Whether the member may see the team's votes, scores and tags on this paper (``my_decision`` from
    ``ReviewPaper.objects.with_my_annotations``)."""
    return membership.sees_everything or review_paper.my_decision is not None


def mark_visibility(membership: Membership, review_papers):
    """Mark rows of ``ReviewPaper.objects.for_panels()`` with ``team_visible`` and ``visible_tags`` (a list of
    VisibleTag: everyone's if team_visible, else only the member's own) and ``comments_visible`` (whether the
    thread and its count show everyone's comments). Works on what was loaded; no query."""
    sees_everything = membership.sees_everything
    user_id = membership.user_id
    for review_paper in review_papers:
        review_paper.team_visible = sees_everything or review_paper.my_decision is not None
        review_paper.comments_visible = review_paper.team_visible or not membership.hides_others_comments
        chips: dict[int, VisibleTag] = {}
        for applied in review_paper.paper.review_tags:
            mine = applied.applied_by_id == user_id
            if not (mine or review_paper.team_visible):
                continue
            chip = chips.setdefault(applied.tag_id, VisibleTag(applied.tag))
            chip.applied_by.append(applied.applied_by)
            chip.mine = chip.mine or mine
        review_paper.visible_tags = list(chips.values())
    return review_papers


def visible_thread(membership: Membership, review_paper: ReviewPaper) -> list[Comment]:
    """The paper's thread as the member may read it (a row marked by ``mark_visibility``): everyone's comments,
    or only their own while the review hides the others' from them."""
    only_by = None if review_paper.comments_visible else membership.user_id
    return Comment.objects.thread(review_paper.review_id, review_paper.paper_id, only_by=only_by)


def hidden_filters(membership: Membership) -> tuple[str, ...]:
    """The list filters this member is not offered (and that are ignored if a URL passes them)."""
    if membership.sees_everything:
        return ()
    return REVEALING_FILTERS + (COMMENT_FILTERS if membership.hides_others_comments else ())


def hidden_sorts(membership: Membership) -> tuple[str, ...]:
    if membership.sees_everything:
        return ()
    return REVEALING_SORTS + (COMMENT_SORTS if membership.hides_others_comments else ())


def blind_note(membership: Membership) -> str:
    return BLIND_COMMENTS_NOTE if membership.hides_others_comments else BLIND_NOTE
