"""Commit a group of validated files in one transaction; when the database refuses it, in halves.

The transaction re-checks the ledger (a concurrent run may have imported a file meanwhile), leaves out results
whose fingerprint is already stored or came earlier in this run, writes the rest set-based (the writer
``store_results`` uses) and the group's ledger rows. A refusal is a :class:`ConstraintViolationError` (the
bulk writers' driver errors are translated inside the transaction, before its rollback); the group is then
retried in halves until the refused file stands alone and fails, in O(log n) transactions.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from accel_orm.db import translate_errors
from accel_orm.errors import ConstraintViolationError
from accel_orm.ingest import StoreReport
from accel_orm.ingest.dimensions import HARDWARE, MODELS
from accel_orm.ingest.store import write_batch as write_result_batch
from accel_orm.ingest.validate import ResultBatch
from accel_orm.ingest.writers import writer_for
from accel_orm.json_import import ledger
from accel_orm.json_import.fingerprints import stored_fingerprints
from accel_orm.json_import.plan import PendingFile, imported_before
from accel_orm.json_import.read import ValidatedItems
from accel_orm.json_import.report import FileStatus, MigrationReport
from accel_orm.schema.partitions import ensure_test_result_partitions

log = logging.getLogger(__name__)

# Serialises the write transactions of concurrent migrations on one PostgreSQL database (arbitrary fixed key).
_MIGRATION_LOCK_KEY = 0x616363656C5F6A73


@dataclass
class _Outcome:
    """What one committed group did; applied to the run's state only after the commit succeeded."""

    late: dict[str, ledger.LedgerRow]  # imported by a concurrent run since the batch began
    stored: dict[int, int]  # id(PendingFile) -> results stored from it
    fingerprints: set[str]
    counts: StoreReport
    ledger_rows: int


