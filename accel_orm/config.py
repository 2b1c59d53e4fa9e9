"""Where the database is.

One resolver serves the Python API, the CLI and ``alembic/env.py``, so they always agree:

1. an explicit argument (a SQLAlchemy URL or a DuckDB file path);
2. the ``BENCHMARK_DB_URL`` environment variable (any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``);
3. the ``BENCHMARK_DB_PATH`` environment variable (a DuckDB file);
4. ``./benchmark_db.duckdb``.

A plain path (anything without ``://``) means a DuckDB file.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_URL = "BENCHMARK_DB_URL"
ENV_PATH = "BENCHMARK_DB_PATH"
DEFAULT_PATH = "benchmark_db.duckdb"
MEMORY = ":memory:"


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
    if url.get_backend_name() != "duckdb" or url.database in (None, "", MEMORY):
        return None
    return Path(url.database)


def describe(url: URL) -> str:
    """A human-readable name of the database with any password hidden, for messages and logs."""
    path = duckdb_file(url)
    if path is not None:
        return str(path)
    return url.render_as_string(hide_password=True)


def _to_url(value: str | os.PathLike[str] | URL) -> URL:
    if isinstance(value, URL):
        return value
    text = os.fspath(value).strip()
    if "://" in text:
        return make_url(text)
    return duckdb_url(text)
