"""Regression detection against the known-answer dataset (see dataset.py for the scenario table)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from accel_orm.metrics import Metric
from accel_orm.models import PerformanceResult
from accel_orm.queries import regressions

from .conftest import frame, rows
from .dataset import AS_OF

KEY = ("model_name", "hardware_type", "batch_size")


def by_key(stmt, engine: Engine) -> dict[tuple[str, str, int], dict[str, object]]:
    return {tuple(row[k] for k in KEY): row for row in rows(stmt, engine)}  # type: ignore[misc]


def flagged(stmt, engine: Engine) -> set[tuple[str, str, int]]:
    return {key for key, row in by_key(stmt, engine).items() if row["is_regression"]}


def test_mean_method_values_for_every_key(loaded: Engine) -> None:
    result = by_key(regressions(as_of=AS_OF, method="mean"), loaded)
    expected = {
        # key: (current, previous, percent_change, current_n, previous_n, previous_std, z_score, is_regression)
        ("bert-base", "cpu", 1): (60.0, 50.0, 20.0, 4, 4, 0.0, None, False),
        ("bert-base", "cuda", 1): (80.0, 100.0, -20.0, 5, 5, math.sqrt(2), 20 / math.sqrt(2), True),
        ("bert-base", "cuda", 8): (400.0, 400.0, 0.0, 3, 3, 0.0, None, False),
        ("edge-model", "cpu", 1): (20.0, 10.0, 100.0, 1, 1, None, None, False),
        ("t5-small", "cpu", 1): (50.0, 100.0, -50.0, 2, 2, 0.0, None, False),
        ("t5-small", "cuda", 1): (200.0, 200.0, 0.0, 4, 4, 0.0, None, False),
        ("vit-base", "cpu", 1): (90.0, 100.0, -10.0, 3, 3, 0.0, None, True),
        ("vit-base", "cuda", 1): (80.0, 100.0, -20.0, 4, 4, math.sqrt(2400), 20 / math.sqrt(2400), True),
    }
    assert set(result) == set(expected)
    names = ("current", "previous", "percent_change", "current_n", "previous_n", "previous_std", "z_score")
    for key, values in expected.items():
        row = result[key]
        for name, value in zip(names, values, strict=False):
            assert row[name] == (pytest.approx(value) if value is not None else None), (key, name)
        assert row["is_regression"] is values[-1], key
        assert row["device_name"] == {"cpu": "Intel Xeon", "cuda": "NVIDIA A100"}[key[1]]
        assert row["sequence_length"] == 128


def test_result_columns_are_the_documented_ones(loaded: Engine) -> None:
    assert list(frame(regressions(as_of=AS_OF), loaded).columns) == [
        "model_name",
        "hardware_type",
        "device_name",
        "batch_size",
        "sequence_length",
        "precision",
        "test_case",
        "current",
        "previous",
        "percent_change",
        "current_n",
        "previous_n",
        "previous_std",
        "z_score",
        "is_regression",
    ]


def test_zscore_drops_the_noisy_pair_but_keeps_real_shifts(loaded: Engine) -> None:
    mean_flags = flagged(regressions(as_of=AS_OF, method="mean"), loaded)
    zscore_flags = flagged(regressions(as_of=AS_OF, method="zscore"), loaded)
    assert ("vit-base", "cuda", 1) in mean_flags
    assert zscore_flags == mean_flags - {("vit-base", "cuda", 1)}
    # The zero-variance baseline that moved is significant; the real drop (z = 14.1) too.
    assert zscore_flags == {("bert-base", "cuda", 1), ("vit-base", "cpu", 1)}


def test_a_throughput_gain_is_never_a_regression(loaded: Engine) -> None:
    for method in ("mean", "zscore"):
        row = by_key(regressions(as_of=AS_OF, method=method, threshold_pct=0.0), loaded)[("bert-base", "cpu", 1)]
        assert row["percent_change"] == pytest.approx(20.0)
        assert row["is_regression"] is False


def test_a_latency_increase_is_a_regression(loaded: Engine) -> None:
    assert flagged(regressions(metric="latency", as_of=AS_OF), loaded) == {("t5-small", "cuda", 1)}
    row = by_key(regressions(metric="latency", as_of=AS_OF, method="zscore"), loaded)[("t5-small", "cuda", 1)]
    assert row["current"] == pytest.approx(13.0)
    assert row["previous"] == pytest.approx(10.0)
    assert row["percent_change"] == pytest.approx(30.0)
    assert row["z_score"] == pytest.approx(3 / math.sqrt(2 / 3))  # 3.674
    assert row["is_regression"] is True


def test_z_threshold_is_a_parameter(loaded: Engine) -> None:
    stmt = regressions(metric="latency", as_of=AS_OF, method="zscore", z_threshold=4.0)
    assert flagged(stmt, loaded) == set()


def test_too_few_samples_are_not_flagged_until_min_samples_allows(loaded: Engine) -> None:
    key = ("t5-small", "cpu", 1)
    assert key not in flagged(regressions(as_of=AS_OF), loaded)
    assert key in flagged(regressions(as_of=AS_OF, min_samples=2), loaded)


def test_threshold_pct(loaded: Engine) -> None:
    # vit-base/cpu dropped 10 %: flagged at 5 %, not at 15 %.
    assert ("vit-base", "cpu", 1) not in flagged(regressions(as_of=AS_OF, threshold_pct=15.0), loaded)
    assert flagged(regressions(as_of=AS_OF, threshold_pct=25.0), loaded) == set()


def test_window_edges_are_exclusive_at_the_start_and_inclusive_at_the_end(loaded: Engine) -> None:
    result = rows(regressions(as_of=AS_OF, model_name="edge-model", min_samples=1), loaded)
    assert len(result) == 1
    # Only the rows at exactly Feb 22 (previous) and Mar 1 (current) count; Feb 15 and Mar 1 + 1 s are outside.
    assert (result[0]["previous"], result[0]["current"]) == (10.0, 20.0)
    assert (result[0]["previous_n"], result[0]["current_n"]) == (1, 1)


def test_rows_without_the_metric_are_ignored(loaded: Engine) -> None:
    # edge-model has throughput but no latency.
    assert "edge-model" not in {row["model_name"] for row in rows(regressions("latency", as_of=AS_OF), loaded)}


def test_window_days_moves_the_windows(loaded: Engine) -> None:
    # A 3-day window ending Feb 25: current (Feb 22, Feb 25] holds Feb 23 and 24 noon (80, 80); previous
    # (Feb 19, Feb 22] holds Feb 19 and 20 noon (102, 98).
    stmt = regressions(as_of=datetime(2025, 2, 25), window_days=3, min_samples=1, model_name="bert-base")
    row = by_key(stmt, loaded)[("bert-base", "cuda", 1)]
    assert (row["previous"], row["previous_n"]) == (100.0, 2)
    assert (row["current"], row["current_n"]) == (80.0, 2)


def test_aware_as_of_is_converted_to_utc(loaded: Engine) -> None:
    aware = datetime(2025, 3, 1, 1, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))  # 02:00 in Paris
    naive = by_key(regressions(as_of=datetime(2025, 3, 1, 1)), loaded)
    assert by_key(regressions(as_of=aware), loaded) == naive


def test_model_and_hardware_filters(loaded: Engine) -> None:
    assert set(by_key(regressions(as_of=AS_OF, hardware_type="CUDA"), loaded)) == {
        ("bert-base", "cuda", 1),
        ("bert-base", "cuda", 8),
        ("t5-small", "cuda", 1),
        ("vit-base", "cuda", 1),
    }
    assert set(by_key(regressions(as_of=AS_OF, model_name="vit-base", hardware_type="cpu"), loaded)) == {
        ("vit-base", "cpu", 1)
    }


def test_default_as_of_is_now(loaded: Engine) -> None:
    # The dataset lies in 2025: with as_of = now, its windows are empty.
    assert rows(regressions(), loaded) == []
    stmt = regressions(window_days=(datetime.now() - datetime(2025, 2, 10)).days + 30)
    assert rows(stmt, loaded)  # a window wide enough to reach back to the data


def test_only_regressions_by_composition(loaded: Engine) -> None:
    stmt = regressions(as_of=AS_OF, method="mean")
    only = stmt.where(stmt.selected_columns.is_regression)
    assert {(r["model_name"], r["hardware_type"]) for r in rows(only, loaded)} == {
        ("bert-base", "cuda"),
        ("vit-base", "cpu"),
        ("vit-base", "cuda"),
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "speed"}, "unknown metric 'speed'.*throughput"),
        ({"method": "ttest"}, "unknown method 'ttest'.*zscore, mean"),
        ({"window_days": 0}, "window_days must be positive"),
        ({"min_samples": 0}, "min_samples must be at least 1"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        regressions(**kwargs)  # type: ignore[arg-type]


def test_one_scan_of_performance_results() -> None:
    """The statement reads performance_results once (conditional aggregation), never self-joins raw rows."""
    sql = str(regressions(as_of=AS_OF, method="zscore").compile())
    assert sql.count("FROM performance_results") == 1
    assert "JOIN performance_results" not in sql
    assert sql.startswith("WITH regression_windows_1 AS")


def test_a_custom_metric_object_is_accepted(loaded: Engine) -> None:
    """Analyses take a Metric as well as a name, e.g. p99 latency judged as higher-is-better for a what-if."""
    inverted = Metric("p99_up", PerformanceResult.average_latency_ms, True, "ms", "inverted latency")
    # With latency treated as higher-is-better, t5-small/cuda's latency *increase* is no longer a regression.
    assert flagged(regressions(metric=inverted, as_of=AS_OF), loaded) == set()
    assert flagged(regressions(metric="latency", as_of=AS_OF), loaded) == {("t5-small", "cuda", 1)}


def test_statements_are_cached_and_immutable() -> None:
    first = regressions(as_of=AS_OF)
    assert regressions(as_of=AS_OF) is first
    narrowed = first.where(first.selected_columns.is_regression)
    assert narrowed is not first
    assert "WHERE coalesce" not in str(first.compile()).split("FROM regression_windows_1")[1]
