"""What the dashboard and the statistics page show a member, from the grouped counts of dashboard_queries.

Blind mode: a member who does not see everything gets progress only (their own and each reviewer's number of
papers decided, and the total); every other figure is built only for those who see everything, and the charts
they hide are refused at their download address too.
"""

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import dropwhile

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import agreement, charts
from . import dashboard_queries as queries
from .dashboard_cache import ReviewCounts
from .models import ExclusionReason, Membership
from .models.summaries import NEEDS_RESOLUTION, SCREENED_STATUSES, TeamStatus
from .stopping import ScreeningProgress

DECISION_PATTERNS = {"include": "solid", "maybe": "hatched", "exclude": "dotted"}
DECISION_LABELS = {"include": "Include", "maybe": "Maybe", "exclude": "Exclude"}
NO_REASON = "No reason given"
TAGS_CHARTED = 25


@dataclass(frozen=True)
class ReviewerProgress:
    name: str
    role: str
    decided: int
    needed: int
    is_me: bool
    decisions: Counter


class Dashboard:
    """The dashboard of a review as ``membership`` may see it; each figure is counted when first asked for."""

    # Chart name → (title, whether members who do not see everything may see it).
    CHARTS = {
        "progress": ("Papers decided by each reviewer", True),
        "prisma": ("PRISMA 2020 flow of the screening stage", False),
        "decisions": ("Decisions per reviewer", False),
        "scores": ("Score distribution", False),
        "tags": ("Papers per tag", False),
        "pace": ("Decisions per day", False),
        # Drawn in the "When to stop" section, not among the other charts.
        "gain": ("Includes found against papers screened", False),
    }
    IN_SECTIONS = ("gain",)

    def __init__(self, membership: Membership):
        self.membership = membership
        self.review = membership.review
        self.counts = ReviewCounts(self.review.pk)
        self.sees_everything = membership.sees_everything

    def may_see(self, chart: str) -> bool:
        return self.sees_everything or self.CHARTS[chart][1]

    @cached_property
    def statuses(self) -> Counter:
        return self.counts.get("status_counts", queries.status_counts)

    @cached_property
    def total_papers(self) -> int:
        return sum(self.statuses.values())

    def _papers_with(self, statuses, final: str | None = None) -> int:
        return sum(
            n for (status, decision), n in self.statuses.items() if status in statuses and final in (None, decision)
        )

    @cached_property
    def screened(self) -> int:
        return self._papers_with(SCREENED_STATUSES)

    @cached_property
    def conflicts_open(self) -> int:
        return self._papers_with(NEEDS_RESOLUTION)

    @cached_property
    def resolved(self) -> int:
        return self._papers_with((TeamStatus.RESOLVED,))

    @cached_property
    def progress(self) -> list[ReviewerProgress]:
        """Every member who screens, and anyone else with decisions in the review (a former reviewer), with the
        papers they decided out of the papers that need them: their assigned papers when the review assigns,
        else every paper."""
        by_user = self.counts.get("decisions_by_user", queries.decisions_by_user)
        assigned = self.counts.get("assignment_progress", queries.assignment_progress)
        members = {
            membership.user_id: membership
            for membership in self.review.memberships.select_related("user").order_by("user__username")
        }
        screeners = [uid for uid, m in members.items() if m.can_screen or uid in by_user]
        others = get_user_model().objects.filter(pk__in=set(by_user) - set(members)).order_by("username")
        rows = []
        for user_id in screeners:
            membership = members[user_id]
            rows.append(
                self._progress_of(
                    user_id, membership.user.get_username(), membership.get_role_display(), by_user, assigned
                )
            )
        for user in others:
            rows.append(self._progress_of(user.pk, user.get_username(), "no longer a member", by_user, assigned))
        return rows

    def _progress_of(self, user_id, name, role, by_user, assigned) -> ReviewerProgress:
        decisions = by_user.get(user_id, Counter())
        if assigned is not None:
            decided, needed = assigned.get(user_id, (0, 0))
        else:
            decided, needed = sum(decisions.values()), self.total_papers
        return ReviewerProgress(name, role, decided, needed, user_id == self.membership.user_id, decisions)

    @cached_property
    def my_progress(self) -> ReviewerProgress | None:
        return next((row for row in self.progress if row.is_me), None)

    @cached_property
    def assigns(self) -> bool:
        return self.counts.get("assignment_progress", queries.assignment_progress) is not None

    @cached_property
    def prisma(self) -> charts.PrismaFlow:
        duplicates = self.counts.get("duplicates_removed", queries.duplicates_removed)
        labels = dict(ExclusionReason.objects.filter(review=self.review).values_list("pk", "label"))
        order = list(labels)
        reasons = sorted(
            queries.exclusion_reasons(self.review.pk),
            key=lambda row: (row[0] is None, order.index(row[0]) if row[0] in labels else 0),
        )
        return charts.PrismaFlow(
            identified=self.total_papers + duplicates,
            duplicates=duplicates,
            screened=self.total_papers,
            excluded=self._papers_with(TeamStatus.values, "exclude"),
            included=self._papers_with(TeamStatus.values, "include"),
            awaiting_screening=self._papers_with((TeamStatus.UNDECIDED, TeamStatus.AWAITING)),
            awaiting_resolution=self.conflicts_open,
            reasons=[(labels.get(reason_id, NO_REASON), n) for reason_id, n in reasons],
        )

    @cached_property
    def score_counts(self) -> dict[int, int]:
        return self.counts.get("score_counts", queries.score_counts)

    @cached_property
    def tags(self) -> list[tuple[str, int]]:
        return queries.tag_frequencies(self.review.pk)

    @cached_property
    def pace(self):
        return self.counts.get("pace", lambda review_id: queries.decisions_per_day(review_id, timezone.localdate()))

    @cached_property
    def stopping(self) -> ScreeningProgress:
        """The review's screening order and includes, for the gain curve and the stopping methods
        (reviews/stopping.py). The team's votes: for those who see everything only."""
        positions = self.counts.get("inclusion_order", queries.inclusion_order)
        screened = self.total_papers - self._papers_with((TeamStatus.UNDECIDED,))
        # Two queries, each cached: a paper decided between them must not make the figures impossible.
        screened = max(screened, positions[-1] if positions else 0)
        return ScreeningProgress(max(self.total_papers, screened), screened, tuple(positions))

    def chart(self, name: str):
        title = self.CHARTS[name][0]
        return getattr(self, f"_chart_{name}")(f"chart-{name}", title)

    def _chart_progress(self, name, title):
        bars = [charts.Bar(row.name, row.decided, out_of=row.needed) for row in self.progress]
        return charts.bar_chart(name, title, bars, empty="No one screens this review yet.")

    def _chart_prisma(self, name, title):
        return charts.prisma_diagram(name, self.prisma)

    def _chart_decisions(self, name, title):
        bars = [
            charts.Bar(DECISION_LABELS[decision], row.decisions[decision], DECISION_PATTERNS[decision], group=row.name)
            for row in self.progress
            if row.decisions
            for decision in queries.DECISIONS
        ]
        return charts.bar_chart(name, title, bars, empty="No decisions yet.")

    def _chart_scores(self, name, title):
        bars = [charts.Bar(f"Score {value}", self.score_counts.get(value, 0)) for value in agreement.SCORE_VALUES]
        return charts.bar_chart(name, title, bars if self.score_counts else [], empty="No scores yet.")

    def _chart_tags(self, name, title):
        bars = [charts.Bar(tag, n) for tag, n in self.tags[:TAGS_CHARTED]]
        return charts.bar_chart(name, title, bars, empty="No tags applied yet.")

    def _chart_pace(self, name, title):
        # From the first day with a decision, so a review started last week is not a month of empty rows.
        days = list(dropwhile(lambda day: day[1] == 0, self.pace))
        bars = [charts.Bar(day.strftime("%a %d %b"), n) for day, n in days]
        return charts.bar_chart(
            name, title, bars if any(n for _, n in self.pace) else [], empty="No decisions in the last 30 days."
        )

    def _chart_gain(self, name, title):
        progress = self.stopping
        empty = "No papers in this review yet." if not progress.papers else "No paper screened yet."
        return charts.gain_curve(name, title, progress.screened, list(progress.include_positions), empty=empty)


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    percent: agreement.Statistic
    kappa: agreement.Statistic


