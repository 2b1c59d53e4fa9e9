"""Canary: plain duckdb-engine reflection, without accel_orm's catalog-based layer.

``accel_orm.schema.duckdb_dialect`` answers reflection from DuckDB's own catalog functions because duckdb-engine's
inherited PostgreSQL reflection fails on SQLAlchemy 2.1 (duckdb_engine issues #1379 and #1391, fix PR #1393).
Each test below asks a plain ``duckdb://`` engine what the project's dialect answers correctly. They are strict
xfails: the day a duckdb-engine release reflects correctly they XPASS, the suite fails, and that is the signal to
delete the subclass (and these tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.pool import StaticPool

UPSTREAM = "duckdb-engine reflection is broken upstream (duckdb_engine #1379/#1391; fix PR #1393 unreleased)"
canary = pytest.mark.xfail(strict=True, reason=UPSTREAM)


@pytest.fixture
def plain() -> Iterator[Connection]:
    """A plain duckdb-engine connection (not ``duckdb.accel_orm``) with a parent/child pair of tables."""
    engine = create_engine("duckdb:///:memory:", poolclass=StaticPool)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)"))
        connection.execute(
            text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id), v DOUBLE)")
        )
        connection.execute(text("CREATE INDEX ix_child_v ON child (v)"))
        connection.commit()
        yield connection
    engine.dispose()


def _reflect(connection: Connection, what: str) -> Any:
    return getattr(inspect(connection), what)("child")


@canary
@pytest.mark.filterwarnings("ignore::Warning")
def test_plain_duckdb_engine_reflects_columns(plain: Connection) -> None:
    columns = _reflect(plain, "get_columns")
    assert [column["name"] for column in columns] == ["id", "parent_id", "v"]


@canary
@pytest.mark.filterwarnings("ignore::Warning")
def test_plain_duckdb_engine_reflects_primary_key(plain: Connection) -> None:
    assert _reflect(plain, "get_pk_constraint")["constrained_columns"] == ["id"]


@canary
@pytest.mark.filterwarnings("ignore::Warning")
def test_plain_duckdb_engine_reflects_foreign_keys(plain: Connection) -> None:
    foreign_keys = _reflect(plain, "get_foreign_keys")
    assert [(fk["constrained_columns"], fk["referred_table"]) for fk in foreign_keys] == [(["parent_id"], "parent")]


@canary
@pytest.mark.filterwarnings("ignore::Warning")
def test_plain_duckdb_engine_reflects_indexes(plain: Connection) -> None:
    indexes = _reflect(plain, "get_indexes")
    assert [(index["name"], index["column_names"]) for index in indexes] == [("ix_child_v", ["v"])]
