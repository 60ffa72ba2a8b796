"""Agreement statistics against values worked by hand on small tables, and the cases with too little data."""

import math

import pytest

from reviews import agreement


def test_percent_agreement_is_the_share_agreed_with_a_wilson_interval():
    # 7 of 10 agree: p = 0.7. Wilson, z = 1.96: centre (7 + z²/2) / (10 + z²) = 8.9208 / 13.8416 = 0.6445,
    # half-width z·sqrt(p(1-p)·10 + z²/4) / (10 + z²) = 1.96·sqrt(2.1 + 0.9604) / 13.8416 = 0.2477 → 0.397 to 0.892.
    result = agreement.percent_agreement(7, 10)
    assert result.value == pytest.approx(0.7)
    assert result.n == 10
    assert result.ci == pytest.approx((0.3968, 0.8922), abs=1e-4)
    assert "7 of 10" in result.reading


def test_cohens_kappa_of_a_two_by_two_table():
    # include/exclude only (maybe row and column empty), N = 50:
    #              B include  B exclude
    # A include       20          5       (25)
    # A exclude       10         15       (25)
    #                (30)       (20)
    # po = (20 + 15) / 50 = 0.70; pe = 25/50·30/50 + 25/50·20/50 = 0.30 + 0.20 = 0.50;
    # kappa = (0.70 − 0.50) / (1 − 0.50) = 0.40 → "fair".
    table = [[20, 0, 5], [0, 0, 0], [10, 0, 15]]
    result = agreement.cohen_kappa(table)
    assert result.value == pytest.approx(0.40)
    assert result.n == 50
    assert result.reading == "fair agreement"
    low, high = result.ci
    assert low < 0.40 < high


def test_cohens_kappa_of_perfect_agreement_over_three_categories():
    # Diagonal 3, 2, 5 (N = 10): po = 1; pe = 0.3² + 0.2² + 0.5² = 0.38; kappa = (1 − 0.38) / 0.62 = 1.
    result = agreement.cohen_kappa([[3, 0, 0], [0, 2, 0], [0, 0, 5]])
    assert result.value == pytest.approx(1.0)
    assert result.reading == "almost perfect agreement"


def test_cohens_kappa_below_chance_is_poor():
    # Always opposite: po = 0; pe = 0.5·0.5 + 0.5·0.5 = 0.5; kappa = (0 − 0.5) / 0.5 = −1.
    result = agreement.cohen_kappa([[0, 0, 4], [0, 0, 0], [4, 0, 0]])
    assert result.value == pytest.approx(-1.0)
    assert result.reading.startswith("poor")


def test_fleiss_kappa_by_hand():
    # Four papers, two votes each (include, maybe, exclude): [2,0,0], [0,0,2], [1,0,1], [2,0,0].
    # P_i = (Σ n_ij² − 2) / (2·1): 1, 1, 0, 1 → P̄ = 0.75.
    # p_j = 5/8, 0, 3/8 → P̄e = 25/64 + 9/64 = 0.53125.
    # kappa = (0.75 − 0.53125) / (1 − 0.53125) = 0.21875 / 0.46875 = 7/15 ≈ 0.467 → "moderate".
    result = agreement.fleiss([[2, 0, 0], [0, 0, 2], [1, 0, 1], [2, 0, 0]])
    assert result.value == pytest.approx(7 / 15)
    assert result.n == 4
    assert result.reading == "moderate agreement"
    assert result.ci is None


def test_krippendorffs_alpha_ordinal_by_hand():
    # Three papers, two scores each: (1, 2), (1, 1), (2, 2). Coincidences: o11 = 2, o12 = o21 = 1, o22 = 2;
    # n1 = n2 = 3, n = 6. Ordinal δ²(1,2) = (n1 + n2 − (n1 + n2)/2)² = 3² = 9.
    # Do = (o12 + o21)·9 / n = 18 / 6 = 3; De = 2·n1·n2·9 / (n(n − 1)) = 162 / 30 = 5.4.
    # alpha = 1 − 3 / 5.4 = 4/9 ≈ 0.444 → not reliable.
    value_counts = [[1, 1, 0, 0, 0], [2, 0, 0, 0, 0], [0, 2, 0, 0, 0]]
    result = agreement.krippendorff_ordinal(value_counts)
    assert result.value == pytest.approx(4 / 9)
    assert result.n == 3
    assert result.reading == "not reliable"