class Agreement:
    """The agreement statistics of a review, over the raw votes (before any resolution)."""

    def __init__(self, review):
        self.review = review
        self.counts = ReviewCounts(review.pk)

    @cached_property
    def profiles(self) -> list[tuple[int, int, int, int]]:
        return self.counts.get("vote_profiles", queries.vote_profiles)

    @cached_property
    def team_percent(self) -> agreement.Statistic:
        shared = [(votes, papers) for *votes, papers in self.profiles if sum(votes) >= 2]
        agreed = sum(papers for votes, papers in shared if max(votes) == sum(votes))
        return agreement.percent_agreement(agreed, sum(papers for _, papers in shared))

    @cached_property
    def fleiss_raters(self) -> int:
        """The number of votes per paper that Fleiss' kappa is computed over: the most common of two or more."""
        papers_by_votes = Counter()
        for *votes, papers in self.profiles:
            if sum(votes) >= 2:
                papers_by_votes[sum(votes)] += papers
        if not papers_by_votes:
            return 0
        return max(papers_by_votes, key=lambda raters: (papers_by_votes[raters], raters))

    @cached_property
    def fleiss(self) -> agreement.Statistic:
        return self.counts.get("fleiss", lambda review_id: self._fleiss())

    def _fleiss(self) -> agreement.Statistic:
        rows = [
            (votes, papers)
            for *votes, papers in self.profiles
            if self.fleiss_raters and sum(votes) == self.fleiss_raters
        ]
        if not rows:
            return agreement.fleiss([])
        table = np.repeat(np.array([votes for votes, _ in rows]), [papers for _, papers in rows], axis=0)
        return agreement.fleiss(table)

    @cached_property
    def krippendorff(self) -> agreement.Statistic:
        # Cached as a result: spreading 100,000 papers' scores out for the library takes over 100 ms.
        return self.counts.get("krippendorff", lambda review_id: self._krippendorff())

    def _krippendorff(self) -> agreement.Statistic:
        rows = self.counts.get("score_profiles", queries.score_profiles)
        if not rows:
            return agreement.krippendorff_ordinal([])
        table = np.repeat(np.array([spread for spread, _ in rows]), [papers for _, papers in rows], axis=0)
        return agreement.krippendorff_ordinal(table)

    @cached_property
    def pairs(self) -> list[Pair]:
        index = {decision: number for number, decision in enumerate(queries.DECISIONS)}
        tables: dict[tuple[int, int], np.ndarray] = {}
        for first, second, decision1, decision2, papers in self.counts.get("decision_pairs", queries.decision_pairs):
            table = tables.setdefault((first, second), np.zeros((3, 3), dtype=int))
            table[index[decision1], index[decision2]] += papers
        names = dict(
            get_user_model()
            .objects.filter(pk__in={uid for pair in tables for uid in pair})
            .values_list("pk", "username")
        )
        pairs = [
            Pair(
                names[first],
                names[second],
                agreement.percent_agreement(int(np.trace(table)), int(table.sum())),
                agreement.cohen_kappa(table),
            )
            for (first, second), table in tables.items()
        ]
        return sorted(pairs, key=lambda pair: (pair.first, pair.second))
