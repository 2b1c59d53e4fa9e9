"""Constraints users rely on are enforced by the database and surface as accel_orm's own errors."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select

from accel_orm import (
    ConstraintViolationError,
    HardwareCompatibility,
    HardwarePlatform,
    Model,
    PerformanceResult,
    PowerMetric,
    TestResult,
    session_scope,
)

WHEN = datetime(2025, 3, 5, 12, 0)


@pytest.fixture
def ids(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        model = Model(model_name="t5-small")
        hardware = HardwarePlatform(hardware_type="cuda", device_name="NVIDIA A100")
        session.add_all([model, hardware])
        session.flush()
        return model.model_id, hardware.hardware_id


def _count(engine: Engine, entity: type) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(entity)) or 0


def test_model_names_are_unique(engine: Engine, ids: tuple[int, int]) -> None:
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(Model(model_name="t5-small"))
    assert _count(engine, Model) == 1


@pytest.mark.parametrize("device_name", ["NVIDIA A100", None])
def test_one_hardware_row_per_type_and_device(engine: Engine, device_name: str | None) -> None:
    with session_scope(engine) as session:
        session.add(HardwarePlatform(hardware_type="cuda", device_name=device_name))
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(HardwarePlatform(hardware_type="cuda", device_name=device_name))
    assert _count(engine, HardwarePlatform) == 1


def test_same_device_name_on_another_type_is_fine(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add_all(
            [
                HardwarePlatform(hardware_type="webgpu", device_name="chrome"),
                HardwarePlatform(hardware_type="webnn", device_name="chrome"),
            ]
        )
    assert _count(engine, HardwarePlatform) == 2


@pytest.mark.parametrize(
    "column",
    ["average_latency_ms", "p99_latency_ms", "throughput_items_per_second", "memory_peak_mb", "power_watts"],
)
def test_negative_performance_measures_are_rejected(engine: Engine, ids: tuple[int, int], column: str) -> None:
    model_id, hardware_id = ids
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(PerformanceResult(model_id=model_id, hardware_id=hardware_id, **{column: -1.0}))
    assert _count(engine, PerformanceResult) == 0


@pytest.mark.parametrize("column", ["execution_time", "memory_usage"])
def test_negative_test_measures_are_rejected(engine: Engine, ids: tuple[int, int], column: str) -> None:
    model_id, hardware_id = ids
    row = TestResult(model_id=model_id, hardware_id=hardware_id, timestamp=WHEN, test_type="inference")
    setattr(row, column, -0.5)
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(row)
    assert _count(engine, TestResult) == 0


@pytest.mark.parametrize("column", ["power_watts_avg", "test_duration_seconds", "battery_impact_mah"])
def test_negative_power_measures_are_rejected(engine: Engine, ids: tuple[int, int], column: str) -> None:
    model_id, hardware_id = ids
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(PowerMetric(model_id=model_id, hardware_id=hardware_id, **{column: -2.0}))


@pytest.mark.parametrize(("status", "score"), [("supported", 1.5), ("supported", -0.1), ("maybe", 0.5)])
def test_compatibility_status_and_score_are_checked(
    engine: Engine, ids: tuple[int, int], status: str, score: float
) -> None:
    model_id, hardware_id = ids
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(
            HardwareCompatibility(
                model_id=model_id, hardware_id=hardware_id, compatibility_status=status, compatibility_score=score
            )
        )
    assert _count(engine, HardwareCompatibility) == 0


def test_valid_compatibility_is_stored_once_per_pair(engine: Engine, ids: tuple[int, int]) -> None:
    model_id, hardware_id = ids
    with session_scope(engine) as session:
        session.add(
            HardwareCompatibility(
                model_id=model_id, hardware_id=hardware_id, compatibility_status="limited", compatibility_score=0.0
            )
        )
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(
            HardwareCompatibility(
                model_id=model_id, hardware_id=hardware_id, compatibility_status="supported", compatibility_score=1.0
            )
        )


def test_foreign_keys_to_models_and_hardware_are_enforced(engine: Engine, ids: tuple[int, int]) -> None:
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(TestResult(model_id=999_999, hardware_id=ids[1], timestamp=WHEN, test_type="inference"))
    with pytest.raises(ConstraintViolationError), session_scope(engine) as session:
        session.add(PerformanceResult(model_id=ids[0], hardware_id=999_999))


def test_relationships_work_both_ways(engine: Engine) -> None:
    with session_scope(engine) as session:
        model = Model(model_name="whisper-tiny", model_family="audio")
        hardware = HardwarePlatform(hardware_type="qualcomm", device_name="Snapdragon 8 Gen 3")
        test = TestResult(model=model, hardware=hardware, timestamp=WHEN, test_type="inference", success=True)
        test.performance_results.append(
            PerformanceResult(model=model, hardware=hardware, batch_size=1, throughput_items_per_second=12.5)
        )
        test.power_metrics.append(PowerMetric(model=model, hardware=hardware, power_watts_avg=3.2))
        session.add(test)
    with session_scope(engine) as session:
        stored = session.scalars(select(TestResult)).one()
        assert stored.model.model_name == "whisper-tiny"
        assert stored.performance_results[0].test_result is stored
        assert stored.power_metrics[0].test_id == stored.id
        assert stored.hardware.power_metrics[0].power_watts_avg == 3.2
        assert stored.model.to_dict()["model_family"] == "audio"


def test_doubles_keep_full_precision(engine: Engine, ids: tuple[int, int]) -> None:
    with session_scope(engine) as session:
        session.add(PerformanceResult(model_id=ids[0], hardware_id=ids[1], average_latency_ms=0.1234567891234))
    with session_scope(engine) as session:
        assert session.scalar(select(PerformanceResult.average_latency_ms)) == 0.1234567891234
