"""Every analysis as a composable SQLAlchemy Core ``Select``.

The functions here build statements and nothing else: they never open a connection or execute. Callers compose
them (``.where()``, ``.limit()``, ``.subquery()``, ``.cte()``) and run them with a connection or session, or
turn them into DataFrames with :func:`accel_orm.frames.to_frame`. Every argument is a bound parameter, never SQL
text, and each function documents its result column names, which are API.

Metric names (``metric="throughput"``) come from :data:`accel_orm.metrics.METRICS`, which also decides whether
higher or lower is better. Hardware type arguments are compared in lower case, as ingest stores them.
"""

from accel_orm.queries.compatibility import (
    compatibility_matrix,
    compatibility_status,
    hardware_column_labels,
    hardware_types_stmt,
)
from accel_orm.queries.performance import (
    TREND_BUCKETS,
    hardware_comparison,
    key_series,
    model_comparison,
    performance,
    trend,
)
from accel_orm.queries.power import power_efficiency_by_family, power_metrics
from accel_orm.queries.regressions import REGRESSION_METHODS, regressions
from accel_orm.queries.web import browser_comparison, optimization_impact

__all__ = [
    "REGRESSION_METHODS",
    "TREND_BUCKETS",
    "browser_comparison",
    "compatibility_matrix",
    "compatibility_status",
    "hardware_column_labels",
    "hardware_comparison",
    "hardware_types_stmt",
    "key_series",
    "model_comparison",
    "optimization_impact",
    "performance",
    "power_efficiency_by_family",
    "power_metrics",
    "regressions",
    "trend",
]
