"""Fixtures for the query-module tests: a fresh database per engine, loaded with :mod:`tests.queries.dataset`."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, Executable

from accel_orm.frames import to_frame

from . import dataset


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The ``engine`` fixture (DuckDB and PostgreSQL) with the known-answer dataset inserted."""
    dataset.load(engine)
    return engine


def rows(stmt: Executable, engine: Engine) -> list[dict[str, object]]:
    """The result as plain dicts (missing -> None), for exact comparisons that read well in a failure message."""
    return records(to_frame(stmt, engine))


def records(result: pd.DataFrame) -> list[dict[str, object]]:
    return [
        {key: (None if pd.isna(value) else value) for key, value in record.items()}
        for record in result.astype(object).to_dict("records")
    ]


def frame(stmt: Executable, engine: Engine) -> pd.DataFrame:
    return to_frame(stmt, engine)
