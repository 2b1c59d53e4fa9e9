"""The one table of metric definitions.

Every analysis that takes a ``metric="..."`` argument looks the name up here, so which column a metric reads and
which direction is *better* live in exactly one place. Regression detection in particular never branches on the
metric name: it multiplies the percent change by :attr:`Metric.worse_sign`, so a throughput gain can never be
reported as a regression and a latency increase always can.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy.orm import InstrumentedAttribute

from accel_orm.models import PerformanceResult


@dataclass(frozen=True, slots=True, eq=False)
class Metric:
    """A measure on ``performance_results`` and how to read it.

    ``column`` is the ORM attribute on :class:`~accel_orm.models.PerformanceResult` the metric aggregates;
    ``higher_is_better`` decides which direction of change is a regression. Metrics compare and hash by identity
    (comparing ORM columns with ``==`` builds SQL, not a bool), so they can key caches.
    """

    name: str
    column: InstrumentedAttribute[float | None]
    higher_is_better: bool
    unit: str
    label: str
    # The value is a latency statistic (or its reciprocal, throughput) of repeated timings, so a single row's
    # ``latency_stddev_ms`` / ``average_latency_ms`` (coefficient of variation) also describes this metric's noise.
    spread_from_latency: bool = False

    @property
    def worse_sign(self) -> int:
        """+1 if an increase is bad (latency, memory, power), -1 if a decrease is bad (throughput, efficiency).

        ``percent_change * worse_sign`` is then positive exactly when the change goes the bad way, which lets
        SQL compare it with one threshold for every metric.
        """
        return -1 if self.higher_is_better else 1


def _table(*metrics: Metric) -> MappingProxyType[str, Metric]:
    return MappingProxyType({metric.name: metric for metric in metrics})


METRICS: MappingProxyType[str, Metric] = _table(
    Metric("throughput", PerformanceResult.throughput_items_per_second, True, "items/s", "Throughput", True),
    Metric("latency", PerformanceResult.average_latency_ms, False, "ms", "Average latency", True),
    Metric("p50_latency", PerformanceResult.p50_latency_ms, False, "ms", "p50 latency", True),
    Metric("p90_latency", PerformanceResult.p90_latency_ms, False, "ms", "p90 latency"),
    Metric("p99_latency", PerformanceResult.p99_latency_ms, False, "ms", "p99 latency"),
    Metric("memory", PerformanceResult.memory_peak_mb, False, "MB", "Peak memory"),
    Metric("power", PerformanceResult.power_watts, False, "W", "Power"),
    Metric("efficiency", PerformanceResult.energy_efficiency_items_per_joule, True, "items/J", "Energy efficiency"),
)
"""Every metric by name (read-only). Add a metric here and every analysis accepts it."""


def get_metric(name: str | Metric) -> Metric:
    """The metric called ``name`` (a :class:`Metric` passes through); ValueError lists the allowed names."""
    if isinstance(name, Metric):
        return name
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        allowed = ", ".join(METRICS)
        raise ValueError(f"unknown metric {name!r}: expected one of {allowed}") from None
