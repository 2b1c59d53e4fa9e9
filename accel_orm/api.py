"""The seed-compatible facades: ``TestResultsDBHandler`` (writing) and ``BenchmarkDBQuery`` (reading).

Thin on purpose: they hold an engine and call :mod:`accel_orm.ingest`, :mod:`accel_orm.queries` and
:mod:`accel_orm.reports`. Existing harness code keeps working (``TestResultsDBHandler(db_path=...)``,
``store_test_result(result)``), and gets errors it can act on instead of ``False``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sqlalchemy import Engine

from accel_orm.db import DEFAULT_LOCK_TIMEOUT, get_engine
from accel_orm.ingest import StoreReport, store_results
from accel_orm.ingest.store import DEFAULT_CHUNK_SIZE, OnError


def _engine_for(db_path: str | os.PathLike[str] | None, db_url: str | None, **engine_options: Any) -> Engine:
    if db_path is not None and db_url is not None:
        raise ValueError("give db_path (a DuckDB file) or db_url (a SQLAlchemy URL), not both")
    return get_engine(db_url if db_url is not None else db_path, **engine_options)


class _EngineHolder:
    """Owns one engine; closable and usable as a context manager."""

    def __init__(self, engine: Engine) -> None:
        self._engine: Engine | None = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"this {type(self).__name__} is closed")
        return self._engine

    def close(self) -> None:
        """Release the database (idempotent)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> _EngineHolder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class TestResultsDBHandler(_EngineHolder):
    """Stores test results: ``store_test_result(dict)`` and ``store_test_results(iterable)``.

    ``db_path`` (a DuckDB file) or ``db_url`` (a SQLAlchemy URL); with neither, the resolver decides
    (``BENCHMARK_DB_URL``, ``BENCHMARK_DB_PATH``, ``./benchmark_db.duckdb``). ``lock_timeout`` is how long a
    write waits for another process holding the DuckDB file before raising ``DatabaseLockedError``.
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        db_url: str | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        super().__init__(_engine_for(db_path, db_url, lock_timeout=lock_timeout))

    def __enter__(self) -> TestResultsDBHandler:
        return self

    def store_test_result(self, result: dict[str, Any]) -> bool:
        """Store one result dict; returns True. Raises ``InvalidResultError`` (a ValueError) listing every problem."""
        if not isinstance(result, dict):
            raise TypeError(f"a test result must be a dict, got {type(result).__name__}")
        store_results(self.engine, [result], single=True)
        return True

    def store_test_results(
        self,
        results: Iterable[dict[str, Any]],
        *,
        on_error: OnError = "raise",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> StoreReport:
        """Store many results in one transaction (any iterable, generators included, streamed in chunks).

        ``on_error="raise"`` (default): all or nothing; ``InvalidResultError`` lists every problem with its item
        index. ``on_error="skip"``: store the valid ones and report the rejected ones in the returned report.
        """
        return store_results(self.engine, results, on_error=on_error, chunk_size=chunk_size)
