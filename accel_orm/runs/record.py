"""Attach results to runs: find the run each item of a batch belongs to, creating runs as needed, set-based.

Where a result's run comes from, first match wins:

1. its own ``"run"`` sub-dict: ``{"run_id": 7}`` names a recorded run; other facts describe one, and items of a
   call with equal facts share one run;
2. the call's ``run=``: a run dict or the id of a recorded run;
3. nothing (``run=False``, and JSON files without run facts): no run, ``run_id`` stays NULL.

When neither the item nor the call gives a run, the public API describes the run from the environment
(:func:`accel_orm.runs.environment.describe_environment`): ``store_test_results`` records one run per call, a
``TestResultsDBHandler`` one run for its lifetime (described at its first store, reused by later calls).

A created run gets ``test_name``/``test_type`` defaults (program name, ``benchmark``) and, without
``started_at``, the time of its earliest result. Runs are written in the results' transaction: a rejected batch
leaves no empty run behind.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Table, func, select

from accel_orm.errors import InvalidResultError
from accel_orm.ingest.fields import RUN_FIELDS
from accel_orm.ingest.validate import ResultBatch, check_fields
from accel_orm.ingest.writers import Columns, FactWriter
from accel_orm.models import TestRun

RUN_SEQUENCE = TestRun.__table__.c.run_id.default
# Columns that describe a run (everything but the reference to a recorded one), in a fixed order: their values
# form the key that makes equal run dicts one run.
FACT_COLUMNS: tuple[str, ...] = tuple(field.column for field in RUN_FIELDS.values() if field.key != "run_id")
DEFAULTS = {"test_name": "accel_orm", "test_type": "benchmark"}

RunKey = tuple[Hashable, ...]
# What a call may say about the run: facts (a dict), a recorded run's id, False for none, None for "describe the
# environment" (resolved by the caller before it gets here).
RunSpec = dict[str, Any] | int | bool | None


def validated_run(run: dict[str, Any]) -> dict[str, Any]:
    """A run dict checked with the same rules as a result's ``"run"`` sub-dict -> column values.

    Keys that name no run field are kept in the run's ``metadata`` rather than dropped.
    """
    if not isinstance(run, dict):
        raise InvalidResultError([f"run: must be a dict or a run id, got {type(run).__name__}"], heading="invalid run")
    known = {key: value for key, value in run.items() if key in RUN_FIELDS}
    extra = {key: value for key, value in run.items() if key not in RUN_FIELDS}
    if extra:
        metadata = known.get("metadata")
        if metadata is None:
            known["metadata"] = extra
        elif isinstance(metadata, dict):
            known["metadata"] = {**extra, **metadata}
    problems: dict[int, list[str]] = {}
    columns = check_fields([known], RUN_FIELDS, "run.", problems, set(known))
    if problems:
        raise InvalidResultError(problems[0], heading="invalid run; nothing was written")
    return {name: values[0] for name, values in columns.items()}


class RunResolver:
    """Per store call: the default run and every run created or checked so far (reused across chunks)."""

    def __init__(self, default: RunSpec = False, known: dict[RunKey, int] | None = None) -> None:
        self.default_id: int | None = None
        self.default_key: RunKey | None = None
        self.default_facts: dict[str, Any] | None = None
        if isinstance(default, bool):
            if default:
                raise ValueError("run=True is not a run: pass a run dict, a run id, None or False")
        elif isinstance(default, int):
            self.default_id = default
        elif default is not None:
            facts = validated_run(default)
            if facts.get("run_id") is not None:
                self.default_id = facts["run_id"]
            else:
                self.default_facts = facts
                self.default_key = _key(facts)
        self.known: dict[RunKey, int] = dict(known or {})
        self.created: list[int] = []
        self.used: set[int] = set()
        self._checked: set[int] = set()

    def checkpoint(self) -> Callable[[], None]:
        """What restores this resolver to now: for a transaction that is rolled back and run again, whose runs
        were never committed."""
        known, created, used, checked = dict(self.known), list(self.created), set(self.used), set(self._checked)

        def restore() -> None:
            self.known, self.created, self.used, self._checked = dict(known), list(created), set(used), set(checked)

        return restore

    def run_ids(
        self, connection: Connection, batch: ResultBatch, writer: FactWriter
    ) -> list[int | None] | np.ndarray | None:
        """The run id of each item of ``batch`` (None: no run), creating runs first; None when no item has one.
        When every item belongs to the default run, one int64 array (the writers take it without conversion)."""
        has_default = self.default_id is not None or self.default_key is not None
        if not batch.run.rows and not has_default:
            return None
        timestamps = batch.test["timestamp"]
        if not batch.run.rows and len(batch):
            return self._default_ids(connection, batch, writer, timestamps)
        ids: list[int | None] = [None] * len(batch)
        wanted: dict[RunKey, tuple[dict[str, Any], datetime]] = {}  # new runs: facts, earliest result time
        keyed: list[tuple[int, RunKey]] = []
        referenced: dict[int, int] = {}  # item -> recorded run id
        with_run = set(batch.run.rows)
        for position, row in enumerate(batch.run.rows):
            facts = {name: values[position] for name, values in batch.run.columns.items()}
            if facts.get("run_id") is not None:
                referenced[row] = facts["run_id"]
            else:
                key = _key(facts)
                keyed.append((row, key))
                _want(wanted, self.known, key, facts, timestamps[row])
        if self.default_id is not None:
            referenced.update({row: self.default_id for row in range(len(batch)) if row not in with_run})
        elif self.default_key is not None:
            rows = [row for row in range(len(batch)) if row not in with_run]
            keyed.extend((row, self.default_key) for row in rows)
            if rows:
                earliest = min(timestamps[row] for row in rows)
                _want(wanted, self.known, self.default_key, self.default_facts or {}, earliest)
        self._check_recorded(connection, batch, referenced)
        self._create(connection, writer, wanted)
        for row, run_id in referenced.items():
            ids[row] = run_id
        for row, key in keyed:
            ids[row] = self.known[key]
        self.used.update(run_id for run_id in ids if run_id is not None)
        return ids

    def _default_ids(
        self, connection: Connection, batch: ResultBatch, writer: FactWriter, timestamps: list[datetime]
    ) -> np.ndarray:
        """The common case, no item names its run: every item gets the default run (no per-item work)."""
        run_id = self.default_id
        if run_id is not None:
            self._check_recorded(connection, batch, dict.fromkeys(range(len(batch)), run_id))
        else:
            key = cast(RunKey, self.default_key)
            wanted: dict[RunKey, tuple[dict[str, Any], datetime]] = {}
            _want(wanted, self.known, key, self.default_facts or {}, min(timestamps))
            self._create(connection, writer, wanted)
            run_id = self.known[key]
        self.used.add(run_id)
        return np.full(len(batch), run_id, dtype=np.int64)

    def _check_recorded(self, connection: Connection, batch: ResultBatch, referenced: dict[int, int]) -> None:
        """Every referenced run id must exist (on DuckDB nothing else would stop an orphan)."""
        unchecked = set(referenced.values()) - self._checked
        if not unchecked:
            return
        table = TestRun.__table__
        found = set(connection.execute(select(table.c.run_id).where(table.c.run_id.in_(unchecked))).scalars().all())
        missing = unchecked - found
        if missing:
            problems = [
                f"[{batch.positions[row]}] run.run_id: no run with id {run_id} (see `accel-orm runs`)"
                for row, run_id in sorted(referenced.items())
                if run_id in missing
            ]
            raise InvalidResultError(
                problems[:20], heading="results refer to runs that do not exist; nothing was written"
            )
        self._checked |= found

    def _create(
        self, connection: Connection, writer: FactWriter, wanted: dict[RunKey, tuple[dict[str, Any], datetime]]
    ) -> None:
        if not wanted:
            return
        # One statement, fully fetched (DuckDB refuses the writer's register() while a result is half-read).
        allocate = select(RUN_SEQUENCE.next_value()).select_from(func.generate_series(1, len(wanted)))
        ids = [int(run_id) for run_id in connection.execute(allocate).scalars().all()]
        columns: dict[str, list[Any]] = {"run_id": ids, **{name: [] for name in FACT_COLUMNS}}
        for facts, earliest in wanted.values():
            for name in FACT_COLUMNS:
                value = facts.get(name)
                if value is None and name == "started_at":
                    value = earliest
                columns[name].append(value if value is not None else DEFAULTS.get(name))
        writer.write(connection, cast(Table, TestRun.__table__), cast(Columns, columns))
        for key, run_id in zip(wanted, ids, strict=True):
            self.known[key] = run_id
        self.created.extend(ids)
        self._checked.update(ids)


def _key(facts: dict[str, Any]) -> RunKey:
    return tuple(facts.get(name) for name in FACT_COLUMNS)


def _want(
    wanted: dict[RunKey, tuple[dict[str, Any], datetime]],
    known: dict[RunKey, int],
    key: RunKey,
    facts: dict[str, Any],
    moment: datetime,
) -> None:
    if key in known:
        return
    current = wanted.get(key)
    if current is None or moment < current[1]:
        wanted[key] = (facts, moment)
