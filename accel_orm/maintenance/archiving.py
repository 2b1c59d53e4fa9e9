"""Archive: move closed months of results out of the database into hive-partitioned Parquet that stays queryable.

What moves: every whole calendar month that ended before ``now - older_than_days`` ("closed" months) of
``test_results``, the ``performance_results`` and ``power_metrics`` rows linked to those results by ``test_id``
(filed under their result's month, so an archived month is self-contained), and performance/power rows without
a ``test_id`` whose ``test_timestamp`` falls in those months. Rows whose ``test_id`` points at nothing are left
alone for :func:`~accel_orm.maintenance.integrity.check_integrity` to report.

Layout: ``<to_dir>/<table>/year=YYYY/month=MM/archive-<run>-<n>.parquet`` (month zero-padded so directory
listings sort). Readers use :mod:`accel_orm.maintenance.archive_read`.

Why it is safe to re-run and to interrupt:

1. The rows to move are first captured in a temporary table: the selection that is exported is exactly the
   selection that is later deleted (DuckDB: the whole job runs on one connection holding the file lock;
   PostgreSQL: one REPEATABLE READ transaction per month whose partition is locked against inserts first).
2. Parquet is written to ``<to_dir>/.staging-<run>/``, read back and counted per month, and only then moved
   into place file by file (each file has a run-unique name, so nothing is ever overwritten). The staging name
   carries the run's PID: the next run removes staging folders of runs that were killed (see
   :mod:`accel_orm.leftovers`), never one of a run still going.
3. Every captured row is then looked up in the archive by its key (id, time, model, hardware); only if all are
   there are they deleted, children first, in the same transaction. Rows already in the archive from an
   interrupted earlier run are not written twice, just deleted: re-running never duplicates Parquet rows.

PostgreSQL drops whole monthly partitions (``DETACH PARTITION`` then ``DROP TABLE``) instead of deleting rows; a
late row for an archived month recreates its partition on demand and is archived by the next run. Children
inserted for a month while it is being archived are not in the transaction's snapshot, so they are neither
exported nor deleted (the integrity check reports them as orphans). Each month waits at most ``PG_LOCK_TIMEOUT``
for its locks (DETACH needs ``test_results`` to itself for a moment) and otherwise fails with nothing changed.

One archive directory belongs to one database: keys are database ids.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Select,
    Table,
    and_,
    column,
    delete,
    func,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, ColumnElement, Executable

from accel_orm.db import database_of, translate_errors
from accel_orm.errors import DatabaseError
from accel_orm.leftovers import owner_tag, remove_stale
from accel_orm.maintenance._common import (
    Progress,
    duckdb_raw,
    is_duckdb,
    quote_identifier,
    quote_literal,
    report,
)
from accel_orm.maintenance.archive_read import archive_files, archive_glob
from accel_orm.models import PerformanceResult, PowerMetric, TestResult
from accel_orm.schema.arrow import arrow_type
from accel_orm.schema.partitions import PARTITION_PREFIX, month_start
from accel_orm.timestamps import utc_now

TEST_RESULTS: Table = TestResult.__table__  # type: ignore[assignment]
CHILDREN: tuple[Table, ...] = (PerformanceResult.__table__, PowerMetric.__table__)  # type: ignore[assignment]
ARCHIVED_TABLES: tuple[Table, ...] = (TEST_RESULTS, *CHILDREN)
PG_LOCK_TIMEOUT = "30s"
ARCHIVE_TS = "archive_ts"  # the instant that decides a row's year=/month= (its result's time for linked children)
_PARTITION = re.compile(rf"^{PARTITION_PREFIX}(\d{{4}})_(\d{{2}})$")


@dataclass
class ArchiveReport:
    database: str
    archive_dir: Path
    before: datetime  # rows older than this month start were archived
    months: list[str] = field(default_factory=list)  # "YYYY-MM"
    rows: dict[str, int] = field(default_factory=dict)  # rows moved out of the database, per table
    written: dict[str, int] = field(default_factory=dict)  # rows written to Parquet by this run, per table
    files: list[Path] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leftovers_removed: list[str] = field(default_factory=list)  # stale staging folders of killed runs
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def files_for(self, table_name: str) -> list[Path]:
        """The Parquet files this run wrote for one table."""
        return [path for path in self.files if path.parent.parent.parent.name == table_name]

    def lines(self) -> list[str]:
        lines = [f"Archived {self.database} to {self.archive_dir}: months before {self.before:%Y-%m}"]
        lines += [f"  {removed}" for removed in self.leftovers_removed]
        if not self.months:
            return [*lines, "  nothing to archive"]
        lines.append(f"  months: {', '.join(self.months)}")
        for name, count in self.rows.items():
            already = count - self.written.get(name, 0)
            note = f" ({already:,} were already in the archive from an earlier run)" if already else ""
            lines.append(f"  {name}: {count:,} rows moved{note}")
        lines.append(f"  {len(self.files)} Parquet file(s) written")
        if self.partitions_dropped:
            lines.append(f"  partitions dropped: {', '.join(self.partitions_dropped)}")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"  took {self.seconds:.2f} s")
        return lines

    def to_text(self) -> str:
        return "\n".join(self.lines())


def archive(
    engine: Engine,
    older_than_days: int,
    to_dir: str | os.PathLike[str],
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ArchiveReport:
    """Move closed months older than ``older_than_days`` into Parquet under ``to_dir`` (see module docstring).

    ``now`` (naive UTC) defaults to the current time. Returns what moved; re-running is safe.
    """
    if older_than_days < 0:
        raise ValueError(f"older_than_days must be >= 0, got {older_than_days}")
    started = time.monotonic()
    directory = Path(to_dir).expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    before = month_start((now or utc_now()) - timedelta(days=older_than_days))
    result = ArchiveReport(database=database_of(engine).describe(), archive_dir=directory, before=before)
    run = f"{utc_now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    # Staging folders of runs that were killed (their PID is gone); a live run's folder is left alone.
    result.leftovers_removed = [removed.describe() for removed in remove_stale(sorted(directory.glob(".staging-*")))]
    if is_duckdb(engine):
        _archive_duckdb(engine, directory, before, run, result, progress)
    else:
        _archive_postgresql(engine, directory, before, run, result, progress)
    result.months = sorted(set(result.months))
    result.seconds = time.monotonic() - started
    return result


# --- what to move -----------------------------------------------------------------------------------------------


def rows_to_archive(source: Table, start: datetime | None, end: datetime) -> Select[Any]:
    """The rows of ``source`` filed under months in [start, end), with their ``archive_ts`` column."""

    def in_range(moment: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(moment >= start, moment < end) if start is not None else moment < end

    if source is TEST_RESULTS:
        return select(source, source.c.timestamp.label(ARCHIVE_TS)).where(in_range(source.c.timestamp))
    linked = (
        select(source, TEST_RESULTS.c.timestamp.label(ARCHIVE_TS))
        .join(TEST_RESULTS, TEST_RESULTS.c.id == source.c.test_id)
        .where(in_range(TEST_RESULTS.c.timestamp))
    )
    unlinked = select(source, source.c.test_timestamp.label(ARCHIVE_TS)).where(
        source.c.test_id.is_(None), in_range(source.c.test_timestamp)
    )
    return union_all(linked, unlinked)  # type: ignore[return-value]


def archive_key(source: Table) -> list[str]:
    """Columns identifying a row in the archive: its id plus facts a reused id would not share."""
    moment = "timestamp" if source is TEST_RESULTS else "test_timestamp"
    return ["id", moment, "model_id", "hardware_id"]


class _CreateTempTableAs(Executable, ClauseElement):
    """``CREATE TEMP TABLE name AS <select>`` with bound parameters (no such construct in SQLAlchemy 2.0)."""

    inherit_cache = False

    def __init__(self, name: str, query: Any) -> None:
        self.name = name
        self.query = query


@compiles(_CreateTempTableAs)
def _compile_create_temp_table_as(element: _CreateTempTableAs, compiler: Any, **kw: Any) -> str:
    return f"CREATE TEMP TABLE {compiler.preparer.quote(element.name)} AS {compiler.process(element.query, **kw)}"


def _temp_name(source: Table) -> str:
    return f"accel_orm_archive_{source.name}"


# --- Parquet in and out (a DuckDB connection: the database file's own, or an in-memory one) --------------------


class _ParquetMover:
    """Writes captured rows to staging Parquet, verifies them and moves them into the archive."""

    def __init__(self, duck: Any, directory: Path, run: str, progress: Progress | None) -> None:
        self.duck = duck
        self.directory = directory
        self.run = run
        self.staging = directory / f".staging-{owner_tag()}{run}"
        self.progress = progress

    def export(self, source: Table, temp: str) -> tuple[int, int, list[Path]]:
        """Write the captured rows not yet archived; return (captured, written, files)."""
        captured = self.duck.execute(f"SELECT count(*) FROM {quote_identifier(temp)}").fetchone()[0]
        if not captured:
            return 0, 0, []
        pending = f"SELECT * FROM {quote_identifier(temp)} t WHERE NOT {self._archived_condition(source)}"
        expected = dict(self._month_counts(pending))
        written = sum(expected.values())
        if not written:
            return captured, 0, []
        report(self.progress, f"writing {written:,} {source.name} rows to Parquet")
        target = self.staging / source.name
        target.mkdir(parents=True, exist_ok=True)
        columns = ", ".join(quote_identifier(c.name) for c in source.columns)
        self.duck.execute(
            f"COPY (SELECT {columns}, {_year_month_sql('archive_ts')} FROM ({pending})) "
            f"TO {quote_literal(target)} (FORMAT parquet, PARTITION_BY (year, month), "
            f"FILENAME_PATTERN {quote_literal(f'archive-{self.run}-{{i}}')})"
        )
        staged_glob = os.path.join(target, "year=*", "month=*", "*.parquet")
        staged = dict(
            self.duck.execute(
                "SELECT year::VARCHAR || '-' || month::VARCHAR, count(*) FROM "
                "read_parquet(?, hive_partitioning = true, hive_types_autocast = false) GROUP BY ALL",
                [staged_glob],
            ).fetchall()
        )
        if staged != expected:
            raise DatabaseError(f"Parquet read back for {source.name} does not match: wrote {expected}, read {staged}")
        return captured, written, self._move_into_place(target, source.name)

    def verify_archived(self, source: Table, temp: str) -> None:
        """Every captured row must now be in the archive, or nothing may be deleted."""
        missing = self.duck.execute(
            f"SELECT count(*) FROM {quote_identifier(temp)} t WHERE NOT {self._archived_condition(source)}"
        ).fetchone()[0]
        if missing:
            raise DatabaseError(
                f"{missing} {source.name} rows are not in the archive after writing it; nothing deleted"
            )

    def months(self, temp: str) -> list[str]:
        rows = self.duck.execute(f"SELECT DISTINCT strftime(archive_ts, '%Y-%m') FROM {quote_identifier(temp)}")
        return [month for (month,) in rows.fetchall()]

    def cleanup(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def _month_counts(self, pending: str) -> list[tuple[str, int]]:
        return self.duck.execute(
            f"SELECT strftime(archive_ts, '%Y') || '-' || strftime(archive_ts, '%m'), count(*) FROM ({pending}) "
            "GROUP BY ALL"
        ).fetchall()

    def _archived_condition(self, source: Table) -> str:
        """SQL: row ``t`` is already in the archive (false when there is no archive for the table yet)."""
        if not archive_files(self.directory, source.name):
            return "false"
        glob_literal = quote_literal(archive_glob(self.directory, source.name))
        matches = " AND ".join(
            f"a.{quote_identifier(name)} IS NOT DISTINCT FROM t.{quote_identifier(name)}"
            for name in archive_key(source)
        )
        return (
            f"EXISTS (SELECT 1 FROM read_parquet({glob_literal}, hive_partitioning = true, union_by_name = true) a "
            f"WHERE {matches})"
        )

    def _move_into_place(self, staged_table: Path, table_name: str) -> list[Path]:
        moved = []
        for staged in sorted(staged_table.glob("year=*/month=*/*.parquet")):
            final = self.directory / table_name / staged.relative_to(staged_table)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():  # run-unique names make this impossible; refuse rather than overwrite
                raise DatabaseError(f"refusing to overwrite archive file {final}")
            os.replace(staged, final)
            moved.append(final)
        return moved


def _year_month_sql(moment: str) -> str:
    return f"CAST(year({moment}) AS INTEGER) AS year, strftime({moment}, '%m') AS month"


# --- DuckDB: one connection holds the file lock for the whole job ----------------------------------------------


def _archive_duckdb(
    engine: Engine, directory: Path, before: datetime, run: str, result: ArchiveReport, progress: Progress | None
) -> None:
    with duckdb_raw(engine) as (connection, raw):
        mover = _ParquetMover(raw, directory, run, progress)
        try:
            report(progress, f"selecting rows from months before {before:%Y-%m}")
            for source in ARCHIVED_TABLES:
                connection.execute(_CreateTempTableAs(_temp_name(source), rows_to_archive(source, None, before)))
            _export_all(mover, result)
            if result.total_rows:
                report(progress, f"deleting {result.total_rows:,} archived rows")
                for source in (*CHILDREN, TEST_RESULTS):  # children first: nothing references a child
                    captured = table(_temp_name(source), column("id"))
                    connection.execute(delete(source).where(source.c.id.in_(select(captured.c.id))))
            for source in ARCHIVED_TABLES:
                connection.exec_driver_sql(f"DROP TABLE {quote_identifier(_temp_name(source))}")
            connection.commit()
            if result.total_rows:
                result.notes.append("a DuckDB file keeps its size after deletes: run optimize() to compact it")
        finally:
            mover.cleanup()


def _export_all(mover: _ParquetMover, result: ArchiveReport) -> None:
    for source in ARCHIVED_TABLES:
        temp = _temp_name(source)
        captured, written, files = mover.export(source, temp)
        mover.verify_archived(source, temp)
        if captured:
            result.rows[source.name] = result.rows.get(source.name, 0) + captured
            result.written[source.name] = result.written.get(source.name, 0) + written
            result.files += files
            result.months += mover.months(temp)


# --- PostgreSQL: one month (partition) per transaction -----------------------------------------------------------


def _archive_postgresql(
    engine: Engine, directory: Path, before: datetime, run: str, result: ArchiveReport, progress: Progress | None
) -> None:
    with translate_errors(engine), engine.connect() as connection:
        partitions = _closed_partitions(connection, before)
        months = sorted(set(partitions) | set(_months_with_rows(connection, before)))
        connection.rollback()
    duck = duckdb.connect()
    try:
        for month in months:
            report(progress, f"archiving {month:%Y-%m}")
            _archive_pg_month(engine, duck, directory, run, month, partitions.get(month), result, progress)
    finally:
        duck.close()


def _closed_partitions(connection: Connection, before: datetime) -> dict[datetime, str]:
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": TEST_RESULTS.name},
    ).scalars()
    found = {}
    for name in names:
        match = _PARTITION.match(name)
        if match:
            month = datetime(int(match.group(1)), int(match.group(2)), 1)
            if month < before:
                found[month] = name
    return found


def _months_with_rows(connection: Connection, before: datetime) -> Iterator[datetime]:
    """Closed months holding rows outside any partition's reach: children without a test_id."""
    for child in CHILDREN:
        month = func.date_trunc("month", child.c.test_timestamp)
        query = select(month).where(child.c.test_id.is_(None), child.c.test_timestamp < before).distinct()
        yield from connection.execute(query).scalars()


