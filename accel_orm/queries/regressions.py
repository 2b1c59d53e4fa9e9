"""Regression detection: compare the latest window of measurements with the window before it.

A comparison is made per *comparability key* (:data:`accel_orm.queries._common.COMPARABILITY_KEY`: model, hardware
platform, batch size, sequence length, precision, test case), as in Conbench/asv: numbers measured under
different conditions are never compared. Simulated results are left out unless ``include_simulated``. The
direction of "worse" comes from the metric table (:mod:`accel_orm.metrics`), never from if-chains on the metric name.

The statement scans ``performance_results`` once: a CTE aggregates both windows with conditional aggregates
(``avg(CASE WHEN in current window THEN value END)``), grouped by ids, and only the aggregated rows are joined to
the model and hardware names. There is no self-join on raw rows, which keeps it fast on tens of millions of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Double, Select, and_, case, false, func, or_, select, true
from sqlalchemy.sql.selectable import CTE

from accel_orm import defaults
from accel_orm.metrics import Metric, get_metric
from accel_orm.models import HardwarePlatform, Model, PerformanceResult
from accel_orm.queries._common import (
    COMPARABILITY_KEY,
    by_key_names,
    cached_statement,
    comparable_rows,
    mean,
    named_cte,
    nonzero,
    normalise_hardware_type,
    require_choice,
    utc_naive,
)


def _window_stats(
    metric: Metric,
    previous_start: datetime,
    current_start: datetime,
    as_of: datetime,
    filters: list[ColumnElement[bool]],
) -> CTE:
    """Per key: mean, count (and for the previous window the sample stddev) of each window, in one scan."""
    p = PerformanceResult
    value = metric.column
    current_value = case((p.test_timestamp > current_start, value))
    previous_value = case((p.test_timestamp <= current_start, value))
    keys = COMPARABILITY_KEY
    windows = (
        select(
            *keys,
            mean(current_value).label("current"),
            func.count(current_value).label("current_n"),
            mean(previous_value).label("previous"),
            func.count(previous_value).label("previous_n"),
            func.stddev_samp(previous_value, type_=Double()).label("previous_std"),
        )
        .where(p.test_timestamp > previous_start, p.test_timestamp <= as_of, value.is_not(None), *filters)
        .group_by(*keys)
        .having(func.count(current_value) > 0, func.count(previous_value) > 0)
    )
    return named_cte(windows, "regression_windows")


def _mean_signal(stats: CTE, z_score: ColumnElement[float], z_threshold: float) -> ColumnElement[bool]:
    """The seed's plain comparison: the percent threshold alone decides."""
    return true()


def _zscore_signal(stats: CTE, z_score: ColumnElement[float], z_threshold: float) -> ColumnElement[bool]:
    """The shift must also stand out from the previous window's noise.

    With a previous stddev of exactly 0 (a perfectly stable baseline) any shift is significant; with no stddev
    (a single previous sample) nothing can be judged, so nothing is flagged.
    """
    shifted = stats.c.current != stats.c.previous
    return or_(z_score > z_threshold, and_(stats.c.previous_std == 0, shifted))


_SIGNALS: dict[str, Callable[[CTE, ColumnElement[float], float], ColumnElement[bool]]] = {
    "mean": _mean_signal,
    "zscore": _zscore_signal,
}
REGRESSION_METHODS: tuple[str, ...] = defaults.REGRESSION_METHODS
"""Accepted ``method`` values of :func:`regressions` (listed in :mod:`accel_orm.defaults`, one signal each)."""


