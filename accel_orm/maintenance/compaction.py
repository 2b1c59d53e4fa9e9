"""Optimize: give back the space deleted rows hold, and refresh the planner's statistics.

DuckDB never shrinks a file: ``DELETE`` + ``CHECKPOINT``/``VACUUM`` leave it as large (or larger), and its
``VACUUM`` does nothing. What does compact is a logical copy: ``ATTACH`` a new file in the same directory and
``COPY FROM DATABASE old TO new``. Measured on DuckDB 2.0.1, that copy carries the whole schema: tables, primary
and foreign keys, CHECKs, named (expression) indexes, ``DEFAULT nextval(...)`` column defaults, every sequence
*at its current value* (so new ids never collide with kept or archived ones) and ``alembic_version``, so the
compacted file is at the same revision and passes ``alembic check``. Row counts and sequence values are verified
before the copy replaces the original with an atomic ``os.replace``.

Swap protocol (why in this order): the connection that holds the old file's lock also holds the new file, so no
other process can write to either while they are swapped; both are checkpointed first, so no write-ahead log is
pending for the path; a hard link keeps the old file until the engine has reopened the new one (and puts it back
if the new one cannot be opened). Processes waiting for the lock meanwhile retry by path and so open the new
file. The caller's engine keeps working afterwards because it opens the file per operation (``NullPool``);
engines holding pooled connections to the file would keep seeing the old one. POSIX only: Windows cannot replace
an open file.

PostgreSQL manages its own space: ``VACUUM ANALYZE`` (``VACUUM FULL`` on request, which locks each table while it
rewrites it) on an autocommit connection, since VACUUM cannot run inside a transaction.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from accel_orm.db import database_of, translate_errors
from accel_orm.errors import DatabaseError
from accel_orm.leftovers import Leftover, owner_tag, remove_stale
from accel_orm.maintenance._common import (
    Progress,
    duckdb_catalog_counts,
    duckdb_raw,
    duckdb_sequences,
    file_size,
    format_bytes,
    is_duckdb,
    quote_identifier,
    quote_literal,
    report,
    require_duckdb_file,
    table_counts,
)

_COMPACT_ALIAS = "accel_orm_compact"


@dataclass
class OptimizeReport:
    database: str
    engine: str
    size_before: int | None
    size_after: int | None
    row_counts: dict[str, int] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def saved(self) -> int | None:
        if self.size_before is None or self.size_after is None:
            return None
        return self.size_before - self.size_after

    def lines(self) -> list[str]:
        lines = [f"Optimized {self.database} ({self.engine}) in {self.seconds:.2f} s"]
        lines += [f"  {action}" for action in self.actions]
        lines.append(f"  size before: {format_bytes(self.size_before)}")
        lines.append(f"  size after:  {format_bytes(self.size_after)}")
        if self.saved is not None and self.size_before:
            lines.append(f"  saved:       {format_bytes(self.saved)} ({100 * self.saved / self.size_before:.1f}%)")
        return lines

    def to_text(self) -> str:
        return "\n".join(self.lines())


def optimize(engine: Engine, *, full: bool = False, progress: Progress | None = None) -> OptimizeReport:
    """Compact a DuckDB file (copy, verify, swap, ANALYZE) or ``VACUUM ANALYZE`` a PostgreSQL database.

    ``full`` (PostgreSQL only) runs ``VACUUM FULL``, which returns space to the operating system but takes an
    exclusive lock on each table while rewriting it. DuckDB is always fully compacted.
    """
    started = time.monotonic()
    if is_duckdb(engine):
        result = _optimize_duckdb(engine, progress)
    else:
        result = _optimize_postgresql(engine, full=full, progress=progress)
    result.seconds = time.monotonic() - started
    return result


def stale_compaction_leftovers(path: Path) -> list[Path]:
    """Temporary files of earlier compactions of ``path`` (live or killed; :mod:`accel_orm.leftovers` decides)."""
    return sorted(
        candidate
        for marker in ("compact-", "pre-optimize-")
        for candidate in path.parent.glob(f".{path.name}.{marker}*")
    )


def _optimize_duckdb(engine: Engine, progress: Progress | None) -> OptimizeReport:
    path = require_duckdb_file(engine, "optimize")
    compact = path.with_name(f".{path.name}.compact-{owner_tag()}{uuid.uuid4().hex[:8]}")
    keep = path.with_name(f".{path.name}.pre-optimize-{owner_tag()}{uuid.uuid4().hex[:8]}")
    result = OptimizeReport(database=database_of(engine).describe(), engine="duckdb", size_before=None, size_after=None)
    try:
        with _clean_disk_full_error(path), duckdb_raw(engine) as (_connection, raw):
            # Holding the file's lock: no other compaction of it can be copying now; one that is past its copy
            # (reopening) still owns its files, and remove_stale keeps files of live processes.
            _note_removed(result, remove_stale(stale_compaction_leftovers(path)))
            raw.execute("CHECKPOINT")  # the size to beat includes everything the WAL held
            result.size_before = file_size(path)
            catalog = raw.execute("SELECT current_database()").fetchone()[0]
            counts = duckdb_catalog_counts(raw, catalog)
            sequences = duckdb_sequences(raw, catalog)
            report(progress, f"copying {sum(counts.values()):,} rows into {compact.name}")
            raw.execute(f"ATTACH {quote_literal(compact)} AS {quote_identifier(_COMPACT_ALIAS)}")
            raw.execute(f"COPY FROM DATABASE {quote_identifier(catalog)} TO {quote_identifier(_COMPACT_ALIAS)}")
            raw.execute(f"CHECKPOINT {quote_identifier(_COMPACT_ALIAS)}")
            _verify_copy(raw, counts, sequences)
            result.actions.append(f"copied {len(counts)} tables into a new file; row counts and sequences verified")
            # Still holding both files: keep the old one under a second name, then swap the new one in.
            _keep_original(path, keep)
            os.replace(compact, path)
        report(progress, "reopening the compacted file")
        result.row_counts = _reopen_and_analyze(engine, path, keep)
        result.actions.append("swapped the compacted file in (os.replace) and ran ANALYZE")
    finally:
        for leftover in (compact, keep, compact.with_name(compact.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    result.size_after = file_size(path)
    return result


def _note_removed(result: OptimizeReport, removed: list[Leftover]) -> None:
    result.actions += [leftover.describe() for leftover in removed]


@contextlib.contextmanager
def _clean_disk_full_error(path: Path) -> Iterator[None]:
    """A full disk is an error a person can act on: say so in one line, with what to do."""
    try:
        yield
    except DatabaseError as error:
        if "No space left on device" not in str(error):
            raise
        raise DatabaseError(
            f"not enough disk space to optimize {path}: {error}. Compaction writes a copy of the live data next to "
            f"the file; free space in {path.parent} and run it again. The original database is intact."
        ) from None


def _reopen_and_analyze(engine: Engine, path: Path, keep: Path) -> dict[str, int]:
    """Open the swapped-in file through the caller's engine; if it cannot even be opened, put the original back.

    Only an unopenable file is rolled back: once it opens, other processes may already be writing to it, and
    its contents were verified (counts, sequences) before the swap.
    """
    try:
        connection = engine.connect()
    except BaseException:
        os.replace(keep, path)
        raise
    with translate_errors(engine), connection:
        counts = table_counts(connection)
        connection.execute(text("ANALYZE"))
        connection.commit()
    return counts


def _keep_original(path: Path, keep: Path) -> None:
    """A second name for the original file: a free hard link where the filesystem has them, else a copy."""
    try:
        os.link(path, keep)
    except OSError:
        shutil.copy2(path, keep)


def _verify_copy(raw: object, counts: dict[str, int], sequences: dict[str, int | None]) -> None:
    copied = duckdb_catalog_counts(raw, _COMPACT_ALIAS)
    if copied != counts:
        raise DatabaseError(f"compaction copy is incomplete: expected row counts {counts}, got {copied}")
    copied_sequences = duckdb_sequences(raw, _COMPACT_ALIAS)
    for name, value in sequences.items():
        if name not in copied_sequences or (value is not None and (copied_sequences[name] or 0) < value):
            raise DatabaseError(
                f"compaction copy lost sequence {name}: was at {value}, copy at {copied_sequences.get(name)}"
            )


def _optimize_postgresql(engine: Engine, *, full: bool, progress: Progress | None) -> OptimizeReport:
    size = select(func.pg_database_size(func.current_database()))
    statement = "VACUUM (FULL, ANALYZE)" if full else "VACUUM (ANALYZE)"
    with translate_errors(engine), engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        before = conn.execute(size).scalar_one()
        report(progress, f"running {statement}")
        conn.execute(text(statement))
        after = conn.execute(size).scalar_one()
        counts = table_counts(conn)
    return OptimizeReport(
        database=database_of(engine).describe(),
        engine="postgresql",
        size_before=before,
        size_after=after,
        row_counts=counts,
        actions=[f"ran {statement} on every table"],
    )