def _archive_pg_month(
    engine: Engine,
    duck: Any,
    directory: Path,
    run: str,
    month: datetime,
    partition: str | None,
    result: ArchiveReport,
    progress: Progress | None,
) -> None:
    end = month_start(month + timedelta(days=32))
    mover = _ParquetMover(duck, directory, run, progress)
    with translate_errors(engine), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            with connection.begin():
                # DETACH needs an exclusive lock on test_results: give up rather than queue every reader behind a
                # long-running query (re-running is safe).
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'")
                if partition is not None:
                    # Before the snapshot is taken: no row can enter the month between export and DROP.
                    quoted = connection.dialect.identifier_preparer.quote(partition)
                    connection.exec_driver_sql(f"LOCK TABLE {quoted} IN SHARE MODE")
                for source in ARCHIVED_TABLES:
                    _load_into_duckdb(connection, duck, source, rows_to_archive(source, month, end))
                _export_all(mover, result)
                for child in CHILDREN:  # the snapshot's rows only: exactly those exported
                    connection.execute(delete(child).where(child.c.id.in_(_ids(rows_to_archive(child, month, end)))))
                if partition is not None:
                    quoted = connection.dialect.identifier_preparer.quote(partition)
                    connection.exec_driver_sql(f"ALTER TABLE {TEST_RESULTS.name} DETACH PARTITION {quoted}")
                    connection.exec_driver_sql(f"DROP TABLE {quoted}")
                    result.partitions_dropped.append(partition)
                    result.months.append(f"{month:%Y-%m}")
        finally:
            mover.cleanup()
            for source in ARCHIVED_TABLES:
                duck.execute(f"DROP TABLE IF EXISTS {quote_identifier(_temp_name(source))}")


