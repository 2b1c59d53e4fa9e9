"""Reading archived months back, so analyses can span the live database and its Parquet archive.

Archived rows keep every column of their table (plus the ``year``/``month`` hive partition keys in the path), so
the same query answers the same question before and after archiving when it reads ``table UNION ALL archive``:

- :func:`archive_union` (DuckDB engines): a subquery with exactly the table's columns over the live table and
  ``read_parquet(...)``. A query module uses it in place of the table::

      results = archive_union(TestResult.__table__, "/data/archive")
      select(results.c.model_id, func.avg(results.c.execution_time)).group_by(results.c.model_id)

  DuckDB prunes Parquet files by the ``year``/``month`` directories when a query filters on time.
- :func:`archived_rows`: the archive alone, as a DuckDB table-valued ``read_parquet`` with the table's columns.
- :func:`read_archive` (any engine, including PostgreSQL, which cannot read Parquet itself): the archive of one
  table as a ``pyarrow.Table``, read by an in-memory DuckDB, to combine with the database's answer in pandas.

Whether an archive exists is decided when the query is *built* (a ``read_parquet`` over no files is an error), so
build the query after archiving. Rows caught between an interrupted archive run's Parquet write and its delete are
in both places until the run is repeated (see :mod:`accel_orm.maintenance.archiving`).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Table, bindparam, column, func, select, text
from sqlalchemy.sql import Subquery, TableValuedAlias

from accel_orm.models import Base


def archive_glob(archive_dir: str | os.PathLike[str], table_name: str) -> str:
    """The Parquet glob of one table's archive: ``<dir>/<table>/year=*/month=*/*.parquet``."""
    return os.path.join(Path(archive_dir).expanduser().resolve(), table_name, "year=*", "month=*", "*.parquet")


def archive_files(archive_dir: str | os.PathLike[str], table_name: str) -> list[Path]:
    return sorted(Path(path) for path in glob.glob(archive_glob(archive_dir, table_name)))


def _table(table: Table | str) -> Table:
    return Base.metadata.tables[table] if isinstance(table, str) else table


def archived_rows(table: Table | str, archive_dir: str | os.PathLike[str]) -> TableValuedAlias:
    """DuckDB only: ``read_parquet(<archive glob>, hive_partitioning = true)`` typed with the table's columns.

    The glob is a bound parameter. Raises FileNotFoundError when the table has no archive yet.
    """
    source = _table(table)
    if not archive_files(archive_dir, source.name):
        raise FileNotFoundError(f"no archived {source.name} under {archive_dir}")
    reader = func.read_parquet(
        bindparam(f"{source.name}_archive_glob", archive_glob(archive_dir, source.name)),
        text("hive_partitioning = true"),
        text("union_by_name = true"),
    )
    return reader.table_valued(*(column(c.name, c.type) for c in source.columns), name=f"{source.name}_archive")


def archive_union(table: Table | str, archive_dir: str | os.PathLike[str]) -> Subquery:
    """DuckDB only: the live ``table`` UNION ALL its archive, as a subquery with the table's columns and name.

    Without an archive for the table it is just the live table (as a subquery of the same shape).
    """
    source = _table(table)
    live = select(*source.columns)
    if not archive_files(archive_dir, source.name):
        return live.subquery(source.name)
    archived = archived_rows(source, archive_dir)
    return live.union_all(select(*(archived.c[c.name] for c in source.columns))).subquery(source.name)


def read_archive(archive_dir: str | os.PathLike[str], table: Table | str) -> pa.Table:
    """The archived rows of one table (all columns plus ``year``/``month``), on any engine; empty if none.

    Read with an in-memory DuckDB, so no database file is locked and PostgreSQL users can read archives too.
    """
    source = _table(table)
    if not archive_files(archive_dir, source.name):
        return pa.table({c.name: pa.array([], type=pa.null()) for c in source.columns})
    with duckdb.connect() as duck:
        return duck.sql(
            "SELECT * FROM read_parquet(?, hive_partitioning = true, union_by_name = true)",
            params=[archive_glob(archive_dir, source.name)],
        ).to_arrow_table()
