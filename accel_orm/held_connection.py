"""One DuckDB connection kept open across calls for a short idle time, handed over promptly to anyone waiting.

Opening a DuckDB file costs tens of milliseconds and closing it checkpoints: per call, that is most of what a
``store_test_result`` loop pays. A :class:`HeldConnection` keeps the file open while calls keep coming and
closes it:

- after ``idle_seconds`` without a call (a background timer), so a program that stores one result and then
  trains a model for an hour does not keep others out;
- before the next call when another process has asked for the file (see :mod:`accel_orm.lock_requests`), and
  then waits until that process is in before opening the file again, so a tight loop cannot starve it;
- when the owner closes it.

Every call still commits before it returns: holding the connection changes when the file is closed, never
when a result becomes durable.

While it serves single-row writes (``connection(single_rows=True)``: a ``store_test_result`` loop) DuckDB's
worker threads are off. A one-row INSERT gains nothing from them and pays for handing work to them: measured on
this project's 2-core machine, a call cost 4.96 ms with DuckDB's default threads and 3.90 ms with one. The
setting is DuckDB's for the whole database in the process, so the previous value is put back as soon as the
connection serves anything else (a bulk store) and before the file is closed; a URL that sets ``threads``
itself is left alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection, Engine

from accel_orm import lock_requests
from accel_orm.config import duckdb_file

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 0.25
# After stepping aside, how long to wait for the waiter to take the file before simply competing for it again.
_STEP_ASIDE_SECONDS = 2.0


class HeldConnection:
    """A connection of ``engine`` that stays open between uses (DuckDB files; see the module docstring)."""

    def __init__(self, engine: Engine, *, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        self.engine = engine
        self.idle_seconds = idle_seconds
        self.path: Path | None = duckdb_file(engine.url)
        self._connection: Connection | None = None
        self._lock = threading.RLock()
        self._last_used = 0.0
        self._timer: threading.Thread | None = None
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self.on_release: list[Callable[[], None]] = []  # e.g. caches valid only while we hold the file
        self._threads = _WorkerThreads(allowed="threads" not in engine.url.query)

    @contextmanager
    def connection(self, *, single_rows: bool = False) -> Iterator[Connection]:
        """The held connection, opened (or re-opened) as needed; one user at a time. ``single_rows``: the caller
        writes one row per statement (DuckDB's worker threads are off meanwhile; see the module docstring)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this held connection is closed")
            if self._connection is not None and self.path is not None and lock_requests.is_requested(self.path):
                log.debug("another process asked for %s: stepping aside", self.path)
                self._release()
                self._let_the_waiter_in()
            if self._connection is None:
                self._connection = self.engine.connect()
                self._start_timer()
            if single_rows:
                self._threads.lower(self._connection)
            else:
                self._threads.restore(self._connection)
            try:
                yield self._connection
            except BaseException:
                # A failed call leaves the connection in an unknown state; the next call gets a fresh one.
                self._release()
                raise
            finally:
                self._last_used = time.monotonic()

    def release(self) -> None:
        """Close the file now (the next use opens it again)."""
        with self._lock:
            self._release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._release()
            self._wake.notify_all()

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            for callback in self.on_release:
                callback()
            try:
                self._threads.restore(connection)
            finally:
                try:
                    connection.close()
                finally:
                    self._wake.notify_all()

    def _let_the_waiter_in(self) -> None:
        """Wait (without the file) until the waiter has taken it, i.e. withdrawn its request, or gave up."""
        assert self.path is not None
        deadline = time.monotonic() + _STEP_ASIDE_SECONDS
        while lock_requests.is_requested(self.path) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _start_timer(self) -> None:
        if self._timer is None or not self._timer.is_alive():
            self._timer = threading.Thread(target=self._release_when_idle, name="accel-orm-idle-release", daemon=True)
            self._timer.start()

    def _release_when_idle(self) -> None:
        """Background: close the file once it has been idle long enough, or at once when someone asks for it."""
        with self._lock:
            while self._connection is not None and not self._closed:
                idle_for = time.monotonic() - self._last_used
                requested = self.path is not None and lock_requests.is_requested(self.path)
                if idle_for >= self.idle_seconds or requested:
                    self._release()
                    return
                self._wake.wait(timeout=min(self.idle_seconds - idle_for, 0.05))


class _WorkerThreads:
    """Turns DuckDB's worker threads off for single-row writes and puts the previous count back afterwards."""

    def __init__(self, *, allowed: bool) -> None:
        self.allowed = allowed
        self._lowered = False  # the connection serves single rows now (the count was looked at)
        self._previous: int | None = None  # the count to put back, if it was lowered

    def lower(self, connection: Connection) -> None:
        if not self.allowed or self._lowered:
            return  # once per stretch of single-row use: a call in a loop pays nothing
        self._lowered = True
        raw: Any = connection.connection.driver_connection
        threads = int(raw.execute("SELECT current_setting('threads')").fetchone()[0])
        if threads > 1:
            raw.execute("SET threads = 1")
            self._previous = threads

    def restore(self, connection: Connection) -> None:
        previous = self._previous
        self._lowered, self._previous = False, None
        if previous is None:
            return
        raw: Any = connection.connection.driver_connection
        try:
            raw.execute(f"SET threads = {previous}")  # an int DuckDB gave us, not user text
        except duckdb.Error as error:
            # Closing the file ends our database instance anyway unless someone else in this process has it open.
            log.warning("could not put DuckDB's thread count back to %d: %s", previous, error)
