"""Agreement statistics over small count tables: percent agreement, Cohen's, Fleiss' kappa, Krippendorff's alpha.

Pure maths on numbers the database has already counted (reviews/dashboard_queries.py); the libraries do the
statistics. Every function returns a Statistic that is either a finite value or says in words why there is not
enough data, so a page never shows NaN or infinity.

statsmodels and krippendorff are imported where they are used: with the SciPy and pandas they load, they add
about 85 MB to every web process that imports this module, which only the statistics page and the dashboard need.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

SCORE_VALUES = (1, 2, 3, 4, 5)

# Landis & Koch (1977): the upper bound of each band and its name.
KAPPA_BANDS = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.0, "almost perfect"))


@dataclass(frozen=True)
class Statistic:
    """One figure: its value (None when there is not enough data), the papers behind it, a 95% confidence
    interval when the library gives one, and what it means in plain words."""

    value: float | None
    n: int
    reading: str
    ci: tuple[float, float] | None = None

    @property
    def enough(self) -> bool:
        return self.value is not None

    @property
    def percent(self) -> float | None:
        """The value as a percentage, for proportions."""
        return None if self.value is None else 100 * self.value

    @property
    def ci_percent(self) -> tuple[float, float] | None:
        return None if self.ci is None else (100 * self.ci[0], 100 * self.ci[1])


def not_enough(n: int, why: str) -> Statistic:
    return Statistic(value=None, n=n, reading=f"not enough data: {why}")


def _finite(*numbers) -> bool:
    return all(number is not None and math.isfinite(number) for number in numbers)


def _interval(low, high, bounds=(-1.0, 1.0)) -> tuple[float, float] | None:
    """A finite interval, cut to the range the statistic can take (an asymptotic interval on a small table can
    reach past 1)."""
    if not _finite(low, high):
        return None
    return max(float(low), bounds[0]), min(float(high), bounds[1])


def kappa_reading(kappa: float) -> str:
    """Landis & Koch's name for a kappa: poor below 0, then slight, fair, moderate, substantial, almost perfect."""
    if kappa < 0:
        return "poor agreement (worse than chance)"
    for upper, name in KAPPA_BANDS:
        if round(kappa, 2) <= upper:
            return f"{name} agreement"
    return "almost perfect agreement"


def alpha_reading(alpha: float) -> str:
    """Krippendorff's own thresholds: ≥ 0.800 reliable, ≥ 0.667 tentative conclusions only, below that not."""
    if alpha >= 0.8:
        return "reliable"
    if alpha >= 0.667:
        return "tentative: good enough only for tentative conclusions"
    return "not reliable"


def percent_agreement(agreed: int, total: int) -> Statistic:
    """Share of ``total`` papers on which the votes all agreed, with a Wilson 95% interval. It does not allow
    for agreement by chance, which the kappas do."""
    if total < 1:
        return not_enough(0, "no paper has been decided by two reviewers")
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(agreed, total, alpha=0.05, method="wilson")
    return Statistic(
        value=agreed / total,
        n=total,
        ci=_interval(low, high),
        reading=f"the votes agreed on {agreed} of {total} papers (not corrected for chance)",
    )


def cohen_kappa(table) -> Statistic:
    """Cohen's kappa of two reviewers from their contingency table (rows: one's decisions, columns: the other's,
    same categories in the same order), with statsmodels' asymptotic 95% interval, cut to −1…1."""
    table = np.asarray(table, dtype=float)
    n = int(table.sum())
    if n < 1:
        return not_enough(0, "these two reviewers have no paper in common")
    used = (table.sum(axis=0) + table.sum(axis=1)) > 0
    if used.sum() < 2:
        return not_enough(n, "both reviewers gave the same single decision to every shared paper")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsmodels.stats.inter_rater import cohens_kappa

        result = cohens_kappa(table, return_results=True)
    if not _finite(result.kappa):
        return not_enough(n, "chance agreement is total, so kappa is undefined")
    return Statistic(
        value=float(result.kappa),
        n=n,
        ci=_interval(result.kappa_low, result.kappa_upp),
        reading=kappa_reading(result.kappa),
    )


def fleiss(counts) -> Statistic:
    """Fleiss' kappa from a papers × categories table of vote counts; every paper must have the same number of
    votes (at least two). statsmodels gives no interval for it."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    n = len(counts) if counts.size else 0
    if n < 1:
        return not_enough(0, "no paper has votes from two or more reviewers")
    raters = counts.sum(axis=1)
    if raters.min() < 2 or raters.min() != raters.max():
        return not_enough(n, "every paper needs the same number of votes, at least two")
    if (counts.sum(axis=0) > 0).sum() < 2:
        return not_enough(n, "every vote was the same decision")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsmodels.stats.inter_rater import fleiss_kappa

        kappa = fleiss_kappa(counts, method="fleiss")
    if not _finite(kappa):
        return not_enough(n, "chance agreement is total, so kappa is undefined")
    return Statistic(value=float(kappa), n=n, reading=kappa_reading(kappa))


def krippendorff_ordinal(value_counts) -> Statistic:
    """Krippendorff's alpha for ordinal scores from a papers × score values (1–5) table of how many reviewers
    gave each score; papers scored by fewer than two reviewers carry no information and are left out."""
    value_counts = np.asarray(value_counts, dtype=float).reshape(-1, len(SCORE_VALUES))
    value_counts = value_counts[value_counts.sum(axis=1) >= 2]
    n = len(value_counts)
    if n < 1:
        return not_enough(0, "no paper has scores from two or more reviewers")
    if (value_counts.sum(axis=0) > 0).sum() < 2:
        return not_enough(n, "every score given was the same value")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import krippendorff

        alpha = krippendorff.alpha(
            value_counts=value_counts, value_domain=list(SCORE_VALUES), level_of_measurement="ordinal"
        )
    if not _finite(alpha):
        return not_enough(n, "the scores do not vary enough to compare")
    return Statistic(value=float(alpha), n=n, reading=alpha_reading(alpha))
