"""The seed-compatible facades: ``TestResultsDBHandler`` (writing) and ``BenchmarkDBQuery`` (reading).

Thin on purpose: they hold an engine and call :mod:`accel_orm.ingest`, :mod:`accel_orm.queries` and
:mod:`accel_orm.reports`. Existing harness code keeps working (``TestResultsDBHandler(db_path=...)``,
``store_test_result(result)``), and gets errors it can act on instead of ``False``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine, select

from accel_orm.db import DEFAULT_LOCK_TIMEOUT, get_engine, translate_errors
from accel_orm.defaults import DEFAULT_READER_ROLE
from accel_orm.errors import ConstraintViolationError
from accel_orm.held_connection import DEFAULT_IDLE_SECONDS, HeldConnection
from accel_orm.ingest import StoreReport, store_results
from accel_orm.ingest.single import SingleResultWriter
from accel_orm.ingest.store import DEFAULT_CHUNK_SIZE, OnError
from accel_orm.ingest.validate import ResultBatch
from accel_orm.models import HardwarePlatform, Model
from accel_orm.runs.environment import describe_environment
from accel_orm.runs.record import RunKey, RunResolver, RunSpec

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# The reading side (pandas, matplotlib, the report renderers) is imported inside the methods that need it, so a
# process that only writes results stays small and starts fast.
ReportFormat = Literal["markdown", "html", "json"]


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


def _settled_run(resolver: RunResolver) -> tuple[bool, int | None]:
    """Whether the run of a resolver is already known without a database round trip, and its id.

    True for "no run" and for a run this handler has recorded before; a run id given by the caller is checked
    against the database (the bulk path does that), so it is not settled here.
    """
    if resolver.default_id is not None:
        return False, None
    if resolver.default_key is None:
        return True, None
    run_id = resolver.known.get(resolver.default_key)
    return run_id is not None, run_id


class TestResultsDBHandler(_EngineHolder):
    """Stores test results: ``store_test_result(dict)`` and ``store_test_results(iterable)``.

    ``db_path`` (a DuckDB file) or ``db_url`` (a SQLAlchemy URL); with neither, the resolver decides
    (``BENCHMARK_DB_URL``, ``BENCHMARK_DB_PATH``, ``./benchmark_db.duckdb``). ``lock_timeout`` is how long a
    write waits for another process holding the DuckDB file before raising ``DatabaseLockedError``.
    ``idle_seconds``: on DuckDB, ``store_test_result`` keeps the file open this long after a call (and hands it
    over at once when another process asks for it), so a loop of calls does not reopen it every time.
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        *,
        db_url: str | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        super().__init__(_engine_for(db_path, db_url, lock_timeout=lock_timeout))
        self._environment_run: dict[str, Any] | None = None
        self._environment_key: RunKey | None = None  # its key once validated (see _settled)
        self._known_runs: dict[RunKey, int] = {}
        self._held: HeldConnection | None = None
        self._single = SingleResultWriter()
        if self.engine.dialect.name == "duckdb":
            # One-at-a-time calls keep the file open for a moment (see accel_orm.held_connection).
            self._held = HeldConnection(self.engine, idle_seconds=idle_seconds)
            self._held.on_release.append(self._single.forget)
        # store_test_result's bound-INSERT path (accel_orm.ingest.single): on DuckDB on the held connection, on
        # PostgreSQL on a pooled connection per call.
        self._single_path = self._held is not None or self.engine.dialect.name == "postgresql"

    def __enter__(self) -> TestResultsDBHandler:
        return self

    def close(self) -> None:
        """Release the database (idempotent): a held DuckDB file is closed at once."""
        if self._held is not None:
            self._held.close()
            self._held = None
        super().close()

    def _resolver(self, run: RunSpec) -> RunResolver:
        """With no run given, the handler's own run: the environment described once, at its first store."""
        if run is None:
            if self._environment_run is None:
                self._environment_run = describe_environment()
            run = self._environment_run
        return RunResolver(run, known=self._known_runs)

    def _settled(self, run: RunSpec) -> tuple[bool, int | None]:
        """``_settled_run`` for ``run``; the environment's run is validated once per handler, not once per call."""
        if run is None and self._environment_key is not None:
            run_id = self._known_runs.get(self._environment_key)
            return run_id is not None, run_id
        resolver = self._resolver(run)
        if run is None:
            self._environment_key = resolver.default_key
        return _settled_run(resolver)

    def _store(self, results: Iterable[Any], run: RunSpec, **options: Any) -> StoreReport:
        resolver = self._resolver(run)
        if self._held is None:
            report = store_results(self.engine, results, runs=resolver, **options)
        else:
            # On the held DuckDB file: committed before this returns; the checkpoint on close comes when idle.
            with self._held.connection() as connection:
                report = store_results(self.engine, results, runs=resolver, connection=connection, **options)
        # Only runs whose transaction committed are remembered (a rejected batch left none behind).
        self._known_runs.update(resolver.known)
        return report

    def store_test_result(self, result: dict[str, Any], *, run: RunSpec = None) -> bool:
        """Store one result dict; returns True once it is committed. Raises ``InvalidResultError`` (a ValueError)
        listing every problem; nothing is written then. ``run``: see :meth:`store_test_results`."""
        if not isinstance(result, dict):
            raise TypeError(f"a test result must be a dict, got {type(result).__name__}")
        settled, run_id = self._settled(run)
        if not self._single_path or not settled or "run" in result:
            # The first result of a run records the run: that goes through the bulk path, once.
            self._store([result], run, single=True)
            return True
        batch = self._single.validate(result)
        if self._held is not None:
            with (
                self._held.connection(single_rows=True) as connection,
                translate_errors(self.engine.url),
                connection.begin(),
            ):
                self._single.write(connection, batch, run_id=run_id)
        else:
            self._store_one_pooled(batch, run_id)
        return True

    def _store_one_pooled(self, batch: ResultBatch, run_id: int | None) -> None:
        """PostgreSQL: one result in its own transaction on a pooled connection.

        A write refused on a constraint while the writer remembered models, hardware or partitions is tried once
        more after forgetting them: one may be gone (a row removed by hand, a month archived), and looking again
        repairs that. A real violation is refused the second time too.
        """
        remembered = self._single.remembers_anything()
        try:
            self._write_one_pooled(batch, run_id)
        except ConstraintViolationError:
            if not remembered:
                raise
            log.info("a write was refused with remembered models, hardware or partitions: trying it again")
            self._write_one_pooled(batch, run_id)

    def _write_one_pooled(self, batch: ResultBatch, run_id: int | None) -> None:
        try:
            with translate_errors(self.engine.url):
                self._single.prepare(self.engine, batch)
                with self.engine.connect() as connection, connection.begin():
                    self._single.write(connection, batch, run_id=run_id)
        except BaseException:
            self._single.forget()  # whatever was remembered may be why it failed: the next try looks again
            raise

    def store_test_results(
        self,
        results: Iterable[dict[str, Any]],
        *,
        on_error: OnError = "raise",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Callable[[int], None] | None = None,
        atomic: bool = True,
        run: RunSpec = None,
    ) -> StoreReport:
        """Store many results in one transaction (any iterable, generators included, streamed in chunks).

        ``on_error="raise"`` (default): all or nothing; ``InvalidResultError`` lists every problem with its item
        index. ``on_error="skip"``: store the valid ones and report the rejected ones in the returned report.
        ``progress`` is called with the number of items read after each chunk. ``atomic=False`` commits chunk
        by chunk (flat memory for millions of results; stops at the first chunk with an invalid item).

        ``run`` says which run results without a ``"run"`` sub-dict belong to: a dict of run facts (``git_commit``,
        ``git_branch``, ``ci_job_url``, ... see ``accel_orm.ingest.fields.RUN_FIELDS``; equal dicts given to one
        handler are one run), a recorded run's id, ``False`` for none, or ``None`` (default): the handler's own
        run, described from the environment (CI variables, git, machine) at its first store and reused after.
        The report's ``run_ids`` lists the runs the results went to.
        """
        return self._store(results, run, on_error=on_error, chunk_size=chunk_size, progress=progress, atomic=atomic)

    def generate_report(
        self, format: ReportFormat = "markdown", output_file: str | os.PathLike[str] | None = None
    ) -> str:
        """A summary people can act on: counts, current regressions, hardware, performance, compatibility,
        recent failures and a trend chart, as ``markdown``, ``html`` (one self-contained file) or ``json``.
        Returns the content and also writes ``output_file`` when given."""
        from accel_orm.reports import render
        from accel_orm.reports.build import summary_report

        return deliver(render(summary_report(self.engine), format), output_file)


