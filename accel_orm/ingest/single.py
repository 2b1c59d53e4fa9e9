"""Store ONE result with plain bound INSERTs: the ``store_test_result`` path after a handler's first call.

For a single row, registering an Arrow table (DuckDB) or starting a COPY (PostgreSQL) per fact table costs
more than the row itself, so this path runs one bound ``INSERT ... VALUES`` per table on the transaction's own
driver connection and commits. Validation is the per-item checker's (the same rules and messages as every
other path), and models and hardware are resolved by :mod:`accel_orm.ingest.dimensions` the first time they
are seen, then remembered:

- DuckDB: for as long as the handler holds the file; while it does, no other process can change them.
- PostgreSQL: across calls. Other writers only ever add dimension rows and fill their blanks; an id never
  changes and accel_orm never deletes one. The months whose ``test_results`` partitions exist are remembered
  too. If a remembered row or partition is removed behind our back anyway (by hand; archiving detaches old
  months), the write is refused on a constraint, and the handler forgets what was remembered and tries the
  call once more (``TestResultsDBHandler._store_one_pooled``).

A fact that arrives later (a model family) still goes through the dimension code, which fills blanks without
overwriting known values. :meth:`SingleResultWriter.forget` drops what was remembered; the owner calls it when
it lets go of the DuckDB file and after any failed call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Engine, Table

from accel_orm.errors import InvalidResultError
from accel_orm.ingest.dimensions import KnownDimensions, resolve_dimensions
from accel_orm.ingest.fields import INHERITED_FROM_RESULT
from accel_orm.ingest.validate import ResultBatch, SectionColumns, validate_chunk_per_item
from accel_orm.ingest.writers import TEST_ID_SEQUENCE, null_by_default, writer_for
from accel_orm.models import PerformanceResult, PowerMetric, TestResult
from accel_orm.schema.partitions import ensure_test_result_partitions, month_start

# The driver's placeholder for a bound value (DuckDB: qmark; psycopg: format).
_PLACEHOLDERS = {"duckdb": "?", "postgresql": "%s"}


def _insert_sql(connection: Connection, table: Table, names: Sequence[str], *, id_sequence: str | None) -> str:
    """``INSERT INTO t (c, ...) VALUES (?, ...)`` over the model's own column names (never user text)."""
    quote = connection.dialect.identifier_preparer.quote
    columns = [quote(name) for name in names]
    values = [_PLACEHOLDERS[connection.dialect.name]] * len(names)
    if id_sequence is not None:
        columns.insert(0, quote("id"))
        values.insert(0, f"nextval('{id_sequence}')")
    returning = " RETURNING id" if id_sequence is not None else ""
    return f"INSERT INTO {quote(table.name)} ({', '.join(columns)}) VALUES ({', '.join(values)}){returning}"


class SingleResultWriter:
    """Writes one validated result per call inside the caller's transaction (DuckDB or PostgreSQL)."""

    def __init__(self) -> None:
        self._known = KnownDimensions()
        self._statements: dict[tuple[str, str, tuple[str, ...]], str] = {}
        self._months: set[datetime] = set()  # PostgreSQL: months known to have a test_results partition

    def forget(self) -> None:
        """Drop remembered dimension ids and partitions: after a failed call, and when we let go of the DuckDB
        file (another process may change the database then)."""
        self._known.forget()
        self._months.clear()

    def remembers_anything(self) -> bool:
        """Whether a failed write may be due to something remembered (then it is worth one more try)."""
        return bool(self._known.models or self._known.hardware or self._months)

    def prepare(self, engine: Engine, batch: ResultBatch) -> None:
        """PostgreSQL: make sure the result's month has a partition, in a short transaction of its own before the
        one that inserts (as the bulk path does), once per month."""
        if engine.dialect.name != "postgresql":
            return
        month = month_start(batch.test["timestamp"][0])
        if month not in self._months:
            ensure_test_result_partitions(engine, [month])
            self._months.add(month)

    def validate(self, result: dict[str, Any]) -> ResultBatch:
        checked = validate_chunk_per_item([result], 0)
        if checked.problems:
            lines = [line for messages in checked.problems.values() for line in messages]
            raise InvalidResultError(lines, heading="invalid test result; nothing was written")
        return checked.batch

    def write(self, connection: Connection, batch: ResultBatch, *, run_id: int | None = None) -> None:
        """Insert the batch's one result (and its sub-dict rows) in the caller's open transaction.

        ``run_id``: the (already recorded) run the result and its rows belong to.
        """
        model_id, hardware_id = self._dimension_ids(connection, batch)
        raw: Any = connection.connection.driver_connection
        test = {name: values[0] for name, values in batch.test.items()}
        timestamp: datetime = test["timestamp"]
        test.update(model_id=model_id, hardware_id=hardware_id, test_date=timestamp.date().isoformat())
        if run_id is not None:
            test["run_id"] = run_id
        test_id = self._insert(connection, raw, cast(Table, TestResult.__table__), test).fetchone()[0]
        for section, entity in ((batch.performance, PerformanceResult), (batch.power, PowerMetric)):
            if section.rows:
                row = self._section_row(section, timestamp, test_id, model_id, hardware_id)
                if entity is PerformanceResult:
                    for name in INHERITED_FROM_RESULT:  # as the bulk path does
                        if row.get(name) is None:
                            row[name] = test[name]
                if run_id is not None:
                    row["run_id"] = run_id
                self._insert(connection, raw, cast(Table, entity.__table__), row)
        if batch.compatibility.rows:
            # Rare in one-at-a-time calls; the bulk upsert keeps "the newest verdict wins" in one place.
            from accel_orm.ingest.store import _upsert_compatibility

            ids = np.asarray([model_id]), np.asarray([hardware_id])
            writer = writer_for(connection)
            _upsert_compatibility(connection, writer, batch.compatibility, batch.test["timestamp"], *ids)

    def _insert(self, connection: Connection, raw: Any, table: Table, row: dict[str, Any]) -> Any:
        """Execute the row's INSERT; NULLs the table would store anyway are left out (a shorter statement is a
        cheaper one to bind)."""
        row = {name: value for name, value in row.items() if value is not None or not null_by_default(table, name)}
        return raw.execute(self._statement(connection, table, row), list(row.values()))

    def _statement(self, connection: Connection, table: Table, row: dict[str, Any]) -> str:
        key = (connection.dialect.name, table.name, tuple(row))
        statement = self._statements.get(key)
        if statement is None:
            sequence = TEST_ID_SEQUENCE.name if table.name == "test_results" else None
            statement = self._statements[key] = _insert_sql(connection, table, list(row), id_sequence=sequence)
        return statement

    @staticmethod
    def _section_row(
        section: SectionColumns, timestamp: datetime, test_id: int, model_id: int, hardware_id: int
    ) -> dict[str, Any]:
        row = {name: values[0] for name, values in section.columns.items()}
        if row.get("test_timestamp") is None:
            row["test_timestamp"] = timestamp
        row.update(test_id=test_id, model_id=model_id, hardware_id=hardware_id)
        return row

    def _dimension_ids(self, connection: Connection, batch: ResultBatch) -> tuple[int, int]:
        model_ids, hardware_ids, _ = resolve_dimensions(connection, batch.model, batch.hardware, self._known)
        return int(model_ids[0]), int(hardware_ids[0])
