"""A DuckDB file held by another process: the command says at once who holds it and that it waits; --lock-timeout."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from accel_orm import get_engine
from tests.cli.conftest import Runner
from tests.locking import hold_lock

A_LONG_TIME = 120.0  # seconds; the holder outlives any wait these tests expect, the tests release it themselves


def test_lock_timeout_flag_bounds_the_wait_and_names_the_holder(accel_orm: Runner, tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    get_engine(db).dispose()
    holder = hold_lock(db, A_LONG_TIME)
    try:
        done = accel_orm("--db", db, "--lock-timeout", "0.5", "query", "--report", "hardware")
        after_the_command = accel_orm("--db", db, "query", "--lock-timeout", "0", "--report", "hardware")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert f"in use by PID {holder.pid}" in done.stderr  # said while waiting
    assert "waiting up to 0.5 s" in done.stderr
    assert f"locked by another process: PID {holder.pid}" in done.stderr  # and in the final error
    assert "waited 0.5 s" in done.stderr and "--lock-timeout" in done.stderr
    assert "Traceback" not in done.stderr
    assert after_the_command.returncode == 1 and "waited 0 s" in after_the_command.stderr


def test_lock_timeout_reaches_read_only_sql(accel_orm: Runner, tmp_path: Path) -> None:
    """`query --sql` opens the file read-only and sandboxed, through its own engine: the flag must reach it too."""
    db = tmp_path / "held.duckdb"
    get_engine(db).dispose()
    holder = hold_lock(db, A_LONG_TIME)
    try:
        started = time.monotonic()
        done = accel_orm("--db", db, "--lock-timeout", "0.5", "query", "--sql", "SELECT count(*) AS n FROM models")
        waited = time.monotonic() - started
        after_the_command = accel_orm("--db", db, "query", "--sql", "SELECT 1", "--lock-timeout", "0")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert f"locked by another process: PID {holder.pid}" in done.stderr
    assert "waited 0.5 s" in done.stderr and "--lock-timeout" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert waited < 15, f"waited {waited:.1f} s, not about 0.5 s (the default is 30 s)"
    assert after_the_command.returncode == 1 and "waited 0 s" in after_the_command.stderr
    assert "Traceback" not in after_the_command.stderr
    released = accel_orm("--db", db, "--lock-timeout", "0.5", "query", "--sql", "SELECT count(*) AS n FROM models")
    assert released.returncode == 0, released.stderr


def test_the_wait_is_announced_at_once_and_the_command_goes_on_when_released(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    get_engine(db).dispose()
    holder = hold_lock(db, A_LONG_TIME)
    script = shutil.which("accel-orm", path=str(Path(sys.executable).parent))
    assert script is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_DB_")}
    waiting = subprocess.Popen(
        [script, "--db", str(db), "--lock-timeout", str(A_LONG_TIME), "query", "--report", "hardware"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert waiting.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in waiting.stderr], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        # The holder still holds the file: the first line must already be there, long before the timeout.
        first = lines.get(timeout=A_LONG_TIME / 2)
        assert waiting.poll() is None, "the command must still be waiting"
    finally:
        holder.kill()
        holder.wait()
    stdout, _ = waiting.communicate(timeout=A_LONG_TIME)
    reader.join(timeout=10)
    assert f"is in use by PID {holder.pid}" in first and "waiting up to" in first
    assert str(db) in first
    assert waiting.returncode == 0  # the holder went away and the command did its job
    assert stdout.startswith("# Hardware report")


def test_a_bad_lock_timeout_is_refused(accel_orm: Runner) -> None:
    for bad in ("-1", "soon", "inf", "nan"):
        done = accel_orm("--lock-timeout", bad, "db", "history")
        assert done.returncode == 2, bad
        assert "--lock-timeout" in done.stderr
