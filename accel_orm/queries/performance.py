"""Performance analyses over ``performance_results``: raw rows, per-model and per-hardware comparisons, trends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Select, func

from accel_orm.defaults import COMPARISON_BATCH_SIZE
from accel_orm.metrics import Metric, get_metric
from accel_orm.models import HardwarePlatform, Model, PerformanceResult
from accel_orm.queries._common import (
    cached_statement,
    filter_performance,
    mean,
    normalise_hardware_type,
    performance_joined,
    require_choice,
    standard_averages,
    utc_naive,
)

TREND_BUCKETS: tuple[str, ...] = ("day", "week", "month")
"""Accepted ``bucket`` values of :func:`trend` (``date_trunc`` units; weeks start on Monday on both engines)."""


@cached_statement
def performance(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
) -> Select:
    """One row per performance measurement, with the model and hardware names resolved.

    Result columns: ``model_name, hardware_type, device_name, batch_size, sequence_length, average_latency_ms,
    p50_latency_ms, p90_latency_ms, p99_latency_ms, throughput_items_per_second, memory_peak_mb, power_watts,
    test_timestamp``. Ordered by model, hardware, device, batch size, then time; every filter is optional.
    """
    p = PerformanceResult
    stmt = performance_joined(
        Model.model_name,
        HardwarePlatform.hardware_type,
        HardwarePlatform.device_name,
        p.batch_size,
        p.sequence_length,
        p.average_latency_ms,
        p.p50_latency_ms,
        p.p90_latency_ms,
        p.p99_latency_ms,
        p.throughput_items_per_second,
        p.memory_peak_mb,
        p.power_watts,
        p.test_timestamp,
    ).order_by(
        Model.model_name, HardwarePlatform.hardware_type, HardwarePlatform.device_name, p.batch_size, p.test_timestamp
    )
    return filter_performance(stmt, model_name=model_name, hardware_type=hardware_type, batch_size=batch_size)


@cached_statement
def model_comparison(hardware_type: str, batch_size: int | None = COMPARISON_BATCH_SIZE) -> Select:
    """How the models compare on one hardware type at one batch size (default :mod:`accel_orm.defaults`: 1).

    ``batch_size=None`` pools every batch size.

    Result columns: ``model_name, model_family, avg_throughput, avg_latency_ms, avg_memory_mb, avg_power_watts,
    n`` (n = measurements averaged). Fastest first.
    """
    averages = standard_averages()
    stmt = (
        performance_joined(Model.model_name, Model.model_family, *averages)
        .group_by(Model.model_name, Model.model_family)
        .order_by(averages[0].desc().nulls_last(), Model.model_name)
    )
    return filter_performance(stmt, hardware_type=hardware_type, batch_size=batch_size)


@cached_statement
def hardware_comparison(model_name: str, batch_size: int | None = COMPARISON_BATCH_SIZE) -> Select:
    """How one model runs on each hardware platform at one batch size (default :mod:`accel_orm.defaults`: 1).

    ``batch_size=None`` pools every batch size.

    Result columns: ``hardware_type, device_name, avg_throughput, avg_latency_ms, avg_memory_mb,
    avg_power_watts, n``. Fastest first.
    """
    averages = standard_averages()
    stmt = (
        performance_joined(HardwarePlatform.hardware_type, HardwarePlatform.device_name, *averages)
        .group_by(HardwarePlatform.hardware_type, HardwarePlatform.device_name)
        .order_by(averages[0].desc().nulls_last(), HardwarePlatform.hardware_type, HardwarePlatform.device_name)
    )
    return filter_performance(stmt, model_name=model_name, batch_size=batch_size)


@cached_statement
def trend(
    model_name: str | None = None,
    metric: str | Metric = "throughput",
    bucket: str = "day",
    since: datetime | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
) -> Select:
    """A metric averaged per time bucket, model and hardware type: the series behind a trend chart.

    ``bucket`` is one of :data:`TREND_BUCKETS`; ``metric`` a name from :data:`accel_orm.metrics.METRICS`;
    ``since`` (inclusive, naive UTC or aware) limits the time range; ``batch_size`` keeps one batch size (by default
    all batch sizes are pooled).
    Result columns: ``bucket`` (timestamp, start of the bucket), ``model_name, hardware_type, value`` (average of
    the metric over the bucket), ``n`` (measurements with a value). Ordered by model, hardware, bucket.
    """
    column = get_metric(metric).column
    unit = require_choice("bucket", bucket, TREND_BUCKETS)
    # The unit is a bound parameter too; SQLAlchemy renders the same parameter in SELECT and GROUP BY, which
    # both engines accept as the same expression.
    bucket_start = func.date_trunc(unit, PerformanceResult.test_timestamp, type_=DateTime()).label("bucket")
    stmt = (
        performance_joined(
            bucket_start,
            Model.model_name,
            HardwarePlatform.hardware_type,
            mean(column).label("value"),
            func.count(column).label("n"),
        )
        .where(column.is_not(None), PerformanceResult.test_timestamp.is_not(None))
        .group_by(bucket_start, Model.model_name, HardwarePlatform.hardware_type)
        .order_by(Model.model_name, HardwarePlatform.hardware_type, bucket_start)
    )
    if since is not None:
        stmt = stmt.where(PerformanceResult.test_timestamp >= utc_naive(since))
    return filter_performance(stmt, model_name=model_name, hardware_type=hardware_type, batch_size=batch_size)


def key_series(
    model_name: str,
    hardware_type: str,
    device_name: str | None,
    batch_size: int | None,
    sequence_length: int | None,
    metric: str | Metric = "throughput",
    since: datetime | None = None,
) -> Select:
    """Every measurement of one comparability key, in time order: the points of one small-multiple chart.

    The key is matched exactly, a missing device name, batch size or sequence length included (``IS NULL``), so
    two devices, batch sizes or sequence lengths never share a line. ``since`` (inclusive) limits the time range.
    Result columns: ``test_timestamp, value, device_name, test_id`` (the test result the row was measured in).
    """
    return _series(
        model_name,
        normalise_hardware_type(hardware_type),
        device_name,
        batch_size,
        sequence_length,
        get_metric(metric),
        None if since is None else utc_naive(since),
    )


@cached_statement
def _series(
    model_name: str,
    hardware_type: str,
    device_name: str | None,
    batch_size: int | None,
    sequence_length: int | None,
    metric: Metric,
    since: datetime | None,
) -> Select:
    p = PerformanceResult
    column = metric.column
    stmt = (
        performance_joined(p.test_timestamp, column.label("value"), HardwarePlatform.device_name, p.test_id)
        .where(
            Model.model_name == model_name,
            HardwarePlatform.hardware_type == hardware_type,
            _equal_or_null(HardwarePlatform.device_name, device_name),
            _equal_or_null(p.batch_size, batch_size),
            _equal_or_null(p.sequence_length, sequence_length),
            column.is_not(None),
            p.test_timestamp.is_not(None),
        )
        .order_by(p.test_timestamp, p.id)
    )
    if since is not None:
        stmt = stmt.where(p.test_timestamp >= since)
    return stmt


def _equal_or_null(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
