"""Send a chunk's prepared writes on a worker thread while the caller checks the next chunk.

A bulk store spends its time in two kinds of work: checking and flattening the dicts, which is Python and holds
the GIL, and the engine taking the rows (DuckDB's ``INSERT ... SELECT`` of an Arrow table, PostgreSQL's
``COPY``), which mostly releases it. One after the other, a store costs their sum; with chunk N's rows sent by a
worker while chunk N+1 is checked, the two overlap. Only partly on DuckDB: its Python client takes the GIL back
between the tasks of a statement (to look for Ctrl-C), and each time waits for the checking thread to let go,
so a 20,000-row INSERT that takes 5-7 ms alone took 52-87 ms beside busy Python. Measured side by side
(100,000 results, 5 chunks): 0.81x-0.86x of the serial store's time on DuckDB, 0.94x on PostgreSQL, whose
server does its work in its own process anyway.

The connection is never used by two threads at once: a chunk's writes are handed over only once they are all
prepared, and the caller calls :meth:`ChunkSender.wait` before it uses the connection again (for the next chunk's
models, hardware and ids, or for COMMIT). Rows become durable exactly when they did before: at the COMMIT, which
the caller issues after :meth:`wait` (with ``atomic=False``, the chunk's last write is its COMMIT).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor

from accel_orm.ingest.writers import PreparedWrite


class ChunkSender:
    """Runs one chunk's prepared writes at a time, in order, on a worker thread (or at once, ``background=False``).

    ``after`` of :meth:`send` is called on the caller's thread once those writes are done (a progress count, say),
    so it never runs while the worker still holds memory or the connection.
    """

    def __init__(self, *, background: bool) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="accel-orm-send") if background else None
        self._pending: Future[None] | None = None
        self._after: Callable[[], None] | None = None

    def send(self, writes: list[PreparedWrite], after: Callable[[], None] | None = None) -> None:
        """Run ``writes`` in order (in the background, if this sender is), after the previous chunk's. The list is
        emptied as they run, so nothing of the chunk's rows is held once they are written."""
        self.wait()
        if self._executor is None:
            _run_all(writes)
            if after is not None:
                after()
            return
        self._after = after
        self._pending = self._executor.submit(_run_all, writes)

    def wait(self) -> None:
        """Return once the last chunk's writes are done, raising what they raised; then run its ``after``."""
        pending, after = self._pending, self._after
        if pending is None:
            return
        try:
            pending.result()
        finally:
            if pending.done():  # else (a Ctrl-C while waiting) close() still has to wait for it
                self._pending = self._after = None
        if after is not None:
            after()

    def close(self) -> None:
        """Stop the worker; writes still running are let finish first (after an error their own outcome no longer
        matters: the caller rolls back, which needs the connection to itself). A Ctrl-C while waiting for them
        is raised once they are done, never before: the connection must not be used by two threads at once."""
        pending, self._pending, self._after = self._pending, None, None
        interrupted: KeyboardInterrupt | None = None
        while pending is not None and not pending.done():
            try:
                futures.wait([pending])
            except KeyboardInterrupt as error:
                interrupted = error
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        if interrupted is not None:
            raise interrupted


def _run_all(writes: list[PreparedWrite]) -> None:
    # Popped, not iterated: the future completes (and the caller reads memory, say, in a progress callback)
    # before the worker thread drops its own reference to this list.
    writes.reverse()
    while writes:
        writes.pop()()
