"""When to stop screening: the evidence the dashboard shows, computed from the order in which includes were found.

Pure Python, no database: ``ScreeningProgress`` holds how many papers the review has, how many the team has
screened, and where in the screening order (1 = the first paper decided) each paper counted as an include lies.
From it come two named methods:

- ``knee``: the knee method of Cormack & Grossman (2016), "Engineering quality and reliability in
  technology-assisted review", SIGIR '16, pp. 75–84, doi:10.1145/2911451.2911510. The knee of the gain curve
  (includes found against papers screened) is the point farthest above the straight line from the origin to
  where the curve is now, as the Kneedle method finds it (Satopää et al. 2011) without smoothing. The slope
  ratio is the rate of includes before the knee over the rate after it (one include added after it, so a
  flat tail does not divide by zero). The method signals that stopping is reasonable once the ratio is at least
  156 − min(includes found, 150) — 6 once 150 includes are found, higher when fewer are, as Cormack & Grossman
  adjusted it for reviews with few includes — and at least 150 papers have been screened.
- ``recent_rate``: the include rate among the most recently screened papers, extrapolated over the papers not
  yet screened, with a one-sided Clopper–Pearson upper limit on that rate. If the team screens the likeliest
  includes first, rates fall as screening goes on, so the figure is an upper bound; in an order unrelated to
  relevance it is an estimate.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

import numpy as np

KNEE_MINIMUM_SCREENED = 150
KNEE_BASE_RATIO, KNEE_FULL_INCLUDES = 156, 150
RECENT_MINIMUM, RECENT_SHARE = 100, 0.10
# Below this many papers screened the rate of a handful of papers is no estimate worth printing.
ESTIMATE_MINIMUM = 30
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ScreeningProgress:
    papers: int  # in the review
    screened: int  # papers with at least one decision
    include_positions: tuple[int, ...]  # 1-based places, in the screening order, of the papers counted as includes

    def __post_init__(self):
        if not 0 <= self.screened <= self.papers:
            raise ValueError("Screened papers must be between 0 and the papers in the review.")
        positions = np.asarray(self.include_positions)
        if len(positions) and not 1 <= positions[0] <= positions[-1] <= self.screened:
            raise ValueError("Every include must lie among the papers screened.")
        if np.any(np.diff(positions) <= 0):
            raise ValueError("Include positions must be distinct and in order.")

    @property
    def found(self) -> int:
        return len(self.include_positions)

    @property
    def unscreened(self) -> int:
        return self.papers - self.screened

    @property
    def knee_can_signal(self) -> bool:
        """Whether the review has the papers the knee method must see screened before it may signal."""
        return self.papers >= KNEE_MINIMUM_SCREENED

    @property
    def since_last_include(self) -> int:
        """Papers screened after the last include (all of them while there is none)."""
        return self.screened - (self.include_positions[-1] if self.include_positions else 0)

    def found_by(self, screened: int) -> int:
        """Includes among the first ``screened`` papers of the order."""
        return bisect_right(self.include_positions, screened)

    @cached_property
    def knee(self) -> "KneeSignal | None":
        return knee(self)

    @cached_property
    def recent_rate(self) -> "RecentRateEstimate | None":
        return recent_rate(self)


@dataclass(frozen=True)
class KneeSignal:
    screened: int  # papers screened at the knee
    found: int  # includes found by the knee
    slope_ratio: float | None  # None when the knee is the last paper screened: no slope after it yet
    threshold: int
    enough_screened: bool

    @property
    def signals_stop(self) -> bool:
        return self.enough_screened and self.slope_ratio is not None and self.slope_ratio >= self.threshold


def knee(progress: ScreeningProgress) -> KneeSignal | None:
    """The knee method's reading of the gain curve (see the module's docstring); None before the first include."""
    if not progress.found:
        return None
    s, total = progress.screened, progress.found
    # The curve's farthest point above the line from (0, 0) to (s, total) is the top of one of its steps: the
    # place of an include, with that include counted. Ties go to the earlier knee (argmax takes the first).
    positions = np.asarray(progress.include_positions)
    step = int(np.argmax(np.arange(1, total + 1) / total - positions / s))
    found, at = step + 1, int(positions[step])
    ratio = None if at == s else (found / at) / ((1 + total - found) / (s - at))
    return KneeSignal(
        screened=at,
        found=found,
        slope_ratio=ratio,
        threshold=KNEE_BASE_RATIO - min(total, KNEE_FULL_INCLUDES),
        enough_screened=s >= KNEE_MINIMUM_SCREENED,
    )


@dataclass(frozen=True)
class RecentRateEstimate:
    window: int  # the most recently screened papers the rate is read from
    window_found: int  # includes among them
    unscreened: int

    @property
    def rate(self) -> float:
        return self.window_found / self.window

    @property
    def rate_upper(self) -> float:
        """The one-sided Clopper–Pearson upper limit on the rate, at CONFIDENCE."""
        if self.window_found == self.window:
            return 1.0
        from scipy.stats import beta  # here: scipy.stats adds about 50 MB to every web process that imports it

        return float(beta.ppf(CONFIDENCE, self.window_found + 1, self.window - self.window_found))

    @property
    def rate_percent(self) -> float:
        return 100 * self.rate

    @property
    def rate_upper_percent(self) -> float:
        return 100 * self.rate_upper

    @property
    def whole_screening(self) -> bool:
        """Whether the window is every paper screened so far (fewer than RECENT_MINIMUM of them)."""
        return self.window < RECENT_MINIMUM

    @property
    def too_few(self) -> bool:
        return self.window < ESTIMATE_MINIMUM

    @property
    def remaining(self) -> float:
        return self.rate * self.unscreened

    @property
    def remaining_upper(self) -> int:
        # Rounded up: a bound should not shrink in the printing. The tiny slack absorbs float error (0.03 × 100).
        return math.ceil(self.rate_upper * self.unscreened - 1e-9)


def recent_window(screened: int) -> int:
    """The most recent papers the rate is read from: the last RECENT_SHARE of those screened, at least
    RECENT_MINIMUM of them (all of them while fewer are screened)."""
    return min(screened, max(RECENT_MINIMUM, math.ceil(RECENT_SHARE * screened)))


def recent_rate(progress: ScreeningProgress) -> RecentRateEstimate | None:
    """The recent include rate over the unscreened papers; None when nothing is screened or nothing is left."""
    if not progress.screened or not progress.unscreened:
        return None
    window = recent_window(progress.screened)
    window_found = progress.found - progress.found_by(progress.screened - window)
    return RecentRateEstimate(window=window, window_found=window_found, unscreened=progress.unscreened)
