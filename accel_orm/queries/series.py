"""One metric's measurements as series: one series per comparability key, in time order.

A *series* is what change detection reads: the values of one metric measured under the same conditions (the same
model, hardware type, device, batch size, sequence length, precision and test case), ordered by time. The key is
the comparability key of every comparison (:data:`accel_orm.queries._common.COMPARABILITY_KEY`) with model and
hardware resolved to names: a column added there separates series, changes and change identities too. Simulated
results are left out unless asked for, as in every comparison.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_

from accel_orm.metrics import Metric, get_metric
from accel_orm.models import HardwarePlatform, Model, PerformanceResult
from accel_orm.queries._common import (
    COMPARABILITY_KEY,
    COMPARABILITY_KEY_NAMES,
    cached_statement,
    comparable_rows,
    filter_performance,
    named_cte,
    performance_joined,
    utc_naive,
)

SERIES_KEY: tuple[Any, ...] = (
    Model.model_name,
    HardwarePlatform.hardware_type,
    HardwarePlatform.device_name,
    *COMPARABILITY_KEY[2:],
)
"""The comparability key by name: numbers are only ever compared within one value of these columns."""

SERIES_KEY_NAMES: tuple[str, ...] = COMPARABILITY_KEY_NAMES
"""The key's result column names (``model_name, hardware_type, ...``), in :data:`SERIES_KEY` order."""


def series_points(
    metric: str | Metric = "throughput",
    *,
    model_name: str | None = None,
    hardware_type: str | None = None,
    since: datetime | None = None,
    touched_since: datetime | None = None,
    include_simulated: bool = False,
) -> Select:
    """Every measurement of ``metric``, one row per point, grouped by series and in time order within each.

    Result columns: the :data:`SERIES_KEY_NAMES` (``model_name, hardware_type, device_name, batch_size,
    sequence_length, precision, test_case``), ``timestamp`` (``test_timestamp``), ``value`` and ``run_id``. Rows
    without a value or a timestamp are left out. ``since`` keeps points measured at or after it (naive UTC, or aware
    and converted).
    ``touched_since`` keeps the *whole history* of the series that have at least one point at or after it: what
    incremental change detection reads, since a new step is judged against what came before it. Ties in time keep
    insertion order (``id``), so a series reads back the same every time.
    """
    chosen = get_metric(metric)
    return _series_points(
        chosen,
        model_name,
        hardware_type,
        None if since is None else utc_naive(since),
        None if touched_since is None else utc_naive(touched_since),
        include_simulated,
    )


@cached_statement
def _series_points(
    chosen: Metric,
    model_name: str | None,
    hardware_type: str | None,
    since: datetime | None,
    touched_since: datetime | None,
    include_simulated: bool = False,
) -> Select:
    p = PerformanceResult
    measured = (chosen.column.is_not(None), p.test_timestamp.is_not(None), *comparable_rows(include_simulated))
    stmt = performance_joined(*SERIES_KEY, p.test_timestamp.label("timestamp"), chosen.column.label("value"), p.run_id)
    stmt = filter_performance(stmt.where(*measured), model_name=model_name, hardware_type=hardware_type)
    if since is not None:
        stmt = stmt.where(p.test_timestamp >= since)
    if touched_since is not None:
        touched = named_cte(
            filter_performance(
                performance_joined(*SERIES_KEY).where(*measured, p.test_timestamp >= touched_since),
                model_name=model_name,
                hardware_type=hardware_type,
            ).distinct(),
            "series_touched",
        )
        # Key columns may be NULL (no device, no sequence length): NULL matches NULL here.
        same_key = [
            column.is_not_distinct_from(touched.c[name])
            for column, name in zip(SERIES_KEY, SERIES_KEY_NAMES, strict=True)
        ]
        stmt = stmt.join(touched, and_(*same_key))
    # NULLs (no device, no sequence length) sort together at the end of their column on both engines.
    return stmt.order_by(*(column.asc().nulls_last() for column in SERIES_KEY), p.test_timestamp, p.id)
