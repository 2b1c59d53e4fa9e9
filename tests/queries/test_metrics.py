"""The metric table: one place decides columns and directions."""

from __future__ import annotations

import pytest

from accel_orm.metrics import METRICS, Metric, get_metric
from accel_orm.models import COMPATIBILITY_STATUSES, PerformanceResult
from accel_orm.queries import compatibility


def test_required_metrics_and_directions() -> None:
    higher = {name for name, metric in METRICS.items() if metric.higher_is_better}
    lower = {name for name, metric in METRICS.items() if not metric.higher_is_better}
    assert higher == {"throughput", "efficiency"}
    assert lower == {"latency", "p50_latency", "p90_latency", "p99_latency", "memory", "power"}


def test_columns_are_performance_result_attributes() -> None:
    assert METRICS["throughput"].column is PerformanceResult.throughput_items_per_second
    assert METRICS["latency"].column is PerformanceResult.average_latency_ms
    assert METRICS["efficiency"].column is PerformanceResult.energy_efficiency_items_per_joule
    for metric in METRICS.values():
        assert metric.column.class_ is PerformanceResult
        assert metric.unit and metric.label


def test_worse_sign_follows_direction() -> None:
    assert get_metric("throughput").worse_sign == -1
    assert get_metric("latency").worse_sign == 1


def test_get_metric_rejects_unknown_names_listing_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="unknown metric 'speed'") as raised:
        get_metric("speed")
    for name in METRICS:
        assert name in str(raised.value)


def test_get_metric_passes_a_metric_through() -> None:
    metric = METRICS["memory"]
    assert get_metric(metric) is metric
    assert isinstance(metric, Metric)


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        METRICS["speed"] = METRICS["throughput"]  # type: ignore[index]


def test_compatibility_ranks_cover_every_status() -> None:
    assert set(compatibility._RANK) == set(COMPATIBILITY_STATUSES)
