"""The stopping evidence on worked examples: the knee method, the recent include rate, and the gain curve's SVG."""

import math
import xml.etree.ElementTree as ET

import pytest
from scipy.stats import binom

from reviews import charts
from reviews.stopping import ScreeningProgress, knee, recent_rate, recent_window

SVG = "{http://www.w3.org/2000/svg}"


def progress(papers, screened, positions):
    return ScreeningProgress(papers, screened, tuple(positions))


def test_the_simple_figures():
    board = progress(1000, 200, [1, 2, 3, 5, 8])
    assert (board.found, board.unscreened, board.since_last_include) == (5, 800, 192)
    assert board.found_by(4) == 3
    assert progress(10, 7, []).since_last_include == 7


def test_the_knee_is_the_step_farthest_above_the_line_and_its_ratio_is_worked_out_by_hand():
    # Steps (p, k): (1,1) (2,2) (3,3) (5,4) (8,5); k/5 − p/200 is largest at (8, 5): 1 − 0.04 = 0.96.
    # Slope before: 5/8; after, with one include added: (1 + 5 − 5)/(200 − 8) = 1/192. Ratio 0.625 × 192 = 120.
    signal = knee(progress(1000, 200, [1, 2, 3, 5, 8]))
    assert (signal.screened, signal.found) == (8, 5)
    assert signal.slope_ratio == pytest.approx(120)
    assert signal.threshold == 151  # 156 − 5
    assert signal.enough_screened and not signal.signals_stop
    # 100 more excludes: 0.625 × 292 = 182.5 ≥ 151.
    later = knee(progress(1000, 300, [1, 2, 3, 5, 8]))
    assert later.slope_ratio == pytest.approx(182.5)
    assert later.signals_stop


def test_the_knee_can_lie_before_the_last_include():
    # Steps (2,1) (4,2) (6,3) (100,4) over s = 200: k/4 − p/200 → 0.24, 0.48, 0.72, 0.5: the knee is (6, 3).
    # Ratio (3/6) / ((1 + 4 − 3)/(200 − 6)) = 0.5 × 97 = 48.5.
    signal = knee(progress(500, 200, [2, 4, 6, 100]))
    assert (signal.screened, signal.found) == (6, 3)
    assert signal.slope_ratio == pytest.approx(48.5)


def test_the_threshold_is_six_once_150_includes_are_found():
    many = list(range(1, 151))
    assert knee(progress(2000, 1000, many)).threshold == 6
    assert knee(progress(2000, 1000, [*many, 400, 500])).threshold == 6
    # 150 includes first, then 850 excludes: (150/150) / (1/850) = 850 ≥ 6.
    assert knee(progress(2000, 1000, many)).signals_stop


def test_fewer_than_150_screened_never_signals_however_steep():
    signal = knee(progress(1000, 149, [1]))
    assert signal.slope_ratio == pytest.approx(148 * 1 / 1)  # (1/1) / (1/148)
    assert not signal.enough_screened and not signal.signals_stop
    assert knee(progress(1000, 150, [1])).slope_ratio == pytest.approx(149)
    assert not knee(progress(1000, 150, [1])).signals_stop  # 149 < 155


def test_a_knee_at_the_last_paper_has_no_ratio_and_no_include_no_knee():
    signal = knee(progress(1000, 300, [300]))
    assert signal.slope_ratio is None and not signal.signals_stop
    assert knee(progress(1000, 300, [])) is None
    assert knee(progress(0, 0, [])) is None


def test_the_recent_window_is_a_tenth_of_those_screened_at_least_100():
    assert [recent_window(n) for n in (0, 50, 100, 999, 1000, 2001)] == [0, 50, 100, 100, 100, 201]


def test_the_recent_rate_worked_out_by_hand():
    # 1000 screened: the window is the last 100 (papers 901–1000), holding the includes at 950 and 990.
    estimate = recent_rate(progress(3000, 1000, [10, 20, 900, 950, 990]))
    assert (estimate.window, estimate.window_found, estimate.unscreened) == (100, 2, 2000)
    assert estimate.rate == pytest.approx(0.02)
    assert estimate.remaining == pytest.approx(40)  # 2% of 2000
    # The one-sided 95% Clopper–Pearson limit p is where seeing 2 or fewer in 100 has probability 5%.
    assert binom.cdf(2, 100, estimate.rate_upper) == pytest.approx(0.05, abs=1e-6)
    assert estimate.rate_upper == pytest.approx(0.0616, abs=1e-4)
    assert estimate.remaining_upper == math.ceil(estimate.rate_upper * 2000) == 124


