"""`accel-orm query --sql` through the real console script: refusals are one clear line and exit 1, never a
traceback; `db create-reader-role` sets PostgreSQL up for it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from accel_orm import Model, get_engine, session_scope
from tests.cli.conftest import Runner
from tests.conftest import drop_roles


def _with_models(url: str) -> None:
    engine = get_engine(url)
    try:
        with session_scope(engine) as session:
            session.add_all([Model(model_name="bert-base-uncased"), Model(model_name="t5-small")])
    finally:
        engine.dispose()


def test_duckdb_copy_to_a_file_is_refused_cleanly(accel_orm: Runner, tmp_path: Path) -> None:
    db = tmp_path / "bench.duckdb"
    _with_models(str(db))
    target = tmp_path / "leak.csv"
    refused = accel_orm("--db", db, "query", "--sql", f"COPY models TO '{target}'")
    assert refused.returncode == 1
    assert refused.stderr.startswith("accel-orm: error: refused the COPY statement")
    assert "Traceback" not in refused.stderr
    assert not target.exists()
    counted = accel_orm("--db", db, "query", "--sql", "SELECT count(*) AS n FROM models", "--format", "csv")
    assert counted.returncode == 0 and counted.stdout.split() == ["n", "2"]


@pytest.mark.postgres
def test_postgresql_reader_role_set_up_by_the_command(accel_orm: Runner, pg_url: str) -> None:
    _with_models(pg_url)
    role = f"reader_{uuid.uuid4().hex[:10]}"
    sql = ["query", "--reader-role", role, "--format", "csv", "--sql"]

    missing = accel_orm("--db", pg_url, *sql, "SELECT current_user AS who, count(*) AS n FROM models")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert f"db create-reader-role {role}" in missing.stderr

    created = accel_orm("--db", pg_url, "db", "create-reader-role", role)
    try:
        assert created.returncode == 0, created.stderr
        assert f"Created the reader role {role}" in created.stdout
        assert f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}" in created.stdout
        again = accel_orm("--db", pg_url, "db", "create-reader-role", role)
        assert again.returncode == 0 and f"Updated the reader role {role}" in again.stdout

        counted = accel_orm("--db", pg_url, *sql, "SELECT current_user AS who, count(*) AS n FROM models")
        assert counted.returncode == 0, counted.stderr
        assert counted.stdout.split() == ["who,n", f"{role},2"]

        program = accel_orm("--db", pg_url, *sql, "COPY (SELECT 1) TO PROGRAM 'true'")
        assert program.returncode == 1 and "Traceback" not in program.stderr
        assert "refused" in program.stderr
    finally:
        drop_roles(pg_url, role)


def test_create_reader_role_on_duckdb_explains_there_is_no_role(accel_orm: Runner, tmp_path: Path) -> None:
    done = accel_orm("--db", tmp_path / "bench.duckdb", "db", "create-reader-role")
    assert done.returncode == 1 and "for PostgreSQL" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "bench.duckdb").exists()
