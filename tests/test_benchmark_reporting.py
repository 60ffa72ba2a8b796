"""The benchmark's shared timing and report: which requests a scenario sends, and how its figures are printed."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style

from benchmarks.reporting import (
    Report,
    Scenario,
    Target,
    indexes_in_plan,
    main_queries,
    paired_ratio,
    query_count_label,
    shorten,
    time_alternating,
    time_scenario,
)


def report_on(out: StringIO) -> Report:
    return Report(OutputWrapper(out), no_style())


def test_median_and_p95_are_those_of_the_timed_runs():
    scenario = Scenario("page", lambda run: {}, 10, timings_ms=[float(n) for n in range(20, 0, -1)])
    assert scenario.median == 10.5
    assert scenario.p95 == 19.0
    assert not scenario.passed


def test_a_single_run_is_its_own_median_and_p95():
    scenario = Scenario("page", lambda run: {}, 10, timings_ms=[4.0])
    assert scenario.median == scenario.p95 == 4.0
    assert scenario.passed


@pytest.mark.django_db
def test_a_page_warms_up_on_every_variant_counts_each_variant_then_times_the_runs():
    sent = []
    scenario = Scenario("search", lambda run: {"q": "ab"[run % 2]}, 100, variants=2)

    def send(params):
        sent.append(params["q"])
        get_user_model().objects.count()

    time_scenario(scenario, send, runs=3, warmup=2)

    assert sent == ["a", "b", "a", "b"] + ["a", "b"] + ["a", "b", "a"]
    assert scenario.query_counts == {1}
    assert len(scenario.timings_ms) == 3
    assert {term: len(timings) for term, timings in scenario.timings_by_term().items()} == {"a": 2, "b": 1}


@pytest.mark.django_db
def test_a_write_warms_up_and_counts_on_requests_of_its_own_so_every_timed_run_is_a_first_touch():
    sent = []
    scenario = Scenario("score", lambda run: run, 30)

    time_scenario(scenario, sent.append, runs=3, warmup=2, fresh_each_run=True)

    assert sent == [4, 5] + [3] + [0, 1, 2]
    assert scenario.query_counts == {0}
    assert len(scenario.timings_ms) == 3


def test_a_query_count_that_varies_is_flagged():
    assert query_count_label({6}) == "6"
    assert query_count_label({7, 6, 9}) == "6..9 (varies!)"


def test_the_main_queries_are_the_biggest_select_on_the_table_and_its_count():
    queries = [
        {"sql": 'SELECT "id" FROM "auth_user" WHERE "id" = 1', "time": "0.001"},
        {"sql": 'SELECT COUNT(*) FROM "papers_paper"', "time": "0.002"},
        {"sql": 'SELECT "id", "title", "abstract" FROM "papers_paper" ORDER BY "id"', "time": "0.003"},
        {"sql": 'UPDATE "papers_paper" SET "title" = \'\'', "time": "0.001"},
    ]
    assert main_queries(queries, "papers_paper") == [
        'SELECT "id", "title", "abstract" FROM "papers_paper" ORDER BY "id"',
        'SELECT COUNT(*) FROM "papers_paper"',
    ]
    assert main_queries(queries, "reviews_reviewpaper") == []


def test_the_slowest_select_joins_the_main_queries_when_it_is_another():
    queries = [
        {"sql": 'SELECT "id" FROM "papers_paper" ORDER BY ts_rank(…) LIMIT 25', "time": "1.200"},
        {"sql": 'SELECT COUNT(*) FROM "papers_paper"', "time": "0.002"},
        {"sql": 'SELECT "id", "title", "abstract" FROM "papers_paper" WHERE "id" IN (1, 2)', "time": "0.003"},
    ]
    assert main_queries(queries, "papers_paper") == [
        'SELECT "id", "title", "abstract" FROM "papers_paper" WHERE "id" IN (1, 2)',
        'SELECT "id" FROM "papers_paper" ORDER BY ts_rank(…) LIMIT 25',
        'SELECT COUNT(*) FROM "papers_paper"',
    ]


def test_a_plan_names_the_indexes_it_reads_once_each_and_the_tables_it_reads_whole():
    plan = [
        "Limit  (cost=0.42..1226.80 rows=25 width=26)",
        "  ->  Nested Loop",
        "        ->  Index Scan Backward using paper_month_id_desc_order on papers_paper p",
        "        ->  Index Only Scan using paper_once_per_review on reviews_reviewpaper",
        "        ->  Bitmap Index Scan on paper_search_document_gin  (cost=0.00..169.34 rows=7112 width=0)",
        "        ->  Index Scan using paper_month_id_desc_order on papers_paper",
        "        ->  Seq Scan on reviews_tag",
    ]
    assert indexes_in_plan(plan) == [
        "paper_month_id_desc_order",
        "paper_once_per_review",
        "paper_search_document_gin",
        "seq scan reviews_tag",
    ]


def test_each_step_is_timed_and_listed_with_the_total():
    out = StringIO()
    report = report_on(out)
    with report.step("import"):
        pass
    report.steps.append(("review setup", 2.0))
    report.step_times()
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[-3:]] == ["import", "review", "in"]
    assert lines[-1].split()[-1] == f"{sum(seconds for _, seconds in report.steps):.1f}s"


def test_long_sql_is_shortened_on_one_line_with_highlight_marks_escaped():
    assert shorten("SELECT\n   ts_headline('\x02')", 100) == "SELECT ts_headline('\\x02')"
    assert shorten("SELECT " + "x" * 50, 10) == "SELECT xx…"


def test_the_scenario_table_shows_figures_query_counts_verdicts_and_the_load():
    out = StringIO()
    fast = Scenario("unfiltered", lambda run: {}, 100, timings_ms=[30.0, 31.0, 32.0], query_counts={10}, load=1.5)
    slow = Scenario("text search", lambda run: {}, 100, timings_ms=[120.0, 130.0, 140.0], query_counts={10, 11})

    report_on(out).scenarios([fast, slow], width=14, matches={"unfiltered": 100_000, "text search": 87_634})

    assert out.getvalue().splitlines() == [
        "  scenario        matches    median       p95       min       max  SQL queries  target           load",
        "  unfiltered      100,000   31.0 ms   32.0 ms   30.0 ms   32.0 ms  10           < 100 ms  PASS   1.50",
        "  text search      87,634  130.0 ms  140.0 ms  120.0 ms  140.0 ms  10..11 (varies!) < 100 ms  FAIL   ?",
    ]


def test_targets_line_up_with_their_verdicts_and_the_load_they_were_measured_at():
    out = StringIO()

    report_on(out).targets(
        [
            Target("import", "(skipped)", ">= 5,000 records/s", None),
            Target("list median, unfiltered, page 1", "11.0 ms", "< 50 ms", True, load=2.25),
            Target("statistics, repeated", "not available", "< 500 ms", None),
            Target("fixed query count per page", "no", "", False),
        ]
    )

    assert out.getvalue().splitlines() == [
        "  import                                           (skipped)   target >= 5,000 records/s",
        "  list median, unfiltered, page 1                    11.0 ms   target < 50 ms  PASS  (load 2.25)",
        "  statistics, repeated                         not available   target < 500 ms",
        "  fixed query count per page                              no   FAIL",
    ]


def test_every_timed_scenario_carries_the_load_when_its_runs_ended(db, monkeypatch):
    monkeypatch.setattr("benchmarks.reporting.os.getloadavg", lambda: (3.5, 2.0, 1.0))
    scenario = Scenario("page", lambda run: {}, 10)

    time_scenario(scenario, lambda request: None, runs=2, warmup=0)

    assert scenario.load == 3.5


@pytest.mark.django_db
def test_prepare_runs_untimed_before_every_request_of_a_write():
    sent = []
    scenario = Scenario("statistics after a decision", lambda run: run, 500)

    time_scenario(
        scenario, lambda run: sent.append(("get", run)), runs=2, warmup=1, fresh_each_run=True,
        prepare=lambda run: sent.append(("decide", run)),
    )  # fmt: skip

    assert sent == [("decide", 3), ("get", 3), ("decide", 2), ("get", 2)] + [
        ("decide", 0), ("get", 0), ("decide", 1), ("get", 1)
    ]  # fmt: skip


@pytest.mark.django_db
def test_two_variants_alternate_run_by_run_each_after_its_switch_and_which_goes_first_alternates():
    state, sent = {"blind": None}, []
    blind = Scenario("unfiltered", lambda run: {"run": run}, 100)
    open_mode = Scenario("unfiltered", lambda run: {"run": run}, 100)

    def send(params):
        sent.append((state["blind"], params["run"]))

    time_alternating(
        (blind, open_mode),
        (lambda: state.update(blind=True), lambda: state.update(blind=False)),
        send,
        runs=3,
        warmup=1,
    )

    warm_and_counted = [(True, 0), (False, 0)] * 2
    assert sent == warm_and_counted + [(True, 0), (False, 0), (False, 1), (True, 1), (True, 2), (False, 2)]
    assert len(blind.timings_ms) == len(open_mode.timings_ms) == 3
    assert blind.load is not None and open_mode.load is not None


def test_the_paired_ratio_is_the_median_of_each_runs_ratio():
    blind = Scenario("unfiltered", lambda run: {}, 100, timings_ms=[11.0, 30.0, 10.0])
    open_mode = Scenario("unfiltered", lambda run: {}, 100, timings_ms=[10.0, 20.0, 10.0])

    assert paired_ratio(blind, open_mode) == 1.1


def test_paired_scenarios_print_both_medians_their_ratio_and_a_verdict():
    out = StringIO()
    blind = Scenario("unfiltered", lambda run: {}, 100, timings_ms=[12.0, 12.0], query_counts={10}, load=1.0)
    open_mode = Scenario("unfiltered", lambda run: {}, 100, timings_ms=[10.0, 10.0], query_counts={10}, load=1.0)

    report_on(out).pairs([(blind, open_mode)], names=("blind", "open"), target_ratio=1.1)

    header, row = out.getvalue().splitlines()
    assert header.split() == [
        "scenario",
        "blind",
        "median",
        "open",
        "median",
        "blind",
        "p95",
        "open",
        "p95",
        "ratio",
        "SQL",
        "queries",
        "load",
    ]
    assert row.split() == [
        "unfiltered",
        "12.0",
        "ms",
        "10.0",
        "ms",
        "12.0",
        "ms",
        "10.0",
        "ms",
        "1.20",
        "10",
        "/",
        "10",
        "1.00",
        "FAIL",
    ]
