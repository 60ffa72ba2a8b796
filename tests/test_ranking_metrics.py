"""Screening metrics on orders whose values are worked out by hand (reviews/ranking/metrics.py)."""

import pytest

from reviews.ranking.metrics import (
    average_time_to_discovery,
    recall_at,
    records_to_find,
    screening_metrics,
    wss,
)

# 20 records, 4 includes, found at positions 1, 2, 5 and 16.
ORDER = [1, 1, 0, 0, 1] + [0] * 10 + [1] + [0] * 4


def test_recall_counts_the_includes_among_the_first_share_of_records():
    assert recall_at(ORDER, 0.05) == 1 / 4  # 1 record screened: position 1
    assert recall_at(ORDER, 0.10) == 2 / 4  # 2 records
    assert recall_at(ORDER, 0.25) == 3 / 4  # 5 records: positions 1, 2, 5
    assert recall_at(ORDER, 0.75) == 3 / 4  # 15 records: the fourth comes at 16
    assert recall_at(ORDER, 0.80) == 1.0  # 16 records


def test_recall_at_a_share_smaller_than_one_record_is_zero():
    assert recall_at([1, 0, 0], 0.05) == 0


def test_wss95_is_the_share_not_screened_to_find_95_percent_less_five_points():
    # ⌈0.95 × 4⌉ = 4 includes: found after 16 of 20 records, so 4/20 unscreened, less 0.05.
    assert wss(ORDER) == pytest.approx(4 / 20 - 0.05)
    assert records_to_find(ORDER, 4) == 16


def test_wss95_of_a_perfect_order_and_of_the_worst_order():
    perfect = [1] * 5 + [0] * 95
    worst = [0] * 95 + [1] * 5
    assert wss(perfect) == pytest.approx(95 / 100 - 0.05)
    assert wss(worst) == pytest.approx(0 - 0.05)


def test_wss95_needs_only_ninety_five_percent_of_the_includes():
    # 20 includes: 19 are 95%, so the last one, found at the very end, does not count.
    order = [1] * 19 + [0] * 80 + [1]
    assert wss(order) == pytest.approx((100 - 19) / 100 - 0.05)


def test_average_time_to_discovery_is_the_mean_position_of_the_includes():
    assert average_time_to_discovery(ORDER) == (1 + 2 + 5 + 16) / 4


def test_screening_metrics_leave_out_the_starting_records():
    # The starting include and exclude first, then the ORDER above.
    metrics = screening_metrics([1, 0, *ORDER], starting=2)
    assert (metrics.records, metrics.includes) == (20, 4)
    assert metrics.recall == {0.05: 0.25, 0.10: 0.5, 0.25: 0.75}
    assert metrics.wss95 == pytest.approx(0.15)
    assert metrics.atd == 6.0
    assert metrics.atd_share == pytest.approx(6.0 / 20)
    assert metrics.last_include == 16


def test_no_metrics_when_the_starting_include_was_the_only_one():
    assert screening_metrics([1, 0, 0, 0]) is None
