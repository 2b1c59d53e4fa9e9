"""Where the database is.

One resolver serves the Python API, the CLI and ``alembic/env.py``, so they always agree:

1. an explicit argument (a SQLAlchemy URL or a DuckDB file path);
2. the ``BENCHMARK_DB_URL`` environment variable (any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``);
3. the ``BENCHMARK_DB_PATH`` environment variable (a DuckDB file);
4. ``./benchmark_db.duckdb``.

A plain path (anything without ``://``) means a DuckDB file. :func:`resolve` answers once with a
:class:`Database` (the URL, the backend, the file behind it, a name for messages) that the engine factory, the
CLI and the maintenance jobs receive instead of re-reading the URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_URL = "BENCHMARK_DB_URL"
ENV_PATH = "BENCHMARK_DB_PATH"
DEFAULT_PATH = "benchmark_db.duckdb"
MEMORY = ":memory:"


@dataclass(frozen=True)
class Database:
    """Where the database is, resolved once: its URL, its backend and, for a DuckDB file, the file."""

    url: URL
    backend: str  # "duckdb", "postgresql", ... (the URL's backend name)
    path: Path | None  # the DuckDB file; None for in-memory DuckDB and for servers

    @classmethod
    def from_url(cls, url: URL) -> Database:
        backend = url.get_backend_name()
        path = None if backend != "duckdb" or url.database in (None, "", MEMORY) else Path(url.database)
        return cls(url, backend, path)

    @property
    def is_duckdb(self) -> bool:
        return self.backend == "duckdb"

    def describe(self) -> str:
        """A human-readable name of the database with any password hidden, for messages and logs."""
        return str(self.path) if self.path is not None else self.url.render_as_string(hide_password=True)


def resolve(url_or_path: str | os.PathLike[str] | URL | Database | None = None) -> Database:
    """The database to use (see the module docstring for precedence); a :class:`Database` is returned as is."""
    if isinstance(url_or_path, Database):
        return url_or_path
    return Database.from_url(resolve_url(url_or_path))


def resolve_url(url_or_path: str | os.PathLike[str] | URL | None = None) -> URL:
    """Return the SQLAlchemy URL of the database to use (see the module docstring for precedence)."""
    if url_or_path is not None and str(url_or_path) != "":
        return _to_url(url_or_path)
    env_url = os.environ.get(ENV_URL, "").strip()
    if env_url:
        return _to_url(env_url)
    env_path = os.environ.get(ENV_PATH, "").strip()
    if env_path:
        return duckdb_url(env_path)
    return duckdb_url(DEFAULT_PATH)


def duckdb_url(path: str | os.PathLike[str]) -> URL:
    """The URL of a DuckDB file (made absolute, so a later ``chdir`` cannot move the database)."""
    text = os.fspath(path)
    if text == MEMORY:
        return make_url("duckdb:///:memory:")
    return make_url(f"duckdb:///{Path(text).expanduser().resolve()}")


def duckdb_file(url: URL) -> Path | None:
    """The file behind a DuckDB URL, or None for other engines and in-memory databases."""
    return Database.from_url(url).path


def describe(url: URL) -> str:
    """A human-readable name of the database with any password hidden, for messages and logs."""
    return Database.from_url(url).describe()


def _to_url(value: str | os.PathLike[str] | URL) -> URL:
    if isinstance(value, URL):
        return value
    text = os.fspath(value).strip()
    if "://" in text:
        return make_url(text)
    return duckdb_url(text)
