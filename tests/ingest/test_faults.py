"""Faults a writer meets: a locked DuckDB file, a file that is no database, many PostgreSQL writers at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from accel_orm import (
    ConstraintViolationError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    HardwarePlatform,
    Model,
    PerformanceResult,
    TestResult,
    TestResultsDBHandler,
    session_scope,
)
from tests.concurrency import at_once
from tests.locking import hold_lock


def _result(i: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "model_name": f"model-{i % 7}",
        "hardware_type": ["cpu", "cuda", "webgpu"][i % 3],
        "device_name": "chrome" if i % 3 == 2 else None,
        "test_type": "inference",
        "success": True,
        **extra,
    }


def test_a_second_writer_gets_a_locked_error_naming_file_and_holder(duckdb_path: Path) -> None:
    handler = TestResultsDBHandler(db_path=duckdb_path, lock_timeout=1.0)
    holder = hold_lock(duckdb_path, 60)
    try:
        with pytest.raises(DatabaseLockedError) as raised:
            handler.store_test_result(_result())
    finally:
        holder.kill()
        holder.wait()
    message = str(raised.value)
    assert str(duckdb_path) in message and f"PID {holder.pid}" in message
    assert "close the other program" in message
    # Once the other process is gone the same handler works again.
    assert handler.store_test_result(_result()) is True
    handler.close()


def test_a_writer_waits_while_another_finishes(duckdb_path: Path) -> None:
    handler = TestResultsDBHandler(db_path=duckdb_path, lock_timeout=30.0)
    holder = hold_lock(duckdb_path, 1.0)
    try:
        report = handler.store_test_results([_result(i) for i in range(10)])
    finally:
        holder.wait(timeout=60)
    assert report.stored == 10
    handler.close()


def test_a_file_that_is_no_database_is_refused_and_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "benchmark_db.duckdb"
    content = b"SQLite format 3\x00" + bytes(range(256)) * 40
    path.write_bytes(content)
    with pytest.raises(DatabaseUnavailableError, match="not a DuckDB database file") as raised:
        TestResultsDBHandler(db_path=path)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content


def test_handler_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        TestResultsDBHandler(db_path=tmp_path / "a.duckdb", db_url="duckdb:///b.duckdb")
    handler = TestResultsDBHandler(db_path=tmp_path / "a.duckdb")
    handler.close()
    handler.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        handler.store_test_result(_result())


def test_default_location_is_the_resolver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(tmp_path / "from_env.duckdb"))
    with TestResultsDBHandler() as handler:
        handler.store_test_result(_result())
    assert (tmp_path / "from_env.duckdb").exists()


def _store_batch(url: str, worker: int, barrier: Any) -> int:
    # Every worker writes into months that have no partition yet, and names the same new models and hardware.
    results = [
        _result(
            i,
            timestamp=datetime(2031, 1 + (i + worker) % 12, 1 + i % 28, 12).isoformat(),
            performance={"batch_size": 1, "throughput_items_per_second": float(i)},
        )
        for i in range(5000)
    ]
    with TestResultsDBHandler(db_url=url) as handler:
        barrier.wait(timeout=120)
        return handler.store_test_results(results).stored


@pytest.mark.postgres
def test_eight_postgresql_writers_at_once(pg_url: str) -> None:
    TestResultsDBHandler(db_url=pg_url).close()  # migrate once, as a deployment would
    workers = 8
    stored = at_once(_store_batch, [(pg_url, w) for w in range(workers)])
    assert stored == [5000] * workers
    with TestResultsDBHandler(db_url=pg_url) as handler, session_scope(handler.engine) as session:
        assert session.scalar(select(func.count()).select_from(TestResult)) == 40_000
        assert session.scalar(select(func.count()).select_from(PerformanceResult)) == 40_000
        assert session.scalar(select(func.count()).select_from(Model)) == 7
        assert session.scalar(select(func.count()).select_from(HardwarePlatform)) == 3
        months = session.scalar(select(func.count(func.distinct(func.date_trunc("month", TestResult.timestamp)))))
        assert months == 12


def test_a_refusal_by_the_database_is_a_constraint_error_and_writes_nothing(db_url: str) -> None:
    """Validation catches bad input; a conflict only the database can see still leaves as our own error."""
    with TestResultsDBHandler(db_url=db_url) as handler:
        handler.store_test_result(_result(timestamp="2025-03-01T00:00:00"))
        with session_scope(handler.engine) as session:
            stored = session.scalars(select(TestResult)).one()
            # Plant a row holding the id the sequence hands out next, so the bulk insert collides with it.
            next_id = stored.id + 1
            session.add(
                TestResult(
                    id=next_id,
                    timestamp=stored.timestamp,
                    test_type="planted",
                    model_id=stored.model_id,
                    hardware_id=stored.hardware_id,
                )
            )
        with pytest.raises(ConstraintViolationError, match="refused the write"):
            handler.store_test_results([_result(i, timestamp="2025-03-01T00:00:00") for i in range(3)])
        with session_scope(handler.engine) as session:
            assert session.scalar(select(func.count()).select_from(TestResult)) == 2
