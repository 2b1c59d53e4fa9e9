"""The embedded DuckDB engine: file handling, locking, UTC, and hand-written SQL over the documented tables."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import inspect, select, text

from accel_orm import (
    DatabaseLockedError,
    DatabaseUnavailableError,
    HardwarePlatform,
    Model,
    PerformanceResult,
    TestResult,
    get_engine,
    session_scope,
)
from tests.locking import hold_lock


def test_engine_does_not_keep_the_file_locked(duckdb_path: Path) -> None:
    engine = get_engine(duckdb_path)
    with session_scope(engine) as session:
        session.add(Model(model_name="bert-base-uncased"))
    # The engine is still alive, yet another process can open the file for writing.
    probe = (
        "import duckdb, sys; print(duckdb.connect(sys.argv[1]).execute('SELECT count(*) FROM models').fetchone()[0])"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(duckdb_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    engine.dispose()


def test_a_locked_file_raises_after_the_timeout_naming_file_and_holder(duckdb_path: Path) -> None:
    get_engine(duckdb_path).dispose()
    holder = hold_lock(duckdb_path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as raised:
            get_engine(duckdb_path, lock_timeout=1.0)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    message = str(raised.value)
    assert str(duckdb_path) in message
    assert f"PID {holder.pid}" in message
    assert "PostgreSQL" in message
    assert waited >= 1.0


def test_a_writer_waits_for_the_lock_to_be_released(duckdb_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    get_engine(duckdb_path).dispose()
    holder = hold_lock(duckdb_path, 1.5)
    try:
        with caplog.at_level(logging.WARNING, logger="accel_orm.db"):
            engine = get_engine(duckdb_path, lock_timeout=30)
        # It got in only once the holder had let go: the holder has finished (or is finishing) by now.
        assert holder.wait(timeout=30) == 0
        with session_scope(engine) as session:
            session.add(Model(model_name="t5-small"))
        engine.dispose()
    finally:
        holder.kill()
        holder.wait()
    waits = [record.getMessage() for record in caplog.records if "waiting up to" in record.getMessage()]
    assert len(waits) == 1, caplog.text  # said once, not once per retry
    assert f"in use by PID {holder.pid}" in waits[0] and str(duckdb_path) in waits[0]
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        assert connection.execute("SELECT model_name FROM models").fetchall() == [("t5-small",)]


def test_a_file_that_is_not_a_duckdb_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    content = b'{"model": "bert", "these are": "json results, not a database"}' * 50
    path.write_bytes(content)
    with pytest.raises(DatabaseUnavailableError, match="not a DuckDB database file") as raised:
        get_engine(path)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content
    assert not Path(f"{path}.wal").exists()


def test_a_truncated_database_file_is_refused(duckdb_path: Path) -> None:
    get_engine(duckdb_path).dispose()
    data = duckdb_path.read_bytes()
    duckdb_path.write_bytes(data[:5000])
    with pytest.raises(DatabaseUnavailableError) as raised:
        get_engine(duckdb_path)
    assert str(duckdb_path) in str(raised.value)


def test_a_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        get_engine(tmp_path / "no" / "such" / "dir" / "x.duckdb")


@pytest.fixture
def unwritable_directory() -> Iterator[Path]:
    """A directory nobody can create files in. Root ignores permission bits, so as root it is made immutable."""
    directory = Path(tempfile.mkdtemp(prefix="accel-orm-ro-"))
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(directory)], check=True)
    else:
        directory.chmod(0o500)
    try:
        yield directory
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        directory.chmod(0o700)
        shutil.rmtree(directory)


def test_an_unwritable_directory_is_reported(unwritable_directory: Path) -> None:
    with pytest.raises(DatabaseUnavailableError, match="not writable") as raised:
        get_engine(unwritable_directory / "x.duckdb")
    assert str(unwritable_directory) in str(raised.value)


def test_timestamps_round_trip_as_naive_utc(duckdb_path: Path) -> None:
    engine = get_engine(duckdb_path)
    when = datetime(2025, 3, 5, 23, 59, 59, 123456)
    with session_scope(engine) as session:
        session.add(
            TestResult(
                model=Model(model_name="m"),
                hardware=HardwarePlatform(hardware_type="cpu"),
                timestamp=when,
                test_type="inference",
            )
        )
    with session_scope(engine) as session:
        assert session.scalar(select(TestResult.timestamp)) == when
    engine.dispose()


def test_hand_written_duckdb_sql_over_the_documented_tables(duckdb_path: Path) -> None:
    engine = get_engine(duckdb_path)
    with session_scope(engine) as session:
        model = Model(model_name="bert-base-uncased", model_family="text_embedding")
        chrome = HardwarePlatform(hardware_type="webgpu", device_name="chrome")
        test = TestResult(
            model=model,
            hardware=chrome,
            timestamp=datetime(2025, 3, 5),
            test_date="2025-03-05",
            status="Success",
            test_type="inference",
            success=True,
            details={"optimization_type": "compute_shaders", "batch_size": 1},
        )
        test.performance_results.append(
            PerformanceResult(
                model=model, hardware=chrome, batch_size=1, average_latency_ms=5.2, throughput_items_per_second=190.0
            )
        )
        session.add(test)
    engine.dispose()

    connection = duckdb.connect(str(duckdb_path))
    try:
        optimization = connection.execute(
            "SELECT tr.details->>'optimization_type', m.model_name FROM test_results tr "
            "JOIN models m ON tr.model_id = m.model_id"
        ).fetchall()
        assert optimization == [("compute_shaders", "bert-base-uncased")]
        performance = connection.execute(
            """
            SELECT h.hardware_type, p.batch_size, p.average_latency_ms, p.throughput_items_per_second, p.memory_peak_mb
            FROM performance_results p
            JOIN models m ON p.model_id = m.model_id
            JOIN hardware_platforms h ON p.hardware_id = h.hardware_id
            WHERE m.model_name = 'bert-base-uncased'
            ORDER BY p.throughput_items_per_second DESC
            """
        ).fetchall()
        assert performance == [("webgpu", 1, 5.2, 190.0, None)]
        matrix = connection.execute(
            """
            SELECT m.model_name, m.model_family,
                   MAX(CASE WHEN h.hardware_type = 'cpu' THEN 1 ELSE 0 END) AS cpu_support,
                   MAX(CASE WHEN h.hardware_type = 'webgpu' THEN 1 ELSE 0 END) AS webgpu_support
            FROM models m
            LEFT JOIN test_results tr ON m.model_id = tr.model_id
            LEFT JOIN hardware_platforms h ON tr.hardware_id = h.hardware_id
            GROUP BY m.model_name, m.model_family
            """
        ).fetchall()
        assert matrix == [("bert-base-uncased", "text_embedding", 0, 1)]
        tables = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {
            "models",
            "hardware_platforms",
            "test_results",
            "performance_results",
            "hardware_compatibility",
            "power_metrics",
        } <= tables
    finally:
        connection.close()


def test_reflection_reads_duckdb_catalog(duckdb_path: Path) -> None:
    """The project-owned reflection layer (duckdb-engine's own is broken on SQLAlchemy 2.1)."""
    engine = get_engine(duckdb_path)
    inspector = inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("test_results")}
    assert type(columns["details"]["type"]).__name__ == "JSON"
    assert type(columns["execution_time"]["type"]).__name__ == "Double"
    assert columns["timestamp"]["nullable"] is False
    assert inspector.get_pk_constraint("models")["constrained_columns"] == ["model_id"]
    foreign_keys = {
        (tuple(fk["constrained_columns"]), fk["referred_table"])
        for fk in inspector.get_foreign_keys("performance_results")
    }
    assert foreign_keys == {(("model_id",), "models"), (("hardware_id",), "hardware_platforms")}
    indexes = {index["name"]: index for index in inspector.get_indexes("hardware_platforms")}
    device_index = indexes["uq_hardware_platforms_type_device"]
    assert device_index["unique"] is True
    assert device_index["column_names"][0] == "hardware_type"
    assert "COALESCE" in device_index["expressions"][1].upper()
    assert "test_results_id_seq" in inspector.get_sequence_names()
    engine.dispose()


def test_has_table_reads_duckdb_catalog(duckdb_path: Path) -> None:
    """Tables and views are found (Alembic asks for alembic_version on every open); absent names are not."""
    engine = get_engine(duckdb_path)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE VIEW recent_models AS SELECT model_name FROM models"))
            assert engine.dialect.has_table(connection, "alembic_version")
            assert engine.dialect.has_table(connection, "recent_models")
            assert not engine.dialect.has_table(connection, "no_such_table")
            assert not engine.dialect.has_table(connection, "models", schema="no_such_schema")
    finally:
        engine.dispose()
