"""Backup: a consistent copy of the database named by UTC time, plus retention of the newest N.

DuckDB: copying the file with ``cp`` while a writer is mid-transaction can catch a half-written file and miss
what still sits in the WAL. Instead the backup opens the database through the engine, which takes DuckDB's file
lock (waiting, with the engine's retry, for any writer to finish), and copies it from inside that connection with
``ATTACH`` + ``COPY FROM DATABASE``: a logical copy that carries schema, indexes, sequences and
``alembic_version`` (see :mod:`accel_orm.maintenance.compaction`) and drops the space deleted rows held. Row counts
per table are verified while the lock is still held; the copy gets its final name only then, so a backup under
a final name is always complete.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot, restorable with ``pg_restore``), checked with
``pg_restore --list``. ``pg_dump`` is looked for on PATH and in ``/usr/lib/postgresql/*/bin`` (Debian keeps it
there), the newest version first, as it must not be older than the server.

Names: ``<database>-YYYYMMDDTHHMMSSZ<suffix>`` (``benchmark_db-20261126T103000Z.duckdb``, ``bench-...Z.dump``),
with ``-1``, ``-2``... if two backups land in the same second. Retention only ever deletes files of exactly that
shape for the same database, so other files in the directory are safe.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from accel_orm.db import database_of, translate_errors
from accel_orm.errors import DatabaseError
from accel_orm.maintenance._common import (
    Progress,
    duckdb_catalog_counts,
    duckdb_raw,
    format_bytes,
    is_duckdb,
    quote_identifier,
    quote_literal,
    report,
    require_duckdb_file,
)
from accel_orm.timestamps import utc_now

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PG_DUMP_SUFFIX = ".dump"
_BACKUP_ALIAS = "accel_orm_backup"
_PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")  # "pg_dump (PostgreSQL) 15.18 (Debian ...)"


class BackupToolMissingError(DatabaseError):
    """``pg_dump`` (of a version at least the server's) could not be found."""


@dataclass
class BackupReport:
    database: str
    engine: str
    path: Path
    size_bytes: int
    row_counts: dict[str, int] = field(default_factory=dict)  # verified in the copy (DuckDB)
    tool: str = ""
    removed: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        lines = [f"Backed up {self.database} to {self.path} ({format_bytes(self.size_bytes)}) in {self.seconds:.2f} s"]
        if self.tool:
            lines.append(f"  with {self.tool}")
        if self.row_counts:
            lines.append(f"  verified {sum(self.row_counts.values()):,} rows in {len(self.row_counts)} tables")
        lines += [f"  removed old backup {path.name}" for path in self.removed]
        lines.append(f"  {len(self.kept)} backup(s) kept")
        return lines

    def to_text(self) -> str:
        return "\n".join(self.lines())


def backup(
    engine: Engine,
    backup_dir: str | os.PathLike[str],
    *,
    retention: int | None = None,
    now: datetime | None = None,
    pg_dump: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> BackupReport:
    """Write a consistent, verified backup into ``backup_dir`` and keep only the newest ``retention`` of them.

    ``now`` (naive UTC) names the backup; it defaults to the current time. ``retention=None`` keeps every
    backup. ``pg_dump`` overrides where the PostgreSQL dump tool is.
    """
    if retention is not None and retention < 1:
        raise ValueError(f"retention must be at least 1 (the backup just made), got {retention}")
    started = time.monotonic()
    directory = Path(backup_dir).expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    moment = now or utc_now()
    if is_duckdb(engine):
        source = require_duckdb_file(engine, "backup")
        stem, suffix = source.stem, source.suffix or ".duckdb"
        target = _free_name(directory, stem, suffix, moment)
        result = _backup_duckdb(engine, target, progress)
    else:
        stem, suffix = engine.url.database or "postgres", PG_DUMP_SUFFIX
        target = _free_name(directory, stem, suffix, moment)
        result = _backup_postgresql(engine, target, pg_dump, progress)
    result.removed, result.kept = apply_retention(directory, stem, suffix, retention, newest=target)
    result.seconds = time.monotonic() - started
    return result


def backup_name(stem: str, suffix: str, moment: datetime, counter: int = 0) -> str:
    return f"{stem}-{moment:{TIMESTAMP_FORMAT}}{f'-{counter}' if counter else ''}{suffix}"


def list_backups(directory: Path, stem: str, suffix: str) -> list[Path]:
    """Backups of one database in ``directory``, oldest first (by the time in their name)."""
    pattern = re.compile(rf"^{re.escape(stem)}-(\d{{8}}T\d{{6}}Z)(?:-(\d+))?{re.escape(suffix)}$")
    found = []
    for path in directory.iterdir():
        match = pattern.match(path.name)
        if match and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 0)), path))
    return [path for _key, path in sorted(found)]


