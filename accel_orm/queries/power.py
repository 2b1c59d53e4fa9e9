"""Power and thermal analyses (mobile/edge hardware such as Qualcomm)."""

from __future__ import annotations

from sqlalchemy import Double, Select, func, select

from accel_orm.models import HardwarePlatform, Model, PerformanceResult, PowerMetric
from accel_orm.queries._common import (
    cached_statement,
    filter_performance,
    mean,
    nonzero,
    normalise_hardware_type,
    performance_joined,
)


@cached_statement
def power_metrics(hardware_type: str = "qualcomm", model_name: str | None = None) -> Select:
    """Every ``power_metrics`` row on one hardware type, with model and device names.

    Result columns: ``model_name, model_family, hardware_type, device_name, power_watts_avg, power_watts_peak,
    temperature_celsius_avg, temperature_celsius_peak, battery_impact_mah, test_duration_seconds,
    estimated_runtime_hours, test_timestamp``. Ordered by model, device, time.
    """
    pm = PowerMetric
    stmt = (
        select(
            Model.model_name,
            Model.model_family,
            HardwarePlatform.hardware_type,
            HardwarePlatform.device_name,
            pm.power_watts_avg,
            pm.power_watts_peak,
            pm.temperature_celsius_avg,
            pm.temperature_celsius_peak,
            pm.battery_impact_mah,
            pm.test_duration_seconds,
            pm.estimated_runtime_hours,
            pm.test_timestamp,
        )
        .select_from(pm)
        .join(Model, Model.model_id == pm.model_id)
        .join(HardwarePlatform, HardwarePlatform.hardware_id == pm.hardware_id)
        .where(HardwarePlatform.hardware_type == normalise_hardware_type(hardware_type))
        .order_by(Model.model_name, HardwarePlatform.device_name, pm.test_timestamp)
    )
    return stmt if model_name is None else stmt.where(Model.model_name == model_name)


@cached_statement
def power_efficiency_by_family(hardware_type: str = "qualcomm") -> Select:
    """Power, throughput and energy efficiency per model family on one hardware type.

    Reads ``performance_results`` only (the seed joined ``power_metrics`` to it on model and hardware, which
    multiplies rows). Efficiency is the stored ``energy_efficiency_items_per_joule``, or throughput / power
    (items/s / W = items/J) where it was not stored.
    Result columns: ``model_family, avg_power_watts, avg_throughput, avg_efficiency, n``. Most efficient first.
    """
    p = PerformanceResult
    efficiency = func.coalesce(
        p.energy_efficiency_items_per_joule, p.throughput_items_per_second / nonzero(p.power_watts), type_=Double()
    )
    avg_efficiency = mean(efficiency).label("avg_efficiency")
    stmt = (
        performance_joined(
            Model.model_family,
            mean(p.power_watts).label("avg_power_watts"),
            mean(p.throughput_items_per_second).label("avg_throughput"),
            avg_efficiency,
            func.count().label("n"),
        )
        .group_by(Model.model_family)
        .order_by(avg_efficiency.desc().nulls_last(), Model.model_family)
    )
    return filter_performance(stmt, hardware_type=hardware_type)
