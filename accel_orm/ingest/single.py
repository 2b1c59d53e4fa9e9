"""Store ONE result with plain bound INSERTs: the ``store_test_result`` path on a held DuckDB connection.

For a single row, registering an Arrow table per fact table costs more than the row itself, so this path runs
one prepared ``INSERT ... VALUES (?, ...)`` per table on the transaction's own DuckDB connection and commits.
Validation is the per-item checker's (the same rules and messages as every other path), and models and
hardware are resolved by :mod:`accel_orm.ingest.dimensions` the first time they are seen, then remembered for
as long as the connection is held: while this process holds the DuckDB file no other process can change
them. A fact that arrives later (a model family) still goes through the dimension code, which fills blanks
without overwriting known values. :meth:`SingleResultWriter.forget` drops what was remembered; the holder calls
it whenever it lets go of the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Table

from accel_orm.errors import InvalidResultError
from accel_orm.ingest.dimensions import KnownDimensions, resolve_dimensions
from accel_orm.ingest.fields import INHERITED_FROM_RESULT
from accel_orm.ingest.validate import ResultBatch, SectionColumns, validate_chunk_per_item
from accel_orm.ingest.writers import TEST_ID_SEQUENCE, DuckDBWriter, null_by_default
from accel_orm.models import PerformanceResult, PowerMetric, TestResult


def _insert_sql(connection: Connection, table: Table, names: Sequence[str], *, id_sequence: str | None) -> str:
    """``INSERT INTO t (c, ...) VALUES (?, ...)`` over the model's own column names (never user text)."""
    quote = connection.dialect.identifier_preparer.quote
    columns = [quote(name) for name in names]
    values = ["?"] * len(names)
    if id_sequence is not None:
        columns.insert(0, quote("id"))
        values.insert(0, f"nextval('{id_sequence}')")
    returning = " RETURNING id" if id_sequence is not None else ""
    return f"INSERT INTO {quote(table.name)} ({', '.join(columns)}) VALUES ({', '.join(values)}){returning}"


class SingleResultWriter:
    """Writes one validated result per call inside the caller's transaction (DuckDB)."""

    def __init__(self) -> None:
        self._known = KnownDimensions()
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def forget(self) -> None:
        """Drop remembered dimension ids: after a rollback, and when we let go of the file (another process may
        change the database then)."""
        self._known.forget()

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
            _upsert_compatibility(connection, DuckDBWriter(), batch.compatibility, batch.test["timestamp"], *ids)

    def _insert(self, connection: Connection, raw: Any, table: Table, row: dict[str, Any]) -> Any:
        """Execute the row's INSERT; NULLs the table would store anyway are left out (a shorter statement is a
        cheaper one for DuckDB to bind)."""
        row = {name: value for name, value in row.items() if value is not None or not null_by_default(table, name)}
        return raw.execute(self._statement(connection, table, row), list(row.values()))

    def _statement(self, connection: Connection, table: Table, row: dict[str, Any]) -> str:
        key = (table.name, tuple(row))
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
