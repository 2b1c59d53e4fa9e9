"""`alembic downgrade` run directly (alembic/env.py, not `accel-orm db downgrade`) refuses to drop data.

Through the real ``alembic`` console script, from the repository root, on both engines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from accel_orm import Model, TestResult, TestResultsDBHandler, get_engine
from accel_orm.schema import revisions

REPO = Path(__file__).resolve().parents[2]


def _alembic(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("alembic", path=str(Path(sys.executable).parent))
    assert script is not None, "the alembic console script is not installed next to this interpreter"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_DB_")}
    env["PYTHONPATH"] = str(REPO)  # this checkout's accel_orm, whatever is installed
    return subprocess.run([script, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _state(url: str) -> tuple[str | None, int | None, int | None]:
    """(revision, models, test_results) of the database at ``url`` (counts None when the table is gone)."""
    engine = get_engine(url, auto_upgrade=False)
    try:
        with engine.connect() as connection:
            revision = revisions.current_revision(connection)
            tables = set(inspect(connection).get_table_names())
            models = connection.scalar(select(func.count()).select_from(Model)) if "models" in tables else None
            results = (
                connection.scalar(select(func.count()).select_from(TestResult)) if "test_results" in tables else None
            )
            return revision, models, results
    finally:
        engine.dispose()


@pytest.fixture
def stored_url(db_url: str) -> str:
    with TestResultsDBHandler(db_url=db_url) as handler:
        for model in ("bert-base-uncased", "t5-small", "whisper-tiny"):
            handler.store_test_result(
                {"model_name": model, "hardware_type": "cpu", "test_type": "inference", "success": True}
            )
    return db_url


def test_a_downgrade_that_drops_rows_is_refused_and_changes_nothing(stored_url: str) -> None:
    head = revisions.head_revision()
    refused = _alembic("-x", f"db={stored_url}", "downgrade", "base")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    message = refused.stderr
    assert "would drop data" in message
    assert "table models (3 rows)" in message and "table test_results (3 rows)" in message
    assert "Nothing was changed" in message
    assert "db downgrade base --yes" in message and "-x allow-data-loss=true downgrade base" in message
    assert _state(stored_url) == (head, 3, 3)


def test_allow_data_loss_lets_it_proceed(stored_url: str) -> None:
    done = _alembic("-x", f"db={stored_url}", "-x", "allow-data-loss=true", "downgrade", "base")
    assert done.returncode == 0, done.stderr
    assert _state(stored_url) == (None, None, None)


def test_a_downgrade_that_drops_only_empty_tables_proceeds(stored_url: str) -> None:
    """To 0004 drops change_acknowledgements, which holds nothing here: no question (rehearsed, then done)."""
    done = _alembic("-x", f"db={stored_url}", "downgrade", "0004_test_runs")
    assert done.returncode == 0, done.stderr
    assert _state(stored_url) == ("0004_test_runs", 3, 3)
    assert "change_acknowledgements" not in _tables(stored_url)
    upgraded = _alembic("-x", f"db={stored_url}", "upgrade", "head")  # and upgrades are never held up
    assert upgraded.returncode == 0, upgraded.stderr
    assert _state(stored_url) == (revisions.head_revision(), 3, 3)


def _tables(url: str) -> set[str]:
    engine = get_engine(url, auto_upgrade=False)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_a_bad_allow_data_loss_value_is_refused(stored_url: str) -> None:
    done = _alembic("-x", f"db={stored_url}", "-x", "allow-data-loss=maybe", "downgrade", "base")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "allow-data-loss=maybe: expected true or false" in done.stderr
    assert _state(stored_url) == (revisions.head_revision(), 3, 3)


def test_offline_downgrade_sql_is_not_held_up(tmp_path: Path) -> None:
    """--sql renders a script and touches no database: nothing to rehearse, nothing to refuse."""
    url = f"duckdb:///{tmp_path / 'bench.duckdb'}"
    with TestResultsDBHandler(db_url=url) as handler:
        handler.store_test_result({"model_name": "t5-small", "hardware_type": "cpu", "test_type": "inference"})
    done = _alembic("-x", f"db={url}", "downgrade", f"{revisions.head_revision()}:base", "--sql")
    assert done.returncode == 0, done.stderr
    assert "DROP TABLE models" in done.stdout
    assert _state(url) == (revisions.head_revision(), 1, 1)
