"""Browser (WebGPU / WebNN) analyses: browsers are the ``device_name`` of a web hardware platform."""

from __future__ import annotations

from sqlalchemy import Select, String, func

from accel_orm.models import HardwarePlatform, Model, PerformanceResult, TestResult
from accel_orm.queries._common import cached_statement, filter_performance, mean, performance_joined


@cached_statement
def browser_comparison(hardware_type: str = "webgpu", model_name: str | None = None) -> Select:
    """Throughput and latency of each model in each browser.

    Result columns: ``browser`` (the platform's device_name), ``model_name, avg_throughput, avg_latency_ms, n``.
    Ordered by model, then fastest browser first.
    """
    p = PerformanceResult
    browser = HardwarePlatform.device_name.label("browser")
    avg_throughput = mean(p.throughput_items_per_second).label("avg_throughput")
    stmt = (
        performance_joined(
            browser,
            Model.model_name,
            avg_throughput,
            mean(p.average_latency_ms).label("avg_latency_ms"),
            func.count().label("n"),
        )
        .group_by(HardwarePlatform.device_name, Model.model_name)
        .order_by(Model.model_name, avg_throughput.desc().nulls_last(), browser)
    )
    return filter_performance(stmt, model_name=model_name, hardware_type=hardware_type)


@cached_statement
def optimization_impact(hardware_type: str = "webgpu") -> Select:
    """Throughput and latency per browser and optimization (``test_results.details->>'optimization_type'``).

    Each performance row is matched to the test result it was measured in (``performance_results.test_id =
    test_results.id``), so no row is counted twice (the seed joined on model and hardware, multiplying rows).
    Rows whose test result has no ``optimization_type``, or that have no linked test result, count as
    ``'none'``, so the ``test_count`` per browser adds up to :func:`browser_comparison`'s ``n``.
    Result columns: ``browser, optimization, avg_throughput, avg_latency_ms, test_count``. Ordered by browser,
    then fastest optimization first.
    """
    p = PerformanceResult
    browser = HardwarePlatform.device_name.label("browser")
    # ``col["key"].as_string()`` renders ``->>`` on both DuckDB JSON and PostgreSQL JSONB.
    optimization = func.coalesce(TestResult.details["optimization_type"].as_string(), "none", type_=String()).label(
        "optimization"
    )
    avg_throughput = mean(p.throughput_items_per_second).label("avg_throughput")
    stmt = (
        performance_joined(
            browser,
            optimization,
            avg_throughput,
            mean(p.average_latency_ms).label("avg_latency_ms"),
            func.count().label("test_count"),
        )
        .outerjoin(TestResult, TestResult.id == p.test_id)
        .group_by(HardwarePlatform.device_name, optimization)
        .order_by(browser, avg_throughput.desc().nulls_last(), optimization)
    )
    return filter_performance(stmt, hardware_type=hardware_type)
