"""archive: closed months move to hive-partitioned Parquet, read back to the same answers, and re-runs are safe."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from accel_orm import PerformanceResult, PowerMetric, TestResult, get_engine, session_scope
from accel_orm.errors import DatabaseError
from accel_orm.maintenance import archive, archive_union, archiving, check_integrity, read_archive

from .conftest import CLOSED, MONTHS, NOW, OLDER_THAN_DAYS, Populated, counts, populate

Aggregate = dict[int, tuple[int, float]]


def _db_aggregate(engine: Engine, model: type) -> Aggregate:
    """Rows and the sum of a measure per model, from the live table only."""
    measure = _measure(model)
    query = select(model.model_id, func.count(), func.sum(measure)).group_by(model.model_id)
    with engine.connect() as connection:
        return {model_id: (n, round(total or 0.0, 6)) for model_id, n, total in connection.execute(query)}


def _measure(model: type):
    return {
        TestResult: TestResult.execution_time,
        PerformanceResult: PerformanceResult.average_latency_ms,
        PowerMetric: PowerMetric.power_watts_avg,
    }[model]


def _archive_aggregate(archive_dir: Path, model: type) -> Aggregate:
    rows = read_archive(archive_dir, model.__table__).to_pylist()
    totals: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    measure = _measure(model).key
    for row in rows:
        totals[row["model_id"]][0] += 1
        totals[row["model_id"]][1] += row[measure] or 0.0
    return {model_id: (int(n), round(total, 6)) for model_id, (n, total) in totals.items()}


def _combine(*parts: Aggregate) -> Aggregate:
    combined: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    for part in parts:
        for model_id, (n, total) in part.items():
            combined[model_id][0] += n
            combined[model_id][1] += total
    return {model_id: (int(n), round(total, 6)) for model_id, (n, total) in combined.items()}


def _parquet_files(archive_dir: Path, table: str) -> list[Path]:
    return sorted((archive_dir / table).glob("year=*/month=*/*.parquet"))


def _months_in_db(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        stamps = connection.execute(select(TestResult.timestamp)).scalars()
        return {f"{stamp:%Y-%m}" for stamp in stamps}


TABLES = (TestResult, PerformanceResult, PowerMetric)


def test_closed_months_move_to_parquet_and_read_back_the_same(populated: Populated, tmp_path: Path) -> None:
    engine = populated.engine
    archive_dir = tmp_path / "archive"
    before = {model: _db_aggregate(engine, model) for model in TABLES}
    before_counts = counts(engine)

    steps: list[str] = []
    report = archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW, progress=steps.append)

    closed = [f"{month:%Y-%m}" for month in CLOSED]
    assert report.months == closed
    assert report.rows["test_results"] == populated.results_per_month * len(CLOSED)
    assert report.rows["performance_results"] == (populated.results_per_month + 1) * len(CLOSED)
    assert report.rows["power_metrics"] == populated.results_per_month // 2 * len(CLOSED)
    assert steps
    # Moved out: the database keeps exactly the recent months, untouched.
    after_counts = counts(engine)
    for name, moved in report.rows.items():
        assert after_counts[name] == before_counts[name] - moved
    assert _months_in_db(engine) == {f"{month:%Y-%m}" for month in MONTHS[len(CLOSED) :]}
    assert after_counts["models"] == before_counts["models"]
    # Hive layout, zero-padded months.
    for table in ("test_results", "performance_results", "power_metrics"):
        layout = {(f.parent.parent.name, f.parent.name) for f in _parquet_files(archive_dir, table)}
        assert layout == {("year=2025", f"month={month:%m}") for month in CLOSED}
    assert set(report.files) == {
        f for t in ("test_results", "performance_results", "power_metrics") for f in _parquet_files(archive_dir, t)
    }
    assert not list(archive_dir.glob(".staging-*"))
    # Same answers: database + archive == database before.
    for model in TABLES:
        assert _combine(_db_aggregate(engine, model), _archive_aggregate(archive_dir, model)) == before[model]
    # Archived children are still linked to archived results; the database has no orphans.
    archived_ids = set(read_archive(archive_dir, "test_results").column("id").to_pylist())
    linked = [t for t in read_archive(archive_dir, "performance_results").column("test_id").to_pylist() if t]
    assert linked and set(linked) <= archived_ids
    assert check_integrity(engine).ok
    assert "test_results" in report.to_text()
    if engine.dialect.name == "postgresql":  # whole partitions detached and dropped
        assert report.partitions_dropped == [f"test_results_{month:%Y_%m}" for month in CLOSED]
    else:
        assert report.partitions_dropped == []


def test_late_row_for_an_archived_month_is_archived_by_the_next_run(populated: Populated, tmp_path: Path) -> None:
    engine = populated.engine
    archive_dir = tmp_path / "archive"
    first = archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)
    late = datetime(2025, 1, 20, 8, 0)
    with session_scope(engine) as session:  # on PostgreSQL this recreates the dropped January partition
        session.add(TestResult(timestamp=late, test_type="inference", model_id=1, hardware_id=1, execution_time=2.0))

    second = archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)

    assert second.months == ["2025-01"]
    assert second.rows == {"test_results": 1} and second.written == {"test_results": 1}
    assert read_archive(archive_dir, "test_results").num_rows == first.rows["test_results"] + 1
    assert len(_parquet_files(archive_dir, "test_results")) == len(first.files_for("test_results")) + 1


def test_rerun_is_idempotent(populated: Populated, tmp_path: Path) -> None:
    engine = populated.engine
    archive_dir = tmp_path / "archive"
    archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)
    files = {t: _parquet_files(archive_dir, t) for t in ("test_results", "performance_results")}
    rows = read_archive(archive_dir, "test_results").num_rows
    db = counts(engine)

    again = archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)

    assert again.months == [] and again.total_rows == 0 and again.files == []
    assert "nothing to archive" in again.to_text()
    assert {t: _parquet_files(archive_dir, t) for t in files} == files
    assert read_archive(archive_dir, "test_results").num_rows == rows
    assert counts(engine) == db


def test_interrupted_run_is_completed_without_duplicates(
    populated: Populated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet written and moved, then the delete never happens: the next run deletes without re-writing."""
    engine = populated.engine
    archive_dir = tmp_path / "archive"
    before = {model: _db_aggregate(engine, model) for model in TABLES}
    db_before = counts(engine)
    real_verify = archiving._ParquetMover.verify_archived

    def crash_after_last_table(self, source, temp):  # type: ignore[no-untyped-def]
        real_verify(self, source, temp)
        if source.name == "power_metrics":
            raise DatabaseError("simulated crash before the delete")

    monkeypatch.setattr(archiving._ParquetMover, "verify_archived", crash_after_last_table)
    with pytest.raises(DatabaseError, match="simulated crash"):
        archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)
    assert counts(engine) == db_before  # nothing deleted
    written = read_archive(archive_dir, "test_results").num_rows
    assert written > 0  # but the Parquet is there
    monkeypatch.undo()

    report = archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)

    # PostgreSQL archives month by month, so the crash hit after the first month; DuckDB does all months at once.
    already = report.rows["test_results"] - report.written.get("test_results", 0)
    assert already == written  # deleted, not written twice
    assert "already in the archive" in report.to_text()
    assert read_archive(archive_dir, "test_results").num_rows == report.rows["test_results"]
    for model in TABLES:
        assert _combine(_db_aggregate(engine, model), _archive_aggregate(archive_dir, model)) == before[model]


