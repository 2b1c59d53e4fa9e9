"""Shared data for the maintenance tests: six months of results with linked performance and power rows.

Everything is written through the ORM (``session_scope``), the way applications write. ``NOW`` is fixed so the
archive's notion of "closed months" is deterministic: ``NOW - OLDER_THAN_DAYS`` falls in April 2025, so January
to March are archived (``CLOSED``) and April to June stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from accel_orm import HardwarePlatform, Model, PerformanceResult, PowerMetric, TestResult, get_engine, session_scope
from accel_orm.models import Base

NOW = datetime(2025, 6, 15, 12, 0)
MONTHS = [datetime(2025, month, 1) for month in range(1, 7)]  # 2025-01 .. 2025-06
OLDER_THAN_DAYS = 60  # NOW - 60 days = 2025-04-16: January, February and March are closed and old enough
CLOSED = MONTHS[:3]
MODEL_NAMES = ("bert-base-uncased", "t5-small", "vit-base", "whisper-tiny")
HARDWARE = (("cpu", None), ("cuda", "A100"))
RUNS_PER_MONTH = 3


@dataclass(frozen=True)
class Populated:
    engine: Engine
    results_per_month: int
    unlinked_per_month: int


def populate(engine: Engine) -> Populated:
    """Results on days 2, 10 and 27 of each month; a performance row per result, a power row for every other."""
    with session_scope(engine) as session:
        models = [Model(model_name=name, model_family="test") for name in MODEL_NAMES]
        hardware = [HardwarePlatform(hardware_type=kind, device_name=device) for kind, device in HARDWARE]
        session.add_all([*models, *hardware])
        counter = 0
        for month in MONTHS:
            for run in range(RUNS_PER_MONTH):
                when = month + timedelta(days=(1, 9, 26)[run], hours=run)
                for m_index, model in enumerate(models):
                    for h_index, platform in enumerate(hardware):
                        counter += 1
                        result = TestResult(
                            model=model,
                            hardware=platform,
                            timestamp=when,
                            test_date=when.date().isoformat(),
                            status="Success",
                            test_type="inference",
                            success=True,
                            execution_time=1.0 + m_index + 0.25 * h_index + 0.01 * counter,
                            memory_usage=100.0 * (m_index + 1),
                            details={"run": run, "counter": counter},
                        )
                        session.add(result)
                        session.flush()
                        session.add(
                            PerformanceResult(
                                model=model,
                                hardware=platform,
                                test_id=result.id,
                                batch_size=1 + run,
                                average_latency_ms=10.0 * (m_index + 1) + counter * 0.1,
                                throughput_items_per_second=100.0 / (m_index + 1),
                                test_timestamp=when,
                            )
                        )
                        if counter % 2 == 0:
                            session.add(
                                PowerMetric(
                                    model=model,
                                    hardware=platform,
                                    test_id=result.id,
                                    power_watts_avg=5.0 + h_index,
                                    test_timestamp=when,
                                )
                            )
            # A performance row measured outside any test run: archived by its own timestamp.
            session.add(
                PerformanceResult(
                    model=models[0],
                    hardware=hardware[0],
                    batch_size=64,
                    average_latency_ms=1.5,
                    test_timestamp=month + timedelta(days=14),
                )
            )
    return Populated(
        engine=engine,
        results_per_month=RUNS_PER_MONTH * len(MODEL_NAMES) * len(HARDWARE),
        unlinked_per_month=1,
    )


@pytest.fixture
def populated(engine: Engine) -> Populated:
    """The shared data, once per engine (DuckDB file and PostgreSQL)."""
    return populate(engine)


@pytest.fixture
def duck_engine(duckdb_path: Path) -> Iterator[Engine]:
    """An engine on a fresh DuckDB file, for the file-level behaviour only DuckDB has."""
    engine = get_engine(duckdb_path)
    yield engine
    engine.dispose()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
