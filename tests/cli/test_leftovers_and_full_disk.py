"""A killed --optimize-db / --archive leaves temporary files: the next run removes its own stale ones, and only
those; a full disk gives one clean error line.

The killed jobs are real: a child process runs the job and SIGKILLs itself at the step where its temporary files
exist (the seam is the function that runs right after they were created). The full disk is a real small tmpfs
when the tests run as root (as CI does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from accel_orm import TestResultsDBHandler, get_engine
from accel_orm.leftovers import UNTAGGED_STALE_AFTER, process_alive
from tests.cli.conftest import Runner

KILL_AT = textwrap.dedent(
    """
    import os, signal, sys
    import accel_orm.maintenance.{module} as job
    from accel_orm import get_engine

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    job.{seam} = die
    engine = get_engine(sys.argv[1])
    {call}
    """
)


def _store_some(db: Path, when: datetime = datetime(2025, 1, 15)) -> None:
    results = [
        {
            "model_name": f"model-{i % 5}",
            "hardware_type": "cpu",
            "test_type": "benchmark",
            "success": True,
            "timestamp": when.replace(hour=i % 24).isoformat(),
            "performance": {"batch_size": 1, "throughput_items_per_second": float(i)},
        }
        for i in range(200)
    ]
    with TestResultsDBHandler(db_path=db) as handler:
        handler.store_test_results(results)


def _kill_during(db: Path, module: str, seam: str, call: str) -> None:
    script = KILL_AT.format(module=module, seam=seam, call=call)
    child = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, timeout=300)
    assert child.returncode == -9, child.stderr


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    return child.pid


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield child
    child.kill()
    child.wait()


def _compaction_leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".compact-" in p.name or ".pre-optimize-" in p.name)


@pytest.mark.parametrize(
    ("seam", "left"),
    [
        ("_verify_copy", ".compact-"),  # killed while the copy was being checked
        ("_reopen_and_analyze", ".pre-optimize-"),  # after the swap: the hard link pins the whole old file
    ],
)
def test_a_killed_optimize_leaves_files_the_next_optimize_removes(
    accel_orm: Runner, tmp_path: Path, live_process: subprocess.Popen[bytes], seam: str, left: str
) -> None:
    db = tmp_path / "bench.duckdb"
    _store_some(db)
    _kill_during(db, "compaction", seam, "job.optimize(engine)")
    killed = _compaction_leftovers(db)
    assert any(left in name for name in killed), killed
    # Another optimize still running (alive) owns these: they must survive.
    live = db.with_name(f".{db.name}.compact-p{live_process.pid}-{uuid.uuid4().hex[:8]}")
    live.write_bytes(b"a live job's copy")
    # An untagged leftover of an older version: removed only once it is old.
    old_untagged = db.with_name(f".{db.name}.compact-0123abcd")
    old_untagged.write_bytes(b"old")
    os.utime(old_untagged, (0, 0))  # far older than UNTAGGED_STALE_AFTER
    young_untagged = db.with_name(f".{db.name}.pre-optimize-4567cdef")
    young_untagged.write_bytes(b"young")

    done = accel_orm("--db", db, "maintenance", "--optimize-db")
    assert done.returncode == 0, done.stderr
    for name in killed:
        assert f"removed stale leftover {name} (its writer, PID" in done.stdout
        assert not (tmp_path / name).exists()
    assert f"removed stale leftover {old_untagged.name} (no owner recorded" in done.stdout
    assert not old_untagged.exists()
    assert live.exists() and young_untagged.exists()
    assert live.name not in done.stdout and young_untagged.name not in done.stdout
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM test_results").fetchone()[0] == 200
    again = accel_orm("--db", db, "maintenance", "--optimize-db")
    assert again.returncode == 0 and "stale leftover" not in again.stdout


def test_a_killed_archive_leaves_staging_the_next_archive_removes(
    accel_orm: Runner, tmp_path: Path, live_process: subprocess.Popen[bytes]
) -> None:
    db, to = tmp_path / "bench.duckdb", tmp_path / "archive"
    _store_some(db)
    # Killed after the Parquet was staged, before it was moved into place.
    _kill_during(db, "archiving", "_ParquetMover.verify_archived", f"job.archive(engine, 30, {str(to)!r})")
    staged = sorted(p.name for p in to.glob(".staging-*"))
    assert len(staged) == 1 and staged[0].startswith(".staging-p"), staged
    live = to / f".staging-p{live_process.pid}-20990101T000000Z-deadbeef"
    live.mkdir()
    (live / "part.parquet").write_bytes(b"a live run's file")

    done = accel_orm("--db", db, "maintenance", "--archive", "--older-than", "30", "--to", to)
    assert done.returncode == 0, done.stderr
    assert f"removed stale leftover {staged[0]} (its writer, PID" in done.stdout
    assert not (to / staged[0]).exists()
    assert live.is_dir() and (live / "part.parquet").exists()
    assert "test_results: 200 rows moved" in done.stdout  # and the job itself did its work


def test_a_dead_writer_is_recognised() -> None:
    assert not process_alive(_dead_pid())
    assert process_alive(os.getpid())
    assert UNTAGGED_STALE_AFTER >= 3600  # an untagged leftover younger than a job can run is never removed


# --- a full disk ------------------------------------------------------------------------------------------------


@pytest.fixture
def small_filesystem() -> Iterator[Path]:
    """A real 64 MiB tmpfs, mounted for this test (needs root, as the CI runs)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the CI runs these tests as root")
    mount_point = Path(f"/tmp/accel-orm-full-{uuid.uuid4().hex[:8]}")
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)
        mount_point.rmdir()


def _fill(directory: Path, leave_kib: int) -> Path:
    filler = directory / "filler"
    free_kib = shutil.disk_usage(directory).free // 1024
    with filler.open("wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * (1024 * 1024)
        remaining = (free_kib - leave_kib) * 1024
        while remaining > 0:
            handle.write(chunk[: min(len(chunk), remaining)])
            remaining -= len(chunk)
    return filler


def _pending_wal(db: Path, rows: int) -> None:
    """Rows that only the write-ahead log holds (a process that died before its checkpoint)."""
    script = (
        "import duckdb, os, sys\n"
        "c = duckdb.connect(sys.argv[1])\n"
        "c.execute(\"SET checkpoint_threshold = '10GB'\")\n"
        "c.execute(\"INSERT INTO models (model_name) SELECT 'wal-model-' || i FROM range(" + str(rows) + ') t(i)")\n'
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db)], check=True, timeout=120)


def test_optimize_on_a_full_disk_prints_only_the_clean_error(accel_orm: Runner, small_filesystem: Path) -> None:
    db = small_filesystem / "bench.duckdb"
    get_engine(db).dispose()
    _pending_wal(db, 200_000)
    assert db.with_name(db.name + ".wal").exists()
    filler = _fill(small_filesystem, leave_kib=100)

    done = accel_orm("--db", db, "maintenance", "--optimize-db")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # no "Exception during reset" traceback from the connection pool
    assert lines[0].startswith(f"accel-orm: error: not enough disk space to optimize {db}")
    assert "No space left on device" in lines[0] and f"free space in {small_filesystem}" in lines[0]
    assert "Traceback" not in done.stderr
    assert not [p for p in small_filesystem.iterdir() if ".compact-" in p.name or ".pre-optimize-" in p.name]

    filler.unlink()  # with room again, nothing was lost and the job works
    again = accel_orm("--db", db, "maintenance", "--optimize-db")
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM models").fetchone()[0] == 200_000
