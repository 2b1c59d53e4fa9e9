"""The comparison: per key, threshold AND significance where spreads exist, direction from the metric table."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from accel_orm import RunNotFoundError
from accel_orm.compare import compare_runs, comparison, comparison_frame
from accel_orm.compare.decide import THRESHOLD_ONLY, WELCH_RESULTS, WELCH_ROUNDS, welch_p_values
from accel_orm.frames import to_frame
from tests.compare.conftest import perf_result, store_run

BASE, CONT = "a" * 40, "b" * 40


def _flags(engine: Engine, **options: object) -> dict[str, tuple[bool, str]]:
    result = compare_runs(engine, BASE, CONT, **options)
    return {row.model_name: (bool(row.is_regression), row.test) for row in result.rows.itertuples()}


def test_several_results_per_key_are_judged_with_welch_on_the_results(engine: Engine) -> None:
    # "slow": +20% with tight results -> regression; "noisy": +20% on average but the results scatter widely.
    store_run(
        engine,
        BASE,
        [perf_result("slow", v) for v in (10.0, 10.1, 9.9, 10.0)]
        + [perf_result("noisy", v) for v in (5.0, 15.0, 8.0, 12.0)],
    )
    store_run(
        engine,
        CONT,
        [perf_result("slow", v) for v in (12.0, 12.1, 11.9, 12.0)]
        + [perf_result("noisy", v) for v in (4.0, 20.0, 9.0, 15.0)],
        day=1,
    )
    flags = _flags(engine, threshold_pct=10)
    assert flags == {"slow": (True, WELCH_RESULTS), "noisy": (False, WELCH_RESULTS)}
    rows = compare_runs(engine, BASE, CONT, threshold_pct=10).rows
    noisy = rows[rows.model_name == "noisy"].iloc[0]
    assert noisy.exceeds_threshold and noisy.p_value > 0.05  # over the threshold, but within the noise
    assert rows.iloc[0].model_name == "slow"  # regressions first


def test_recorded_stddev_and_rounds_are_a_spread_too(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("m", 10.0, latency_stddev_ms=0.2, sample_count=50)])
    store_run(engine, CONT, [perf_result("m", 11.0, latency_stddev_ms=0.2, sample_count=50)], day=1)
    assert _flags(engine) == {"m": (True, WELCH_ROUNDS)}
    # The same +10% with a stddev as large as the mean: not significant.
    store_run(engine, CONT, [perf_result("m", 11.0, latency_stddev_ms=10.0, sample_count=50)], day=2)
    assert _flags(engine) == {"m": (False, WELCH_ROUNDS)}


def test_without_any_spread_the_threshold_alone_decides_and_says_so(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("up", 10.0), perf_result("flat", 10.0)])
    store_run(engine, CONT, [perf_result("up", 10.6), perf_result("flat", 10.4)], day=1)
    assert _flags(engine) == {"up": (True, THRESHOLD_ONLY), "flat": (False, THRESHOLD_ONLY)}


def test_direction_comes_from_the_metric(engine: Engine) -> None:
    store_run(
        engine, BASE, [perf_result("faster", 10.0, throughput=100.0), perf_result("slower", 10.0, throughput=100.0)]
    )
    store_run(
        engine,
        CONT,
        [perf_result("faster", 10.0, throughput=150.0), perf_result("slower", 10.0, throughput=50.0)],
        day=1,
    )
    rows = compare_runs(engine, BASE, CONT, metric="throughput").rows.set_index("model_name")
    assert rows.loc["slower", "percent_change"] == pytest.approx(50.0)  # positive = worse
    assert rows.loc["faster", "percent_change"] == pytest.approx(-50.0)
    assert list(rows.index[rows.is_regression]) == ["slower"]


def test_comparing_a_run_with_itself_finds_nothing(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("m", v) for v in (10.0, 12.0, 11.0)])
    result = compare_runs(engine, BASE, BASE, threshold_pct=0)
    assert len(result.rows) == 1 and not result.has_regressions
    assert result.rows.iloc[0].percent_change == 0


def test_only_keys_in_both_runs_and_precision_separates_keys(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("m", 10.0), perf_result("gone", 1.0), perf_result("m", 5.0, precision="int8")])
    store_run(
        engine, CONT, [perf_result("m", 10.0), perf_result("new", 1.0), perf_result("m", 9.0, precision="int8")], day=1
    )
    rows = comparison_frame(engine, BASE, CONT)
    assert sorted(zip(rows.model_name, rows.precision, rows.is_regression, strict=True)) == [
        ("m", "fp16", False),
        ("m", "int8", True),
    ]


def test_simulated_results_are_left_out_unless_included(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("sim", 10.0, is_simulated=True)])
    store_run(engine, CONT, [perf_result("sim", 20.0, is_simulated=True)], day=1)
    assert _flags(engine) == {}
    assert _flags(engine, include_simulated=True) == {"sim": (True, THRESHOLD_ONLY)}


def test_the_comparison_is_a_composable_select(engine: Engine) -> None:
    base = store_run(engine, BASE, [perf_result("a", 10.0), perf_result("b", 10.0)])
    cont = store_run(engine, CONT, [perf_result("a", 20.0), perf_result("b", 10.0)], day=1)
    stmt = comparison(base, cont, "latency", threshold_pct=5)
    over = to_frame(stmt.where(stmt.selected_columns.exceeds_threshold), engine)
    assert list(over.model_name) == ["a"]
    assert over.iloc[0].baseline == 10.0 and over.iloc[0].contender == 20.0


def test_unknown_refs_are_errors(engine: Engine) -> None:
    store_run(engine, BASE, [perf_result("m", 10.0)])
    with pytest.raises(RunNotFoundError, match="no run matches 'nope'"):
        compare_runs(engine, BASE, "nope")


def test_welch_p_values_match_the_textbook() -> None:
    one = np.array([1.0])
    p_values = welch_p_values(
        np.array([10.0, 10.0]),
        np.array([1.0, 1.0]),
        np.array([10.0, 5.0]),
        np.array([12.0, 11.0]),
        np.array([1.0, 3.0]),
        np.array([10.0, 8.0]),
    )
    # t = -4.472, df = 18 -> p = 2.95e-4; t = -0.869, df = 9.2 -> p = 0.407
    assert p_values == pytest.approx([2.9456e-4, 0.40708], rel=1e-3)
    exact = welch_p_values(one * 2, one * 0, one * 5, np.array([2.0]), one * 0, one * 5)
    assert exact.tolist() == [1.0]
