"""`alembic upgrade head --sql` writes a script that applies cleanly by the engine's own client and leaves a
database `alembic check` finds equal to the models; a failing alembic command leaves no database file behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.engine import make_url

from accel_orm.maintenance.backups import find_pg_tool
from accel_orm.schema import upgrade

REPO = Path(__file__).resolve().parents[2]


def _alembic(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def _offline_script(url: str) -> str:
    done = _alembic("-x", f"db={url}", "upgrade", "head", "--sql")
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE models" in done.stdout
    return done.stdout


def _assert_check_clean(url: str) -> None:
    checked = _alembic("-x", f"db={url}", "check")
    assert checked.returncode == 0, f"alembic check found differences:\n{checked.stdout}\n{checked.stderr}"
    assert "No new upgrade operations detected" in checked.stdout


def test_offline_sql_applies_on_duckdb_and_matches_the_models(tmp_path: Path) -> None:
    target = tmp_path / "offline.duckdb"
    script = _offline_script(str(target))
    assert not target.exists(), "rendering the script must not create the database"
    with duckdb.connect(str(target)) as connection:
        connection.execute(script)  # the duckdb client runs the whole script, BEGIN ... COMMIT
        assert connection.sql("SELECT version_num FROM alembic_version").fetchall() == [(upgrade.head_revision(),)]
    _assert_check_clean(str(target))


@pytest.mark.postgres
def test_offline_sql_applies_with_psql_and_matches_the_models(pg_url: str, tmp_path: Path) -> None:
    script = _offline_script(pg_url)
    # The partition function's format('%I ... %L') must reach psql as written, not escaped for a driver.
    assert "%%" not in script and "format(" in script and "%I PARTITION OF" in script
    (tmp_path / "upgrade.sql").write_text(script, encoding="utf-8")
    url = make_url(pg_url)
    psql = find_pg_tool("psql", server_major=0)
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    applied = subprocess.run(
        [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url, "-f", str(tmp_path / "upgrade.sql")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stderr
    _assert_check_clean(pg_url)


def test_failing_alembic_command_creates_no_database_file(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent.duckdb"
    done = _alembic("-x", f"db={missing}", "downgrade", "-1")
    assert done.returncode != 0
    assert "-1" in done.stderr
    assert list(tmp_path.iterdir()) == []
