"""backup: a verified copy named by UTC time, retention of the newest N, and a backup that opens."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from accel_orm import get_engine
from accel_orm.maintenance import backup
from accel_orm.maintenance.backups import BackupToolMissingError, find_pg_tool, list_backups
from accel_orm.schema import upgrade

from .conftest import counts, populate

STAMP = re.compile(r"^bench-\d{8}T\d{6}Z\.duckdb$")


def test_duckdb_backup_is_named_by_utc_time_and_opens_with_the_same_rows(duck_engine: Engine, tmp_path: Path) -> None:
    populate(duck_engine)
    before = counts(duck_engine)
    report = backup(duck_engine, tmp_path / "backups")
    assert STAMP.match(report.path.name), report.path.name
    assert report.path.parent == (tmp_path / "backups").resolve()
    assert report.row_counts["test_results"] == before["test_results"]
    assert not [p for p in report.path.parent.iterdir() if p.name.startswith(".")]  # no partial files left
    copy = get_engine(report.path, read_only=True)  # at head: opens without an upgrade
    try:
        assert counts(copy) == before
        with copy.connect() as connection:
            assert upgrade.current_revision(connection) == upgrade.head_revision()
    finally:
        copy.dispose()
    assert counts(duck_engine) == before  # the source is untouched and still usable


WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN")
con.execute("INSERT INTO models (model_name) SELECT 'late-' || i FROM range(50) t(i)")
print("locked", flush=True)
time.sleep(1.5)
con.execute("COMMIT")
con.close()
"""


def test_duckdb_backup_waits_for_a_writer_mid_transaction(
    duck_engine: Engine, duckdb_path: Path, tmp_path: Path
) -> None:
    """Another process holds the file in an open transaction: the backup waits and includes what it committed."""
    populate(duck_engine)
    before = counts(duck_engine)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(duckdb_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
        report = backup(duck_engine, tmp_path / "backups")
    finally:
        writer.wait(timeout=30)
    assert writer.returncode == 0
    assert report.row_counts["models"] == before["models"] + 50


def test_retention_keeps_the_newest(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "backups"
    target.mkdir()
    (target / "notes.txt").write_text("not a backup")
    start = datetime(2026, 11, 26, 10, 30)
    made = [backup(engine, target, retention=3, now=start + timedelta(hours=i)).path for i in range(5)]
    suffix = made[0].suffix
    stem = made[0].name.split("-2026")[0]
    kept = list_backups(target, stem, suffix)
    assert kept == made[-3:]
    assert (target / "notes.txt").exists()
    assert made[-1].name.endswith(f"-20261126T143000Z{suffix}")
    # Two backups in the same second get distinct names, and retention keeps ordering right.
    again = backup(engine, target, retention=2, now=start + timedelta(hours=4))
    assert again.path.name.endswith(f"-20261126T143000Z-1{suffix}")
    assert list_backups(target, stem, suffix) == [made[-1], again.path]
    assert again.removed == made[-3:-1]
    assert "removed old backup" in again.to_text()


def test_retention_must_keep_at_least_one(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retention"):
        backup(engine, tmp_path, retention=0)


@pytest.mark.postgres
def test_postgresql_dump_restores_with_the_same_rows(pg_url: str, tmp_path: Path) -> None:
    engine = get_engine(pg_url)
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    restored_name = f"r_{uuid.uuid4().hex[:12]}"
    try:
        populate(engine)
        before = counts(engine)
        report = backup(engine, tmp_path / "dumps")
        assert re.match(r"^t_[0-9a-f]+-\d{8}T\d{6}Z\.dump$", report.path.name)
        assert "pg_dump" in report.tool and report.size_bytes > 0
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{restored_name}" TEMPLATE template0'))
        restored_url = make_url(pg_url).set(database=restored_name)
        pg_restore = find_pg_tool("pg_restore", 0)
        env = {"PGPASSWORD": restored_url.password or ""} if restored_url.password else None
        subprocess.run(
            [
                str(pg_restore),
                "--no-owner",
                f"--dbname={restored_url.set(drivername='postgresql', password=None).render_as_string()}",
                str(report.path),
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        restored = get_engine(restored_url)
        try:
            assert counts(restored) == before
        finally:
            restored.dispose()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_missing_pg_dump_is_a_clear_error(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from accel_orm.maintenance import backups

    monkeypatch.setattr(backups, "_PG_BIN_GLOB", str(tmp_path / "nowhere"))
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    engine = get_engine(pg_url)
    try:
        with pytest.raises(BackupToolMissingError, match="pg_dump was not found"):
            backup(engine, tmp_path / "dumps")
    finally:
        engine.dispose()
