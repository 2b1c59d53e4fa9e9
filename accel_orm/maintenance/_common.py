"""Plumbing shared by the maintenance jobs: progress callbacks, raw DuckDB access, quoting, sizes and clocks.

The jobs need things the ORM does not give: ``ATTACH``/``COPY FROM DATABASE`` on the very connection that holds
DuckDB's file lock, and file-level facts (sizes, WAL files). Keeping that here keeps each job module about its
job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection, Engine, Table, func, select

from accel_orm.db import database_of, translate_errors
from accel_orm.models import Base

Progress = Callable[[str], None]
"""Called with one human-readable line per step of long work (the CLI prints it; tests collect it)."""

APP_TABLES: tuple[Table, ...] = tuple(Base.metadata.sorted_tables)


def report(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def is_duckdb(engine: Engine) -> bool:
    return engine.dialect.name == "duckdb"


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def require_duckdb_file(engine: Engine, job: str) -> Path:
    """The engine's DuckDB file; file-level jobs make no sense for in-memory databases."""
    database = database_of(engine)
    if database.path is None:
        raise ValueError(f"{job} needs a DuckDB file or PostgreSQL; {database.describe()} is an in-memory database")
    return database.path


def quote_identifier(name: str) -> str:
    """A DuckDB/PostgreSQL identifier in double quotes (for catalog and table names the job chose itself)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | os.PathLike[str]) -> str:
    """A SQL string literal: ATTACH and COPY ... TO take file paths only as literals, never as parameters."""
    return "'" + os.fspath(value).replace("'", "''") + "'"


def file_size(path: Path) -> int:
    """Bytes on disk for a DuckDB database: the file plus its write-ahead log, if one is pending."""
    size = path.stat().st_size if path.exists() else 0
    wal = wal_path(path)
    if wal.exists():
        size += wal.stat().st_size
    return size


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def format_bytes(size: int | None) -> str:
    if size is None:
        return "n/a"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows per application table, counted with Core from the models."""
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one() for table in APP_TABLES
    }


@contextmanager
def duckdb_raw(engine: Engine) -> Iterator[tuple[Connection, Any]]:
    """A SQLAlchemy connection and its raw DuckDB connection, holding the file lock until the block ends.

    Opening it goes through the engine, so a file held by another writer is waited for with the engine's lock
    retry. DuckDB errors raised by raw statements are turned into :class:`DatabaseError` naming the file.
    """
    with translate_errors(engine), engine.connect() as connection:
        try:
            yield connection, connection.connection.driver_connection
        except duckdb.FatalException:
            # DuckDB invalidated the database (e.g. the disk filled during a checkpoint). Rolling back on it fails
            # again, and the pool would log that second failure as a 20-line traceback before the real error:
            # drop the connection instead of returning it.
            connection.invalidate()
            raise


def duckdb_catalog_tables(raw: Any, catalog: str) -> list[str]:
    """Every base table of one attached DuckDB catalog (application tables and ``alembic_version``)."""
    rows = raw.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name",
        [catalog],
    ).fetchall()
    return [name for (name,) in rows]


def duckdb_catalog_counts(raw: Any, catalog: str) -> dict[str, int]:
    """Rows per table of one attached DuckDB catalog (names come from DuckDB's own catalog, then quoted)."""
    counts = {}
    for name in duckdb_catalog_tables(raw, catalog):
        sql = f"SELECT count(*) FROM {quote_identifier(catalog)}.main.{quote_identifier(name)}"
        counts[name] = raw.execute(sql).fetchone()[0]
    return counts


def duckdb_sequences(raw: Any, catalog: str) -> dict[str, int | None]:
    """The last value handed out by each sequence of a catalog (None when never used)."""
    rows = raw.execute(
        "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = ? ORDER BY sequence_name",
        [catalog],
    ).fetchall()
    return dict(rows)
