"""Hand-written SQL on a read-only connection: what ``run_sql`` and ``accel-orm query --sql`` execute.

DuckDB opens the file read-only, so no statement can change it. PostgreSQL runs the statement in a read-only
transaction, prepared (so it is exactly one statement and cannot end that transaction), and rolls back.
Parameters use SQLAlchemy's ``:name`` style and are bound, never formatted into the text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import URL

from accel_orm.db import get_engine, translate_errors
from accel_orm.errors import DatabaseError

_MULTIPLE_STATEMENTS = "multiple commands into a prepared statement"


def run_read_only_sql(
    location: str | os.PathLike[str] | URL | None, sql: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run one statement read-only and return its rows (an empty frame for statements without rows)."""
    engine = get_engine(location, read_only=True, auto_upgrade=False)
    try:
        with _one_statement_message(), translate_errors(engine.url), engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            result = connection.execute(text(sql), dict(params or {}))
            if not result.returns_rows:
                return pd.DataFrame()
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
            connection.rollback()
            return frame
    finally:
        engine.dispose()


@contextmanager
def _one_statement_message() -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        if _MULTIPLE_STATEMENTS in str(error):
            raise DatabaseError("give one SQL statement at a time (statements separated by ';' are refused)") from error
        raise
