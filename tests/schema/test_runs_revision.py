"""Revision 0004 (runs and the later tools' columns): a turn-one database upgrades keeping every row, and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from accel_orm import get_engine
from accel_orm.schema import upgrade
from accel_orm.schema.partitions import ensure_test_result_partitions

WHEN = datetime(2025, 3, 5, 19, 57, 14)
COUNTED = (
    "models",
    "hardware_platforms",
    "test_results",
    "performance_results",
    "hardware_compatibility",
    "power_metrics",
    "import_ledger",
)


def _fill_revision_0003(engine: Engine) -> None:
    """Rows as revision-0003 code wrote them (plain SQL: today's writers know columns 0003 does not have)."""
    ensure_test_result_partitions(engine, [WHEN.replace(month=2), WHEN])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO models (model_name) VALUES ('bert-base-uncased'), ('vit-base')"))
        connection.execute(text("INSERT INTO hardware_platforms (hardware_type, device_name) VALUES ('cpu', 'x')"))
        for month in (2, 3):
            connection.execute(
                text(
                    "INSERT INTO test_results (timestamp, test_date, status, test_type, model_id, hardware_id, "
                    "success, details) SELECT :ts, '2025-03-05', 'Success', 'inference', m.model_id, "
                    "h.hardware_id, true, '{\"batch_size\": 4}' FROM models m, hardware_platforms h"
                ),
                {"ts": WHEN.replace(month=month)},
            )
        connection.execute(
            text(
                "INSERT INTO performance_results (model_id, hardware_id, batch_size, average_latency_ms, "
                "test_timestamp, test_id) SELECT model_id, hardware_id, 4, 5.5, timestamp, id FROM test_results"
            )
        )
        connection.execute(
            text(
                "INSERT INTO power_metrics (test_id, model_id, hardware_id, power_watts_avg, test_timestamp) "
                "SELECT id, model_id, hardware_id, 3.2, timestamp FROM test_results"
            )
        )
        connection.execute(
            text(
                "INSERT INTO hardware_compatibility (model_id, hardware_id, compatibility_status, last_tested) "
                "SELECT m.model_id, h.hardware_id, CASE WHEN m.model_name = 'vit-base' THEN 'unsupported' "
                "ELSE 'limited' END, :ts FROM models m, hardware_platforms h"
            ),
            {"ts": WHEN},
        )
        connection.execute(
            text(
                "INSERT INTO import_ledger (content_sha256, source_path, file_size, results_count, results_stored, "
                "imported_at) VALUES (:sha, '/r.json', 10, 1, 1, :ts)"
            ),
            {"sha": "a" * 64, "ts": WHEN},
        )


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in COUNTED}


@pytest.fixture
def engine_at_0003(db_url: str) -> Engine:
    engine = get_engine(db_url, auto_upgrade=False)
    upgrade.upgrade(engine, "0003_import_ledger")
    _fill_revision_0003(engine)
    yield engine
    engine.dispose()


def test_upgrade_from_0003_keeps_every_row_and_fills_the_new_columns(engine_at_0003: Engine) -> None:
    before = _counts(engine_at_0003)
    upgrade.upgrade(engine_at_0003)
    assert _counts(engine_at_0003) == before
    with engine_at_0003.connect() as connection:
        simulated = (
            connection.execute(
                text(
                    "SELECT DISTINCT is_simulated FROM test_results UNION SELECT DISTINCT is_simulated FROM "
                    "performance_results UNION SELECT DISTINCT is_simulated FROM hardware_platforms"
                )
            )
            .scalars()
            .all()
        )
        assert simulated == [False]  # existing results were measured on real hardware
        assert (
            connection.execute(
                text("SELECT count(*) FROM performance_results WHERE created_at = test_timestamp")
            ).scalar_one()
            == before["performance_results"]
        )
        verdicts = dict(
            connection.execute(
                text("SELECT compatibility_status, is_compatible FROM hardware_compatibility WHERE created_at = :ts"),
                {"ts": WHEN},
            ).all()
        )
        assert verdicts == {"limited": True, "unsupported": False}
        assert connection.execute(text("SELECT count(*) FROM test_results WHERE run_id IS NULL")).scalar_one() == 4
        assert connection.execute(text("SELECT count(*) FROM test_runs")).scalar_one() == 0


def test_downgrade_to_0003_keeps_rows_and_removes_runs(engine_at_0003: Engine) -> None:
    before = _counts(engine_at_0003)
    upgrade.upgrade(engine_at_0003)
    upgrade.downgrade(engine_at_0003, "0003_import_ledger")
    assert _counts(engine_at_0003) == before
    with engine_at_0003.connect() as connection:
        assert "test_runs" not in inspect(connection).get_table_names()
    upgrade.upgrade(engine_at_0003)  # and up again (DuckDB reuses the columns it kept)
    assert _counts(engine_at_0003) == before


@pytest.mark.postgres
def test_postgresql_enforces_run_references_outside_the_partitioned_table(pg_url: str) -> None:
    engine = get_engine(pg_url)
    try:
        with pytest.raises(IntegrityError, match="fk_performance_results_run_id_test_runs"), engine.begin() as c:
            c.execute(text("INSERT INTO models (model_name) VALUES ('m')"))
            c.execute(text("INSERT INTO hardware_platforms (hardware_type) VALUES ('cpu')"))
            c.execute(
                text(
                    "INSERT INTO performance_results (model_id, hardware_id, run_id) "
                    "SELECT model_id, hardware_id, 999 FROM models, hardware_platforms"
                )
            )
    finally:
        engine.dispose()


# Queries in the style of the replaced system's later tools, naming the columns revision 0004 adds.
LATER_TOOLS_SQL = (
    "SELECT m.model_name, m.modality, pr.precision, pr.test_case, ROW_NUMBER() OVER (PARTITION BY m.model_id, "
    "pr.batch_size, pr.precision ORDER BY pr.created_at DESC) AS rn FROM performance_results pr JOIN models m "
    "ON pr.model_id = m.model_id WHERE pr.is_simulated = FALSE",
    "SELECT count(CASE WHEN hc.is_compatible THEN 1 END) AS compatible, max(hc.created_at) AS last_tested "
    "FROM hardware_compatibility hc",
    "SELECT tr.id, tr.is_simulated, tr.simulation_reason, tr.error_category, tr.run_id FROM test_results tr "
    "WHERE tr.is_simulated IS NOT TRUE",
    "SELECT hp.hardware_type, hp.is_simulated, hp.simulation_reason, hp.description FROM hardware_platforms hp",
    "SELECT run_id, test_name, test_type, started_at, completed_at, execution_time_seconds, success, git_commit, "
    "git_branch, command_line, metadata, created_at FROM test_runs ORDER BY started_at DESC",
)


def test_later_tools_queries_run_on_an_upgraded_database(
    engine_at_0003: Engine, db_url: str, make_reader_role: Any
) -> None:
    from accel_orm.frames import run_read_only_sql

    upgrade.upgrade(engine_at_0003)
    # Hand-written SQL on PostgreSQL runs as a reader role (accel-orm db create-reader-role).
    role = make_reader_role(db_url) if db_url.startswith("postgresql") else "accel_orm_reader"
    frames = [run_read_only_sql(db_url, sql, reader_role=role) for sql in LATER_TOOLS_SQL]
    assert [len(frame) for frame in frames] == [4, 1, 4, 1, 0]
    assert frames[1].iloc[0]["compatible"] == 1  # 'limited' counts as compatible, 'unsupported' does not