def test_no_recent_include_gives_the_rule_of_three_not_zero():
    estimate = recent_rate(progress(1100, 100, [3]))
    assert estimate.window == 100 and estimate.window_found == 1  # fewer than 100 screened: all of them
    estimate = recent_rate(progress(2100, 1100, [3]))
    assert (estimate.window, estimate.window_found) == (110, 0)
    assert estimate.remaining == 0
    # 1 − 0.05^(1/110) = 0.02687…; over 1000 papers: 26.9, so at most 27.
    assert estimate.rate_upper == pytest.approx(1 - 0.05 ** (1 / 110))
    assert estimate.remaining_upper == 27


def test_every_include_in_the_window_does_not_divide_by_zero():
    estimate = recent_rate(progress(10, 3, [1, 2, 3]))
    assert estimate.rate == 1 and estimate.rate_upper == 1 and estimate.remaining_upper == 7


def test_nothing_screened_or_nothing_left_gives_no_estimate():
    assert recent_rate(progress(0, 0, [])) is None
    assert recent_rate(progress(5, 0, [])) is None
    assert recent_rate(progress(5, 5, [2])) is None


@pytest.mark.parametrize(
    "papers, screened, positions",
    [(5, 6, []), (5, -1, []), (5, 3, [4]), (5, 3, [0]), (5, 3, [2, 1]), (5, 3, [2, 2])],
)
def test_impossible_figures_are_refused(papers, screened, positions):
    with pytest.raises(ValueError):
        progress(papers, screened, positions)


def parsed(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output


def test_the_gain_curve_steps_up_at_each_include_with_counts_on_its_axes():
    svg = parsed(charts.gain_curve("g", "Includes found", 4, [2, 3], empty="-"))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "g-title g-desc"
    assert svg.find(f"{SVG}title").text == "Includes found"
    assert svg.find(f"{SVG}desc").text == (
        "2 includes found among 4 papers screened, in the order first decided: 0 includes found after 1 paper; "
        "1 include found after 2 papers; 2 includes found after 3 papers; 2 includes found after 4 papers. "
        "The last include was paper 3 of that order; 1 paper screened since."
    )
    points = [tuple(map(float, point.split(","))) for point in svg.find(f"{SVG}polyline").get("points").split()]
    left, top, width, height = charts.CURVE_LEFT, charts.CURVE_TOP, charts.CURVE_W, charts.CURVE_H
    in_counts = [(round((x - left) / width * 4, 3), round((top + height - y) / height * 2, 3)) for x, y in points]
    assert in_counts == [(0, 0), (1, 0), (2, 1), (2, 1), (3, 2), (4, 2)]
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    for label in ["0", "1", "2", "3", "4", "Papers screened, in the order first decided"]:
        assert label in texts
    assert svg.find(f"{SVG}line").get("stroke-dasharray"), "the diagonal of a random order"


def test_a_curve_without_includes_is_flat_and_has_no_diagonal():
    svg = parsed(charts.gain_curve("g", "Includes found", 10, [], empty="-"))
    assert svg.find(f"{SVG}desc").text == "No include found among 10 papers screened."
    assert svg.find(f"{SVG}line") is None
    assert "dashed" not in " ".join(text.text for text in svg.iter(f"{SVG}text"))


def test_nothing_screened_draws_the_sentence_it_is_given():
    svg = parsed(charts.gain_curve("g", "Includes found", 0, [], empty="No paper screened yet."))
    assert svg.find(f"{SVG}desc").text == "No paper screened yet."
    assert svg.find(f"{SVG}polyline") is None


def test_many_includes_are_drawn_one_point_a_pixel_column():
    positions = list(range(1, 60_001, 2))  # 30,000 includes in 60,000 papers
    svg = parsed(charts.gain_curve("g", "Includes found", 60_000, positions, empty="-"))
    points = svg.find(f"{SVG}polyline").get("points").split()
    assert len(points) == charts.CURVE_W + 2
    assert points[-1] == f"{charts.CURVE_LEFT + charts.CURVE_W:.1f},{charts.CURVE_TOP:.1f}"
    assert "30000 includes found among 60000 papers" in svg.find(f"{SVG}desc").text


@pytest.mark.parametrize(
    "largest, ticks",
    [(0, [0]), (1, [0, 1]), (4, [0, 1, 2, 3, 4]), (10, [0, 5, 10]), (37, [0, 10, 20, 30, 37]), (100, [0, 50, 100])],
)
def test_axis_ticks_are_round_counts_ending_at_the_largest(largest, ticks):
    assert charts._ticks(largest) == ticks