def test_nothing_is_archived_when_no_month_is_old_enough(populated: Populated, tmp_path: Path) -> None:
    db = counts(populated.engine)
    report = archive(populated.engine, 400, tmp_path / "archive", now=NOW)
    assert report.months == [] and report.total_rows == 0
    assert counts(populated.engine) == db


def test_negative_age_is_refused(populated: Populated, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="older_than_days"):
        archive(populated.engine, -1, tmp_path)


def test_archive_union_gives_the_same_answers_in_sql(duckdb_path: Path, tmp_path: Path) -> None:
    """DuckDB: one query over ``table UNION ALL archive`` answers as the table did before archiving."""
    engine = get_engine(duckdb_path)
    try:
        populate(engine)
        archive_dir = tmp_path / "archive"

        def per_model(source) -> list[tuple[int, int, float]]:  # type: ignore[no-untyped-def]
            query = (
                select(source.c.model_id, func.count(), func.round(func.sum(source.c.execution_time), 6))
                .group_by(source.c.model_id)
                .order_by(source.c.model_id)
            )
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(query)]

        before = per_model(archive_union(TestResult.__table__, archive_dir))  # no archive yet: the table alone
        assert before == per_model(TestResult.__table__)
        archive(engine, OLDER_THAN_DAYS, archive_dir, now=NOW)
        assert per_model(TestResult.__table__) != before
        assert per_model(archive_union(TestResult.__table__, archive_dir)) == before
        # JSON and timestamps come back typed.
        union = archive_union("test_results", archive_dir)
        with engine.connect() as connection:
            details, stamp = connection.execute(
                select(union.c.details, union.c.timestamp).order_by(union.c.timestamp).limit(1)
            ).one()
        assert details["run"] == 0 and stamp.year == 2025 and stamp.month == 1
    finally:
        engine.dispose()
