"""Overview queries behind the summary report: averages per configuration, recent failures, counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, literal, select, union_all

from accel_orm.models import HardwareCompatibility, HardwarePlatform, Model, PerformanceResult, PowerMetric, TestResult
from accel_orm.queries._common import filter_performance, normalise_hardware_type, performance_joined, standard_averages


def performance_summary(
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
) -> Select:
    """Averages per configuration: one row per (model, hardware type, device, batch size).

    Result columns: ``model_name, hardware_type, device_name, batch_size, avg_throughput, avg_latency_ms,
    avg_memory_mb, avg_power_watts, n, last_tested``. Ordered by model, then fastest first.
    """
    averages = standard_averages()
    keys = (
        Model.model_name,
        HardwarePlatform.hardware_type,
        HardwarePlatform.device_name,
        PerformanceResult.batch_size,
    )
    stmt = (
        performance_joined(*keys, *averages, func.max(PerformanceResult.test_timestamp).label("last_tested"))
        .group_by(*keys)
        .order_by(Model.model_name, averages[0].desc().nulls_last(), HardwarePlatform.hardware_type)
    )
    return filter_performance(stmt, model_name=model_name, hardware_type=hardware_type, batch_size=batch_size)


def hardware_summary() -> Select:
    """Per hardware platform: how much was tested there and how it went.

    Result columns: ``hardware_type, device_name, models, tests, successes, failures, success_rate, last_tested``.
    """
    success = func.count(TestResult.id).filter(TestResult.success.is_(True))
    failure = func.count(TestResult.id).filter(TestResult.success.is_(False))
    tests = func.count(TestResult.id)
    return (
        select(
            HardwarePlatform.hardware_type,
            HardwarePlatform.device_name,
            func.count(func.distinct(TestResult.model_id)).label("models"),
            tests.label("tests"),
            success.label("successes"),
            failure.label("failures"),
            (success * 1.0 / func.nullif(tests, 0)).label("success_rate"),
            func.max(TestResult.timestamp).label("last_tested"),
        )
        .select_from(HardwarePlatform)
        .join(TestResult, TestResult.hardware_id == HardwarePlatform.hardware_id)
        .group_by(HardwarePlatform.hardware_type, HardwarePlatform.device_name)
        .order_by(HardwarePlatform.hardware_type, HardwarePlatform.device_name)
    )


def recent_failures(since: datetime | None = None, hardware_type: str | None = None) -> Select:
    """Failed test results, newest first (add ``.limit(n)``).

    Result columns: ``timestamp, model_name, hardware_type, device_name, test_type, status, error_message``.
    """
    stmt = (
        select(
            TestResult.timestamp,
            Model.model_name,
            HardwarePlatform.hardware_type,
            HardwarePlatform.device_name,
            TestResult.test_type,
            TestResult.status,
            TestResult.error_message,
        )
        .join(Model, Model.model_id == TestResult.model_id)
        .join(HardwarePlatform, HardwarePlatform.hardware_id == TestResult.hardware_id)
        .where(TestResult.success.is_(False))
        .order_by(TestResult.timestamp.desc(), TestResult.id.desc())
    )
    if since is not None:
        stmt = stmt.where(TestResult.timestamp >= since)
    if hardware_type is not None:
        stmt = stmt.where(HardwarePlatform.hardware_type == normalise_hardware_type(hardware_type))
    return stmt


def table_counts() -> Select:
    """Rows per table. Result columns: ``table_name, rows``."""
    counted = [
        select(literal(entity.__tablename__).label("table_name"), func.count().label("rows")).select_from(entity)
        for entity in (Model, HardwarePlatform, TestResult, PerformanceResult, PowerMetric, HardwareCompatibility)
    ]
    return select(union_all(*counted).subquery())
