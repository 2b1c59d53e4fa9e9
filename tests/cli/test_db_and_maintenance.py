"""``accel-orm db ...`` and ``accel-orm maintenance ...`` through the real console script."""

from __future__ import annotations

from pathlib import Path

import duckdb

from accel_orm import TestResultsDBHandler
from accel_orm.demo_data import generate_history
from tests.cli.conftest import Runner


def _populated(path: Path) -> Path:
    with TestResultsDBHandler(db_path=path) as handler:
        handler.store_test_results(generate_history(days=40))  # reaches into last month
    return path


def test_help_everywhere(accel_orm: Runner) -> None:
    for args in ([], ["db"], ["maintenance"]):
        done = accel_orm(*args, "--help")
        assert done.returncode == 0, done.stderr
        assert "usage: accel-orm" in done.stdout


def test_db_upgrade_current_history_downgrade(accel_orm: Runner, tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    done = accel_orm("--db", db, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout and "test_results" in done.stdout
    assert "0001_initial_schema" in accel_orm("db", "history").stdout
    done = accel_orm("--db", db, "db", "downgrade", "base")
    assert done.returncode == 0, done.stderr
    assert "revision: none" in done.stdout
    assert "revision: none" in accel_orm("--db", db, "db", "current").stdout


def _alembic_says(db: Path) -> tuple[str | None, str, list[str]]:
    """Revision, head and tables as Alembic itself reads them (what `db current` printed when it used Alembic)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, inspect

    from accel_orm.schema.upgrade import alembic_config

    engine = create_engine(f"duckdb:///{db}")
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            tables = sorted(
                row[0]
                for row in connection.exec_driver_sql("SELECT table_name FROM duckdb_tables()")
                if row[0] != "alembic_version"
            )
            assert inspect(connection).has_table("alembic_version") or revision is None
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return revision, head, tables


def test_db_current_prints_what_alembic_reads(accel_orm: Runner, tmp_path: Path) -> None:
    """At head, behind head and at base: the same three lines, with Alembic's revision and head."""
    db = tmp_path / "x.duckdb"
    assert accel_orm("--db", db, "db", "upgrade").returncode == 0
    for step in (None, "-1", "base"):
        if step is not None:
            assert accel_orm("--db", db, "db", "downgrade", step).returncode == 0
        revision, head, tables = _alembic_says(db)
        done = accel_orm("--db", db, "db", "current")
        assert done.returncode == 0, done.stderr
        marker = "" if revision is None else " (head)" if revision == head else f" (head is {head})"
        assert done.stdout.splitlines() == [
            f"database: {db}",
            f"revision: {revision or 'none'}{marker}",
            f"tables:   {', '.join(tables) if tables else '(none)'}",
        ]
        assert done.stderr == ""


def test_bad_flags_and_bad_revision_exit_non_zero(accel_orm: Runner, tmp_path: Path) -> None:
    assert accel_orm("--no-such-flag").returncode == 2
    assert accel_orm("--db", tmp_path / "x.duckdb", "db", "upgrade").returncode == 0
    done = accel_orm("--db", tmp_path / "x.duckdb", "db", "downgrade", "no_such_revision")
    assert done.returncode == 1
    assert "accel-orm: error:" in done.stderr and "no_such_revision" in done.stderr
    assert accel_orm("maintenance", "--archive").returncode == 2


def test_not_a_database_is_a_clear_error(accel_orm: Runner, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello")
    done = accel_orm("--db", bogus, "maintenance", "--generate-stats")
    assert done.returncode == 1
    assert "is not a DuckDB database file" in done.stderr
    assert "Traceback" not in done.stderr


def test_integrity_finds_a_planted_orphan(accel_orm: Runner, tmp_path: Path) -> None:
    db = _populated(tmp_path / "bench.duckdb")
    done = accel_orm("--db", db, "maintenance", "--check-integrity")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ": OK" in done.stdout
    with duckdb.connect(str(db)) as connection:
        connection.execute(
            "UPDATE power_metrics SET test_id = 987654321 WHERE id = (SELECT min(id) FROM power_metrics)"
        )
    done = accel_orm("--db", db, "maintenance", "--check-integrity")
    assert done.returncode == 1
    assert "power_metrics.test_id -> test_results.id" in done.stdout
    assert "987654321" in done.stdout


def test_stats_optimize_backup_archive(accel_orm: Runner, tmp_path: Path) -> None:
    db = _populated(tmp_path / "bench.duckdb")
    stats = accel_orm("--db", db, "maintenance", "--generate-stats")
    assert stats.returncode == 0 and "test_results:" in stats.stdout and "bert-base-uncased" in stats.stdout
    optimized = accel_orm("--db", db, "maintenance", "--optimize-db")
    assert optimized.returncode == 0, optimized.stderr
    assert "size before" in optimized.stdout and "size after" in optimized.stdout
    for _ in range(3):
        assert (
            accel_orm("--db", db, "maintenance", "--backup", "--backup-dir", "bk", "--retention", "2").returncode == 0
        )
    assert len(list((tmp_path / "bk").glob("bench-*.duckdb"))) == 2
    archived = accel_orm("--db", db, "maintenance", "--archive", "--older-than", "0", "--to", "archive")
    assert archived.returncode == 0, archived.stderr
    assert list((tmp_path / "archive").rglob("*.parquet"))
    assert accel_orm("--db", db, "maintenance", "--check-integrity").returncode == 0


def test_quiet_prints_nothing_but_results(accel_orm: Runner, tmp_path: Path) -> None:
    db = _populated(tmp_path / "bench.duckdb")
    done = accel_orm("--quiet", "--db", db, "maintenance", "--backup", "--backup-dir", "bk")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


def test_db_may_follow_the_subcommand(accel_orm: Runner, tmp_path: Path) -> None:
    """The old tools took ``--db`` after the command; both places work, the later one wins."""
    db = tmp_path / "after.duckdb"
    done = accel_orm("--db", tmp_path / "ignored.duckdb", "db", "--db", db, "upgrade")
    assert done.returncode == 0, done.stderr
    assert str(db) in done.stdout
    assert not (tmp_path / "ignored.duckdb").exists()
