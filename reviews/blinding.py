"""What a member may see of the team's work on a paper: the one place blind mode is decided.

In a blind review a member who does not ``sees_everything`` (a reviewer or an observer) sees no one else's
decision, reason, score or tag on a paper, nor its team status, mean or vote counts, until they have decided on
it themselves. Comments stay visible to everyone. Views mark the rows they show with ``mark_visibility`` and
build the list's filters from ``hidden_filters``; templates read only the marks.
"""

from dataclasses import dataclass, field

from .models import Membership, ReviewPaper

BLIND_NOTE = (
    "Filters and sorts by team status, mean score and final decision are not available while screening is blind."
)

# The list's parameters that would reveal the team's votes to someone who has not decided: ignored for them.
REVEALING_FILTERS = ("status", "mean_min", "mean_max", "final")
REVEALING_SORTS = ("mean_score",)


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
    VisibleTag: everyone's if team_visible, else only the member's own). Works on what was loaded; no query."""
    sees_everything = membership.sees_everything
    user_id = membership.user_id
    for review_paper in review_papers:
        review_paper.team_visible = sees_everything or review_paper.my_decision is not None
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


def hidden_filters(membership: Membership) -> tuple[str, ...]:
    """The list filters this member is not offered (and that are ignored if a URL passes them)."""
    return () if membership.sees_everything else REVEALING_FILTERS


def hidden_sorts(membership: Membership) -> tuple[str, ...]:
    return () if membership.sees_everything else REVEALING_SORTS