def apply_retention(
    directory: Path, stem: str, suffix: str, retention: int | None, *, newest: Path
) -> tuple[list[Path], list[Path]]:
    """Delete all but the newest ``retention`` backups (never ``newest``, the one just written)."""
    others = [path for path in list_backups(directory, stem, suffix) if path != newest]
    if retention is None:
        return [], [*others, newest]
    keep_others = others[len(others) - (retention - 1) :] if retention > 1 else []
    removed = [path for path in others if path not in keep_others]
    for path in removed:
        path.unlink()
    return removed, [*keep_others, newest]


def _free_name(directory: Path, stem: str, suffix: str, moment: datetime) -> Path:
    counter = 0
    while (directory / backup_name(stem, suffix, moment, counter)).exists():
        counter += 1
    return directory / backup_name(stem, suffix, moment, counter)


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial-{uuid.uuid4().hex[:8]}")


def _backup_duckdb(engine: Engine, target: Path, progress: Progress | None) -> BackupReport:
    partial = _partial(target)
    try:
        with duckdb_raw(engine) as (_connection, raw):
            catalog = raw.execute("SELECT current_database()").fetchone()[0]
            counts = duckdb_catalog_counts(raw, catalog)
            report(progress, f"copying {sum(counts.values()):,} rows to {target.name}")
            raw.execute(f"ATTACH {quote_literal(partial)} AS {quote_identifier(_BACKUP_ALIAS)}")
            try:
                raw.execute(f"COPY FROM DATABASE {quote_identifier(catalog)} TO {quote_identifier(_BACKUP_ALIAS)}")
                copied = duckdb_catalog_counts(raw, _BACKUP_ALIAS)
            finally:
                raw.execute(f"DETACH {quote_identifier(_BACKUP_ALIAS)}")
            if copied != counts:
                raise DatabaseError(f"backup copy is incomplete: expected row counts {counts}, got {copied}")
        os.replace(partial, target)
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return _written(engine, target, tool="DuckDB COPY FROM DATABASE", row_counts=counts)


def _backup_postgresql(
    engine: Engine, target: Path, pg_dump: str | os.PathLike[str] | None, progress: Progress | None
) -> BackupReport:
    with translate_errors(engine), engine.connect() as connection:
        server_version = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    tool = Path(pg_dump) if pg_dump is not None else find_pg_tool("pg_dump", server_version // 10000)
    url = engine.url.set(drivername="postgresql", password=None)
    environment = dict(os.environ)
    if engine.url.password is not None:
        environment["PGPASSWORD"] = str(engine.url.password)  # never on the command line, where ps shows it
    environment.setdefault("PGCONNECT_TIMEOUT", "10")
    partial = _partial(target)
    report(progress, f"running {tool.name} to {target.name}")
    try:
        _run([str(tool), "--format=custom", f"--file={partial}", f"--dbname={url.render_as_string()}"], environment)
        restore = tool.with_name("pg_restore")
        if restore.exists():
            _run([str(restore), "--list", str(partial)], environment)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return _written(engine, target, tool=f"{tool} --format=custom")


def _written(engine: Engine, target: Path, *, tool: str, row_counts: dict[str, int] | None = None) -> BackupReport:
    """The report of a backup file just put in place."""
    return BackupReport(
        database=database_of(engine).describe(),
        engine=engine.dialect.name,
        path=target,
        size_bytes=target.stat().st_size,
        row_counts=row_counts or {},
        tool=tool,
    )


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    completed = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        message = (completed.stderr or completed.stdout).strip().splitlines()
        raise DatabaseError(f"{Path(arguments[0]).name} failed: {message[-1] if message else completed.returncode}")


def find_pg_tool(name: str, server_major: int) -> Path:
    """The newest ``name`` (pg_dump, pg_restore) on PATH or under /usr/lib/postgresql/*/bin.

    Raises :class:`BackupToolMissingError` when none is found or the newest is older than the server.
    """
    candidates = {Path(path) for path in glob.glob(os.path.join(_PG_BIN_GLOB, name))}
    on_path = shutil.which(name)
    if on_path:
        candidates.add(Path(on_path))
    versions = [(version, path) for path in candidates if (version := _tool_version(path)) is not None]
    if not versions:
        raise BackupToolMissingError(
            f"{name} was not found on PATH or in {_PG_BIN_GLOB}: install the PostgreSQL client tools "
            f"(Debian/Ubuntu: apt-get install postgresql-client-{server_major}) or pass its location"
        )
    version, path = max(versions)
    if version[0] < server_major:
        raise BackupToolMissingError(
            f"the newest {name} found ({path}, version {version[0]}) is older than the server (version "
            f"{server_major}) and cannot dump it: install postgresql-client-{server_major} or newer"
        )
    return path


def _tool_version(path: Path) -> tuple[int, int] | None:
    try:
        completed = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(completed.stdout)
    if completed.returncode != 0 or match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)