def _ids(query: Any) -> Select[Any]:
    rows = query.subquery()
    return select(rows.c.id)


def _load_into_duckdb(connection: Connection, duck: Any, source: Table, query: Any) -> None:
    """Copy a PostgreSQL selection into an in-memory DuckDB temp table with the DuckDB file's column types."""
    rows = connection.execute(query).all()
    names = [c.name for c in source.columns] + [ARCHIVE_TS]
    types = [arrow_type(c.type) for c in source.columns] + [pa.timestamp("us")]
    values: list[list[Any]] = [[] for _ in names]
    json_columns = {i for i, c in enumerate(source.columns) if isinstance(c.type, JSON)}
    for row in rows:
        for i, value in enumerate(row):
            values[i].append(json.dumps(value) if i in json_columns and value is not None else value)
    arrow = pa.table([pa.array(v, type=t) for v, t in zip(values, types, strict=True)], names=names)
    casts = ", ".join(
        f"CAST({quote_identifier(c.name)} AS JSON) AS {quote_identifier(c.name)}"
        for c in source.columns
        if isinstance(c.type, JSON)
    )
    replace = f" REPLACE ({casts})" if casts else ""
    duck.register("accel_orm_rows", arrow)
    try:
        duck.execute(
            f"CREATE TEMP TABLE {quote_identifier(_temp_name(source))} AS SELECT *{replace} FROM accel_orm_rows"
        )
    finally:
        duck.unregister("accel_orm_rows")


__all__ = ["ARCHIVED_TABLES", "ArchiveReport", "archive", "archive_key", "rows_to_archive"]
