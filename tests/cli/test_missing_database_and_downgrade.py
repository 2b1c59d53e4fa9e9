"""Only commands that write may create a database; a downgrade that would drop data asks for --yes and backs up
first. Through the real console script."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, inspect, select

from accel_orm import Model, TestResult, TestResultsDBHandler, get_engine
from accel_orm.schema import upgrade
from tests.cli.conftest import Runner

READ_COMMANDS = {
    "db_current": ["db", "current"],
    "db_downgrade": ["db", "downgrade", "-1"],
    "query_report": ["query", "--report", "summary"],
    "query_sql": ["query", "--sql", "SELECT 1"],
    "report": ["report"],
    "check_integrity": ["maintenance", "--check-integrity"],
    "generate_stats": ["maintenance", "--generate-stats"],
    "backup": ["maintenance", "--backup", "--backup-dir", "bk"],
}


@pytest.mark.parametrize("command", READ_COMMANDS.values(), ids=READ_COMMANDS.keys())
def test_a_missing_database_is_reported_and_not_created(accel_orm: Runner, tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    missing = folder / "nothing-here.duckdb"
    done = accel_orm("--db", missing, *command)
    assert done.returncode == 1
    assert f"there is no database at {missing}" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "bk").exists()


def test_db_history_needs_no_database_and_creates_none(accel_orm: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.duckdb"
    done = accel_orm("--db", missing, "db", "history")
    assert done.returncode == 0 and "0001_initial_schema" in done.stdout
    assert not missing.exists()


def _store(url: str) -> None:
    with TestResultsDBHandler(db_url=url) as handler:
        for model in ("bert-base-uncased", "t5-small", "whisper-tiny"):
            handler.store_test_result(
                {"model_name": model, "hardware_type": "cpu", "test_type": "inference", "success": True}
            )


def _state(url: str) -> tuple[str | None, int | None]:
    engine = get_engine(url, auto_upgrade=False)
    try:
        with engine.connect() as connection:
            revision = upgrade.current_revision(connection)
            if "models" not in inspect(connection).get_table_names():
                return revision, None
            return revision, connection.execute(select(func.count()).select_from(Model)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def stored_url(db_url: str) -> str:
    _store(db_url)
    return db_url


def test_downgrade_that_drops_data_needs_yes_and_backs_up_first(
    accel_orm: Runner, stored_url: str, tmp_path: Path
) -> None:
    head = upgrade.head_revision()
    refused = accel_orm("--db", stored_url, "db", "downgrade", "base")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "would drop data" in refused.stderr and "--yes" in refused.stderr
    assert "table models (3 rows)" in refused.stderr and "table test_results (3 rows)" in refused.stderr
    assert _state(stored_url) == (head, 3), "a refused downgrade changes nothing"
    assert not (tmp_path / "bk").exists()

    done = accel_orm("--db", stored_url, "db", "downgrade", "base", "--yes", "--backup-dir", tmp_path / "bk")
    assert done.returncode == 0, done.stderr
    printed = next(line for line in done.stdout.splitlines() if line.startswith("backup before the downgrade: "))
    backup = Path(printed.removeprefix("backup before the downgrade: "))
    assert backup.parent == tmp_path / "bk" and backup.is_file() and backup.stat().st_size > 0
    assert _state(stored_url) == (None, None)
    if stored_url.startswith("duckdb"):
        with duckdb.connect(str(backup), read_only=True) as copy:
            assert copy.execute("SELECT count(*) FROM test_results").fetchall() == [(3,)]


def test_downgrade_that_drops_only_empty_tables_needs_no_yes(
    accel_orm: Runner, stored_url: str, tmp_path: Path
) -> None:
    """From head, -1 drops the import ledger, which holds nothing here: no question, no backup."""
    done = accel_orm("--db", stored_url, "db", "downgrade", "-1", "--backup-dir", tmp_path / "bk")
    assert done.returncode == 0, done.stderr
    assert "backup" not in done.stdout
    assert not (tmp_path / "bk").exists()
    revision, models = _state(stored_url)
    assert revision != upgrade.head_revision() and models == 3
    engine = get_engine(stored_url, auto_upgrade=False)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(TestResult)).scalar_one() == 3
    finally:
        engine.dispose()
