"""What a downgrade would destroy: tables and columns it drops that hold rows.

Found by rehearsal rather than by reading the migration scripts: the downgrade runs inside a transaction (DDL is
transactional on both engines), the tables and columns are compared before and after, the dropped ones that
hold data are counted, and the transaction is rolled back. So a new revision needs no extra bookkeeping to be
covered. PostgreSQL's monthly partitions are left out: dropping the partitioned table's months is a rebuild of
``test_results``, whose rows the downgrade copies back.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from sqlalchemy import Connection, Engine, column, func, inspect, select, table

from accel_orm.db import translate_errors
from accel_orm.schema.partitions import is_partition_table
from accel_orm.schema.upgrade import alembic_config


@dataclass(frozen=True)
class DataLoss:
    table: str
    column: str | None  # None: the whole table goes
    rows: int

    def describe(self) -> str:
        if self.column is None:
            return f"table {self.table} ({self.rows:,} rows)"
        return f"column {self.table}.{self.column} ({self.rows:,} values)"


def downgrade_losses(engine: Engine, revision: str) -> list[DataLoss]:
    """The data ``accel-orm db downgrade revision`` would drop (empty when it drops nothing that holds data)."""
    with translate_errors(engine.url), engine.connect() as connection:
        before = schema_columns(connection)  # this begins the rehearsal's transaction (autobegin)
        try:
            command.downgrade(alembic_config(connection), revision)  # inside it: Alembic will not commit
            after = schema_columns(connection)
        finally:
            connection.rollback()
        losses = losses_between(connection, before, after)
        connection.rollback()
    return losses


def schema_columns(connection: Connection) -> dict[str, set[str]]:
    """Each table's column names (not Alembic's version table, not PostgreSQL's month partitions)."""
    inspector = inspect(connection)
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != "alembic_version" and not is_partition_table(name)
    }


def losses_between(connection: Connection, before: dict[str, set[str]], after: dict[str, set[str]]) -> list[DataLoss]:
    """The tables and columns of ``before`` missing from ``after`` that hold data, counted on ``connection``.

    ``connection`` must see the database as it was before (the change rolled back).
    """
    losses = []
    for name, columns in sorted(before.items()):
        if name not in after:
            rows = _count(connection, name, None)
            if rows:
                losses.append(DataLoss(name, None, rows))
            continue
        for dropped in sorted(columns - after[name]):
            values = _count(connection, name, dropped)
            if values:
                losses.append(DataLoss(name, dropped, values))
    return losses


def _count(connection: Connection, table_name: str, column_name: str | None) -> int:
    source = table(table_name, *([column(column_name)] if column_name else []))
    query = select(func.count()).select_from(source)
    if column_name is not None:
        query = query.where(source.c[column_name].is_not(None))
    return int(connection.execute(query).scalar_one())