def regressions(
    metric: str | Metric = "throughput",
    window_days: float = defaults.REGRESSION_WINDOW_DAYS,
    threshold_pct: float = defaults.REGRESSION_THRESHOLD_PCT,
    as_of: datetime | None = None,
    min_samples: int = defaults.REGRESSION_MIN_SAMPLES,
    method: str = defaults.REGRESSION_METHOD,
    z_threshold: float = defaults.REGRESSION_Z_THRESHOLD,
    model_name: str | None = None,
    hardware_type: str | None = None,
    include_simulated: bool = False,
) -> Select:
    """Current window ``(as_of - window_days, as_of]`` against the previous one, per comparability key.

    ``as_of`` defaults to now (UTC); the windows are fixed when the statement is built. A key appears when both
    windows hold at least one measurement of the metric. ``is_regression`` is true when both windows hold at least
    ``min_samples`` values and the change exceeds ``threshold_pct`` percent in the metric's bad direction (a
    throughput *gain* or a latency *drop* never counts); with ``method="zscore"`` the shift must also exceed
    ``z_threshold`` previous-window standard deviations, so a noisy pair with a large percentage but no real shift
    is not flagged. ``model_name`` / ``hardware_type`` narrow the scan itself (cheaper than filtering the result).
    Simulated results (``is_simulated``) are excluded unless ``include_simulated``.
    The defaults (``method="zscore"``, 7 days, 5 %) are :mod:`accel_orm.defaults`, shared with the CLI and reports.

    Result columns: ``model_name, hardware_type, device_name, batch_size, sequence_length, precision, test_case,
    current, previous``
    (window means), ``percent_change`` (``(current - previous) / previous * 100``, NULL when previous is 0),
    ``current_n, previous_n, previous_std`` (sample stddev of the previous window), ``z_score``
    (``|current - previous| / previous_std``, NULL when that stddev is 0 or unknown), ``is_regression`` (never
    NULL). Only regressions: ``stmt.where(stmt.selected_columns.is_regression)``.
    """
    return _regressions(
        get_metric(metric),
        window_days,
        threshold_pct,
        utc_naive(as_of),
        min_samples,
        require_choice("method", method, REGRESSION_METHODS),
        z_threshold,
        model_name,
        hardware_type,
        include_simulated,
    )


@cached_statement
def _regressions(
    chosen: Metric,
    window_days: float,
    threshold_pct: float,
    end: datetime,
    min_samples: int,
    method: str,
    z_threshold: float,
    model_name: str | None,
    hardware_type: str | None,
    include_simulated: bool = False,
) -> Select:
    """:func:`regressions` with its arguments resolved (``as_of`` is fixed, so repeated reports hit the cache)."""
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days!r}")
    if min_samples < 1:
        raise ValueError(f"min_samples must be at least 1, got {min_samples!r}")
    window = timedelta(days=window_days)
    stats = _window_stats(
        chosen,
        end - 2 * window,
        end - window,
        end,
        [*_key_filters(model_name, hardware_type), *comparable_rows(include_simulated)],
    )
    signal = _SIGNALS[method]

    change = stats.c.current - stats.c.previous
    percent_change = change / nonzero(stats.c.previous) * 100.0
    z_score = cast(ColumnElement[float], func.abs(change, type_=Double()) / nonzero(stats.c.previous_std))
    is_regression = and_(
        stats.c.current_n >= min_samples,
        stats.c.previous_n >= min_samples,
        percent_change * chosen.worse_sign > threshold_pct,
        signal(stats, z_score, z_threshold),
    )
    return by_key_names(
        stats,
        stats.c.current,
        stats.c.previous,
        percent_change.label("percent_change"),
        stats.c.current_n,
        stats.c.previous_n,
        stats.c.previous_std,
        z_score.label("z_score"),
        func.coalesce(is_regression, false()).label("is_regression"),
    )


def _key_filters(model_name: str | None, hardware_type: str | None) -> list[ColumnElement[bool]]:
    """Optional filters applied inside the scan (as id subqueries), so they cut rows before aggregation."""
    p = PerformanceResult
    filters: list[ColumnElement[bool]] = []
    if model_name is not None:
        filters.append(p.model_id.in_(select(Model.model_id).where(Model.model_name == model_name)))
    if hardware_type is not None:
        wanted = normalise_hardware_type(hardware_type)
        filters.append(
            p.hardware_id.in_(select(HardwarePlatform.hardware_id).where(HardwarePlatform.hardware_type == wanted))
        )
    return filters