def test_krippendorff_leaves_out_papers_scored_once():
    with_singles = [[1, 1, 0, 0, 0], [2, 0, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 0, 0, 1]]
    assert agreement.krippendorff_ordinal(with_singles).n == 3


@pytest.mark.parametrize(
    ("value", "reading"),
    [(-0.01, "poor"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"), (0.40, "fair"), (0.41, "moderate"),
     (0.60, "moderate"), (0.61, "substantial"), (0.80, "substantial"), (0.81, "almost perfect"),
     (1.0, "almost perfect")],
)  # fmt: skip
def test_landis_and_koch_bands(value, reading):
    assert agreement.kappa_reading(value).startswith(reading)


@pytest.mark.parametrize(
    ("value", "reading"), [(0.9, "reliable"), (0.8, "reliable"), (0.7, "tentative"), (0.667, "tentative"), (0.5, "not")]
)
def test_krippendorffs_thresholds(value, reading):
    assert agreement.alpha_reading(value).startswith(reading)


@pytest.mark.parametrize(
    ("result", "why"),
    [
        (agreement.percent_agreement(0, 0), "no paper"),
        (agreement.cohen_kappa([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), "no paper in common"),
        (agreement.cohen_kappa([[5, 0, 0], [0, 0, 0], [0, 0, 0]]), "same single decision"),
        (agreement.cohen_kappa([[1, 0, 0], [0, 0, 0], [0, 0, 0]]), "same single decision"),
        (agreement.fleiss([]), "no paper"),
        (agreement.fleiss([[2, 0, 0], [2, 0, 0]]), "every vote was the same"),
        (agreement.fleiss([[1, 0, 0], [0, 1, 0]]), "at least two"),
        (agreement.fleiss([[2, 0, 0], [1, 1, 1]]), "same number of votes"),
        (agreement.krippendorff_ordinal([]), "no paper"),
        (agreement.krippendorff_ordinal([[0, 0, 0, 0, 1]]), "no paper"),
        (agreement.krippendorff_ordinal([[0, 0, 3, 0, 0], [0, 0, 2, 0, 0]]), "same value"),
    ],
)
def test_too_little_data_says_why_and_never_gives_nan(result, why):
    assert result.value is None
    assert not result.enough
    assert result.reading.startswith("not enough data:")
    assert why in result.reading
    assert result.ci is None


def test_one_sided_tables_with_some_disagreement_give_finite_values():
    # A says include to everything, B splits: pe = 1·0.5 + 0·0.5 = 0.5, po = 0.5, kappa = 0.
    result = agreement.cohen_kappa([[2, 0, 2], [0, 0, 0], [0, 0, 0]])
    assert result.value == pytest.approx(0.0)
    assert all(math.isfinite(bound) for bound in result.ci or (0, 0))


def test_a_kappa_interval_stays_within_minus_one_and_one():
    # N = 4, [[2, 1], [0, 1]]: kappa = 0.5 with an asymptotic standard error of ~0.37, so 0.5 ± 0.73 would
    # reach 1.23; kappa cannot pass 1.
    result = agreement.cohen_kappa([[2, 0, 1], [0, 0, 0], [0, 0, 1]])
    assert result.value == pytest.approx(0.5)
    low, high = result.ci
    assert -1 <= low < 0.5 < high == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_cohens_kappa_from_a_table_matches_scikit_learn_on_the_votes_behind_it(seed):
    # The page computes kappa from grouped counts (statsmodels, for its interval); scikit-learn computes it from
    # the two reviewers' votes one paper at a time. Expanding a random 3×3 table into those votes, both agree.
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    table = np.random.default_rng(seed).integers(0, 30, size=(3, 3))
    first = np.repeat(np.arange(3), table.sum(axis=1))
    second = np.concatenate([np.repeat(np.arange(3), row) for row in table])

    assert agreement.cohen_kappa(table).value == pytest.approx(cohen_kappa_score(first, second))
