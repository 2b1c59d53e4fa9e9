"""Statistics: how much is stored, about what, over which period, and how big the database is.

A quick answer to "what is in this database?" before running reports or maintenance. Counts come from the live
tables only; months moved to Parquet by :mod:`accel_orm.maintenance.archiving` are not included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from accel_orm.db import database_of, translate_errors
from accel_orm.maintenance._common import Progress, file_size, format_bytes, is_postgresql, report, table_counts
from accel_orm.models import HardwarePlatform, Model, TestResult

TOP = 10


@dataclass
class StatsReport:
    database: str
    engine: str
    table_counts: dict[str, int] = field(default_factory=dict)
    top_models: list[tuple[str, int]] = field(default_factory=list)  # (model_name, test_results rows)
    top_hardware: list[tuple[str, int]] = field(default_factory=list)  # ("cuda" or "cuda (A100)", rows)
    first_result: datetime | None = None
    last_result: datetime | None = None
    size_bytes: int | None = None

    def lines(self) -> list[str]:
        lines = [f"Statistics for {self.database} ({self.engine}, {format_bytes(self.size_bytes)})", "Table counts:"]
        lines += [f"- {name}: {count:,} rows" for name, count in self.table_counts.items()]
        if self.first_result is not None:
            lines.append(
                f"Test results from {self.first_result:%Y-%m-%d %H:%M:%S} to {self.last_result:%Y-%m-%d %H:%M:%S}"
            )
        lines.append("Most tested models:")
        lines += [f"- {name}: {count:,} tests" for name, count in self.top_models] or ["- (none)"]
        lines.append("Most used hardware:")
        lines += [f"- {name}: {count:,} tests" for name, count in self.top_hardware] or ["- (none)"]
        return lines

    def to_text(self) -> str:
        return "\n".join(self.lines())


def generate_stats(engine: Engine, *, top: int = TOP, progress: Progress | None = None) -> StatsReport:
    """Table counts, the ``top`` most-tested models and hardware, the test-result date range and the size."""
    result = StatsReport(database=database_of(engine).describe(), engine=engine.dialect.name)
    with translate_errors(engine), engine.connect() as connection:
        report(progress, "counting rows")
        result.table_counts = table_counts(connection)
        report(progress, "ranking models and hardware")
        result.top_models = _top_models(connection, top)
        result.top_hardware = _top_hardware(connection, top)
        result.first_result, result.last_result = connection.execute(
            select(func.min(TestResult.timestamp), func.max(TestResult.timestamp))
        ).one()
        if is_postgresql(engine):
            result.size_bytes = connection.execute(select(func.pg_database_size(func.current_database()))).scalar_one()
        connection.rollback()
    path = database_of(engine).path
    if path is not None:
        result.size_bytes = file_size(path)
    return result


def _top_models(connection: Connection, top: int) -> list[tuple[str, int]]:
    tests = func.count(TestResult.id).label("tests")
    query = (
        select(Model.model_name, tests)
        .join(TestResult, TestResult.model_id == Model.model_id)
        .group_by(Model.model_name)
        .order_by(tests.desc(), Model.model_name)
        .limit(top)
    )
    return [(name, count) for name, count in connection.execute(query)]


def _top_hardware(connection: Connection, top: int) -> list[tuple[str, int]]:
    tests = func.count(TestResult.id).label("tests")
    query = (
        select(HardwarePlatform.hardware_type, HardwarePlatform.device_name, tests)
        .join(TestResult, TestResult.hardware_id == HardwarePlatform.hardware_id)
        .group_by(HardwarePlatform.hardware_id, HardwarePlatform.hardware_type, HardwarePlatform.device_name)
        .order_by(tests.desc(), HardwarePlatform.hardware_type, HardwarePlatform.device_name)
        .limit(top)
    )
    return [
        (f"{hardware_type} ({device})" if device else hardware_type, count)
        for hardware_type, device, count in connection.execute(query)
    ]
