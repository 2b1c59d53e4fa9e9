"""Several processes doing the same thing at the same moment, for tests of concurrent writers."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from accel_orm import TestResultsDBHandler


def at_once(work: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run ``work(*args, barrier)`` for each ``args`` in a spawned process of its own; the shared barrier lets
    them start together. Their results, in order. ``work`` must be importable (a module-level function)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(arguments))
        with context.Pool(len(arguments)) as pool:
            return pool.starmap(work, [(*args, barrier) for args in arguments])


class PausedStore:
    """A bulk store in a thread (one result per chunk) that pauses inside its open transaction once it has
    written ``first``, until :meth:`finish` lets it store ``rest`` and commit: a long store, stopped mid-way."""

    def __init__(self, url: str, first: list[dict[str, Any]], rest: list[dict[str, Any]]) -> None:
        self._first, self._rest = first, rest
        self._wrote_first = threading.Event()
        self._go_on = threading.Event()
        self._handler = TestResultsDBHandler(db_url=url)
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._store, daemon=True)
        self._thread.start()
        if not self._wrote_first.wait(30):
            self.finish()
            raise AssertionError("the paused store never wrote its first results")

    def _results(self) -> Iterator[dict[str, Any]]:
        yield from self._first
        # The store asks for the next chunk only once the one before is written (inside its transaction).
        self._wrote_first.set()
        self._go_on.wait(60)
        yield from self._rest

    def _store(self) -> None:
        try:
            self._handler.store_test_results(self._results(), chunk_size=1, run=False)
        except BaseException as error:  # re-raised in the test's thread by finish()
            self._errors.append(error)
        finally:
            self._wrote_first.set()

    def finish(self) -> None:
        """Let it store the rest and commit; re-raises what the store raised."""
        self._go_on.set()
        self._thread.join(60)
        self._handler.close()
        if self._errors:
            raise self._errors[0]