class Committer:
    """The write side of one run: fingerprints taken so far, rows added, dimensions a dry run has counted."""

    def __init__(self, engine: Engine, report: MigrationReport) -> None:
        self.engine = engine
        self.report = report
        self.dry_run = report.dry_run
        self.now = report.started_at  # imported_at of every ledger row of the run
        self.fingerprints_seen: set[str] = set()
        self.rows: Counter[str] = Counter()
        self.planned_models: set[Any] = set()  # dry run: dimension keys already counted
        self.planned_hardware: set[Any] = set()

    def commit(self, connection: Connection, group: list[PendingFile], validated: ValidatedItems) -> None:
        """Store ``group`` in one transaction (rolled back in a dry run); in halves if the database refuses it."""
        if not self.dry_run:
            ensure_test_result_partitions(self.engine, [moment for f in group for moment in f.timestamps])
        try:
            with translate_errors(self.engine), connection.begin() as transaction:
                with translate_errors(self.engine):  # a refusal becomes a ConstraintViolationError here
                    outcome = self._store(connection, group, validated)
                if self.dry_run:
                    transaction.rollback()
        except Exception as error:
            why = refusal(error)
            if why is None:
                raise
            if len(group) > 1:
                log.warning("the database refused a batch of %d files (%s); retrying in halves", len(group), why)
                middle = len(group) // 2
                self.commit(connection, group[:middle], validated)
                self.commit(connection, group[middle:], validated)
                return
            (f,) = group
            f.decide(FileStatus.FAILED, f"the database refused its results: {why}")
            log.warning("%s: %s", f.found.path, f.reason)
            return
        self._accept(group, outcome)

    def _store(self, connection: Connection, group: list[PendingFile], validated: ValidatedItems) -> _Outcome:
        late: dict[str, ledger.LedgerRow] = {}
        if not self.dry_run:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
            late = ledger.ledgered(connection, [f.sha256 for f in group])
        fresh = [f for f in group if f.sha256 not in late]
        seen = self.fingerprints_seen
        already = stored_fingerprints(connection, {fp for f in fresh for fp in f.fingerprints} - seen)
        taken: set[str] = set()
        positions: list[int] = []
        stored: dict[int, int] = {}
        for f in fresh:
            count = 0
            for offset, fingerprint in enumerate(f.fingerprints):
                if fingerprint in already or fingerprint in seen or fingerprint in taken:
                    continue
                taken.add(fingerprint)
                positions.append(f.first_item + offset)
                count += 1
            stored[id(f)] = count
        counts = StoreReport()
        if positions:
            batch = validated.take(positions)
            if self.dry_run:
                self._count_planned(connection, batch, counts)
            else:
                write_result_batch(connection, writer_for(connection), batch, counts)
        if not self.dry_run:
            ledger.record(connection, writer_for(connection), [_ledger_row(f, stored[id(f)], self.now) for f in fresh])
        return _Outcome(late, stored, taken, counts, len(fresh))

    def _count_planned(self, connection: Connection, batch: ResultBatch, counts: StoreReport) -> None:
        """Dry run: the rows the batch would add (models and hardware looked up, compatibility pairs counted)."""
        counts.stored = len(batch)
        counts.performance_rows = len(batch.performance.rows)
        counts.power_rows = len(batch.power.rows)
        models = MODELS.keys_of_batch(batch.model)
        hardware = HARDWARE.keys_of_batch(batch.hardware)
        rows = batch.compatibility.rows
        counts.compatibility_rows = len(
            set(zip(models.codes[rows].tolist(), hardware.codes[rows].tolist(), strict=True))
        )
        counts.models_created = _planned_new(connection, MODELS, models.keys, self.planned_models)
        counts.hardware_created = _planned_new(connection, HARDWARE, hardware.keys, self.planned_hardware)

    def _accept(self, group: list[PendingFile], outcome: _Outcome) -> None:
        for f in group:
            row = outcome.late.get(f.sha256)
            if row is not None:
                f.decide(FileStatus.ALREADY_IMPORTED, imported_before(row))
                continue
            f.stored = outcome.stored[id(f)]
            duplicates = f.results_count - f.stored
            if f.stored:
                reason = f"{duplicates} of its results were already stored" if duplicates else None
                f.decide(FileStatus.IMPORTED, reason)
            else:
                f.decide(FileStatus.DUPLICATE_RESULTS, f"all {duplicates} result(s) were already stored")
        self.fingerprints_seen |= outcome.fingerprints
        counts = outcome.counts
        self.rows.update(
            {
                "models": counts.models_created,
                "hardware_platforms": counts.hardware_created,
                "test_results": counts.stored,
                "performance_results": counts.performance_rows,
                "power_metrics": counts.power_rows,
                "hardware_compatibility": counts.compatibility_rows,
                "import_ledger": outcome.ledger_rows,
            }
        )
        self.report.rows_added.update(self.rows)


def _planned_new(connection: Connection, dimension: Any, keys: list[Any], planned: set[Any]) -> int:
    unseen = set(keys) - planned
    existing = dimension.lookup(connection, list(unseen)) if unseen else {}
    planned.update(unseen)
    return len(unseen - set(existing))


def refusal(error: BaseException) -> str | None:
    """Why the database refused the data, when ``error`` is (or interrupted) a :class:`ConstraintViolationError`.

    A DuckDB error raised while rolling back after a constraint violation replaces it, so the cause and context
    chain is searched; anything else (lost connection, lock, ...) is not a refusal. The message is the
    driver's, as the database worded it.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConstraintViolationError):
            return _driver_words(current)
        current = current.__cause__ or current.__context__
    return None


def _driver_words(error: ConstraintViolationError) -> str:
    cause = error.__cause__
    if cause is None:  # raised by accel_orm itself, not translated from a driver error
        return str(error)
    orig = getattr(cause, "orig", None)  # SQLAlchemy wraps the driver's error
    text = str(orig if orig is not None else cause).strip()
    return text.splitlines()[0] if text else str(error)


def _ledger_row(f: PendingFile, stored: int, now: datetime) -> ledger.LedgerRow:
    assert f.content is not None
    return ledger.LedgerRow(
        content_sha256=f.content.sha256,
        source_path=str(f.found.path.absolute()),
        file_size=f.content.size,
        shape=f.shape,
        results_count=f.results_count,
        results_stored=stored,
        imported_at=now,
    )
