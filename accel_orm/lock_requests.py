"""How a process waiting for a DuckDB file tells the process holding it that someone wants in.

DuckDB gives one process the file at a time and says nothing to the holder when another one knocks. accel_orm
keeps the file open between ``store_test_result`` calls (see :mod:`accel_orm.held_connection`), so the waiter
leaves a note: a small sidecar file ``<database>.write-request`` next to the database, holding the waiter's PID
and touched on every retry. The holder looks at it (one ``stat``, a few microseconds) before each write and
whenever it is idle; seeing a fresh request, it closes the file and steps aside until the waiter is in.

A request older than :data:`STALE_AFTER` seconds is ignored, so a waiter that died never blocks anyone: the
note then only costs the holder one extra ``stat``.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

SUFFIX = ".write-request"
# Waiters touch the request at every retry (every <= 50 ms); one not touched for this long is gone.
STALE_AFTER = 2.0


def request_path(database: Path) -> Path:
    """The sidecar request file of a DuckDB database file."""
    return database.with_name(database.name + SUFFIX)


def announce(database: Path) -> None:
    """Say "I am waiting for this file" (create or refresh the request). Best effort: a read-only directory
    only means the holder learns of us when it goes idle."""
    with contextlib.suppress(OSError):
        request_path(database).write_text(str(os.getpid()), encoding="ascii")


def withdraw(database: Path) -> None:
    """Remove our request once we hold the file (or gave up); another waiter re-creates it on its next retry."""
    with contextlib.suppress(OSError):
        request_path(database).unlink()


def is_requested(database: Path) -> bool:
    """True when some process asked for the file within the last :data:`STALE_AFTER` seconds."""
    try:
        touched = request_path(database).stat().st_mtime
    except OSError:
        return False
    return time.time() - touched < STALE_AFTER