def deliver(content: str | bytes, output: str | os.PathLike[str] | None) -> Any:
    """Write ``content`` to ``output`` when given; return it either way."""
    if output is not None:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return content


PerformanceFormat = Literal["markdown", "html", "json", "csv", "chart"]


class BenchmarkDBQuery(_EngineHolder):
    """Reads the database: tables as DataFrames, performance and compatibility reports, read-only SQL.

    ``db_path`` (a DuckDB file) or ``db_url`` (a SQLAlchemy URL); with neither, the resolver decides.
    """

    def __init__(self, db_path: str | os.PathLike[str] | None = None, *, db_url: str | None = None) -> None:
        super().__init__(_engine_for(db_path, db_url))

    def __enter__(self) -> BenchmarkDBQuery:
        return self

    def get_models(self) -> pd.DataFrame:
        """Every model (the ``models`` table), by name."""
        from accel_orm.frames import to_frame

        return to_frame(select(*Model.__table__.columns).order_by(Model.model_name), self.engine)

    def get_hardware_platforms(self) -> pd.DataFrame:
        """Every hardware platform (the ``hardware_platforms`` table), by type and device."""
        from accel_orm.frames import to_frame

        table = HardwarePlatform.__table__
        return to_frame(select(*table.columns).order_by(table.c.hardware_type, table.c.device_name), self.engine)

    def generate_performance_report(
        self,
        format: PerformanceFormat = "markdown",
        output: str | os.PathLike[str] | None = None,
        model: str | None = None,
    ) -> str | bytes:
        """Performance per configuration (for one ``model`` or all). ``csv`` gives the table; ``chart`` a PNG
        (hardware comparison for a model, else the throughput trend). Returns the content; writes ``output``."""
        from accel_orm.frames import to_frame
        from accel_orm.queries.summary import performance_summary
        from accel_orm.reports import render
        from accel_orm.reports.build import performance_report
        from accel_orm.reports.render.csvfmt import frame_to_csv

        if format == "csv":
            return deliver(frame_to_csv(to_frame(performance_summary(model_name=model), self.engine)), output)
        if format == "chart":
            return deliver(_performance_chart(self.engine, model), output)
        return deliver(render(performance_report(self.engine, model=model), format), output)

    def generate_compatibility_matrix(
        self,
        format: ReportFormat = "markdown",
        output: str | os.PathLike[str] | None = None,
        filter_family: str | None = None,
    ) -> str:
        """The model x hardware compatibility matrix (optionally one model family). Returns it; writes ``output``."""
        from accel_orm.reports import render
        from accel_orm.reports.build import compatibility_report

        return deliver(render(compatibility_report(self.engine, family=filter_family), format), output)

    def run_sql(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        reader_role: str = DEFAULT_READER_ROLE,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> pd.DataFrame:
        """Run exactly one hand-written statement, read-only and sandboxed (``:name`` parameters are bound).

        Statements that would write the database, touch files outside it, run programs, load extensions or change
        settings are refused with ``ReadOnlyViolationError`` and change nothing. On PostgreSQL the statement runs
        as ``reader_role`` (create it once with ``accel-orm db create-reader-role``); see
        :func:`accel_orm.frames.run_read_only_sql`. ``lock_timeout``: how long to wait for a DuckDB file another
        process is writing before raising ``DatabaseLockedError``.
        """
        from accel_orm.db import database_of
        from accel_orm.frames import run_read_only_sql

        return run_read_only_sql(
            database_of(self.engine), sql, params, reader_role=reader_role, lock_timeout=lock_timeout
        )


def _performance_chart(engine: Engine, model: str | None) -> bytes:
    from accel_orm.reports.build import compare_hardware, trend_section

    section = compare_hardware(engine, model) if model is not None else trend_section(engine)
    assert section.chart_png is not None
    return section.chart_png
