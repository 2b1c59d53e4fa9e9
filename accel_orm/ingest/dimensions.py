"""Find or create the ``models`` and ``hardware_platforms`` rows a batch refers to, set-based.

A batch names few distinct models and hardware platforms, so each is looked up once per chunk, missing ones are
inserted, and facts that arrive later (a model family, a device's memory) fill in blanks without duplicating
rows or overwriting what is known.

PostgreSQL takes many writers at once: missing rows are inserted with ``ON CONFLICT DO NOTHING``, so two
batches creating the same model never fail or duplicate it. A writer waits only for another that has created,
and not yet committed, a row it needs itself (it cannot refer to that row before then); writers creating
different models or hardware, and writers whose rows all exist, never wait for each other. Rows are inserted in
key order, so two writers creating the same new rows in one statement each take them in the same order. DuckDB
has one writer process at a time, so plain inserts suffice.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, bindparam, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from accel_orm.ingest.writers import duckdb_insert
from accel_orm.models import HardwarePlatform, Model
from accel_orm.timestamps import utc_now

# The lock an INSERT into test_results takes anyway, on the partitioned parent only (see _Dimension._insert).
_LOCK_TEST_RESULTS_FIRST = text("LOCK TABLE ONLY test_results IN ROW EXCLUSIVE MODE")
_LOOKUP_CHUNK = 2000
# From this many items on, Arrow's dictionary encoding finds a chunk's distinct keys faster than a dict does.
_ARROW_KEYS_MIN_ITEMS = 64


@dataclass
class DimensionCounts:
    models_created: int = 0
    hardware_created: int = 0


@dataclass
class _DistinctKeys:
    """A batch's distinct natural keys and, per item, which of them it names (set work per chunk, not per row)."""

    keys: list[Hashable]  # in order of first appearance
    first: list[int]  # the position of each key's first item
    codes: np.ndarray  # int64, per item: its key's index in ``keys``

    @classmethod
    def of(cls, keys: Sequence[Hashable]) -> _DistinctKeys:
        """From the items' keys, with a dict: fastest for the few rows of a one-at-a-time call."""
        index: dict[Hashable, int] = {}
        first: list[int] = []
        codes = np.empty(len(keys), dtype=np.int64)
        for position, key in enumerate(keys):
            code = index.get(key)
            if code is None:
                code = index[key] = len(first)
                first.append(position)
            codes[position] = code
        return cls(list(index), first, codes)

    @classmethod
    def of_text_columns(cls, columns: Sequence[list[str | None]]) -> _DistinctKeys:
        """From text columns that together form the key (None taken as the empty text, as ``_hardware_key``
        does), dictionary-encoded by Arrow in C: a chunk of 20,000 items costs ~1 ms instead of ~15 ms of tuples,
        dict lookups and per-item lists."""
        combined = np.zeros(len(columns[0]), dtype=np.int64)
        dictionaries: list[list[str]] = []
        for values in columns:
            text = pa.array(values, type=pa.string())
            encoded = (pc.fill_null(text, "") if text.null_count else text).dictionary_encode()
            dictionaries.append(encoded.dictionary.to_pylist())
            combined = combined * len(dictionaries[-1]) + encoded.indices.to_numpy(zero_copy_only=False)
        unique, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # np.unique sorts by code; keep the order of first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        keys: list[Hashable] = []
        # The casts: tolist()'s declared type differs between numpy releases (the bench extra gets 2.2, whose stubs
        # give a union); the codes are plain ints either way.
        for code in cast(list[int], unique[order].tolist()):
            parts: list[str] = []
            for dictionary in reversed(dictionaries):
                code, index = divmod(code, len(dictionary))
                parts.append(dictionary[index])
            keys.append(parts[0] if len(parts) == 1 else tuple(reversed(parts)))
        return cls(keys, cast(list[int], first[order].tolist()), rank[inverse.reshape(-1)])

    def first_facts(
        self, columns: dict[str, list[Any]], key_columns: Sequence[str] = ()
    ) -> dict[Hashable, dict[str, Any]]:
        """Per distinct key, each column's first non-null value in the batch. ``key_columns`` hold the same value
        in every item of a key, so its first item already has it."""
        facts = {
            key: {name: values[position] for name, values in columns.items()}
            for key, position in zip(self.keys, self.first, strict=True)
        }
        total = len(self.codes)
        for name, values in columns.items():
            if name in key_columns:
                continue
            nulls = values.count(None)
            # Only a column holding both nulls and values, where some key lacks it at its first row, needs a
            # second look.
            if nulls in (0, total) or not any(known[name] is None for known in facts.values()):
                continue
            codes = cast(list[int], self.codes.tolist())
            for position, value in enumerate(values):
                if value is not None:
                    known = facts[self.keys[codes[position]]]
                    if known[name] is None:
                        known[name] = value
        return facts


KnownRows = dict[Hashable, tuple[int, dict[str, Any]]]


def _covers(facts: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when every fact ``new`` brings is one already passed to the database for this row."""
    return all(value is None or facts.get(name) is not None for name, value in new.items())


def _merged(known: tuple[int, dict[str, Any]] | None, new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(known[1]) if known is not None else {}
    merged.update({name: value for name, value in new.items() if value is not None})
    return merged


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Dimension:
    """One dimension table: how its natural key is read from a batch and from the database."""

    def __init__(self, table: Table, id_column: str, key_columns: tuple[str, ...]) -> None:
        self.table = table
        self.id_column = id_column
        self.key_columns = key_columns

    def keys_of_batch(self, columns: dict[str, list[Any]]) -> _DistinctKeys:
        raise NotImplementedError

    def key_of_row(self, row: Any) -> Hashable:
        raise NotImplementedError

    def lookup(self, connection: Connection, keys: Sequence[Hashable]) -> dict[Hashable, Any]:
        raise NotImplementedError

    def conflict_target(self) -> list[Any]:
        raise NotImplementedError

    def resolve(
        self,
        connection: Connection,
        columns: dict[str, list[Any]],
        created_at: datetime,
        known: KnownRows | None = None,
    ) -> tuple[np.ndarray, int]:
        """The id of each item's row (creating missing rows and filling blanks) and how many rows were created.

        ``known``: rows resolved earlier in this transaction (or on a held connection): a key whose facts they
        already cover needs no statement at all; every key resolved here is added to it.
        """
        distinct = self.keys_of_batch(columns)
        facts = distinct.first_facts(columns, self.key_columns)
        ids: dict[Hashable, int] = {}
        unresolved = facts
        if known is not None:
            unresolved = {}
            for key, new in facts.items():
                hit = known.get(key)
                if hit is not None and _covers(hit[1], new):
                    ids[key] = hit[0]
                else:
                    unresolved[key] = new
        missing: list[Hashable] = []
        if unresolved:
            existing = self.lookup(connection, list(unresolved))
            missing = [key for key in unresolved if key not in existing]
            if missing:
                ids.update(self._insert(connection, [unresolved[key] for key in missing], created_at))
                if late := [key for key in missing if key not in ids]:
                    existing.update(self.lookup(connection, late))  # PostgreSQL: another writer's, or ours
            self._fill_blanks(connection, unresolved, existing)
            ids.update((key, getattr(row, self.id_column)) for key, row in existing.items())
            if known is not None:
                for key, new in unresolved.items():
                    known[key] = (ids[key], _merged(known.get(key), new))
        # "Created" means new to the database when this batch looked; under a PostgreSQL race another writer may
        # have inserted a few of them a moment earlier.
        ids_by_code = np.fromiter(map(ids.__getitem__, distinct.keys), dtype=np.int64, count=len(distinct.keys))
        return ids_by_code[distinct.codes], len(missing)

    def _insert(self, connection: Connection, rows: list[dict[str, Any]], created_at: datetime) -> dict[Hashable, int]:
        """Insert ``rows`` (one multi-row statement); the ids it learnt on the way, by key (DuckDB: all of them)."""
        stamp_column = "added_at" if self.table.name == "models" else "detected_at"
        values = [{**row, stamp_column: created_at} for row in rows]
        if connection.dialect.name == "postgresql":
            # ON CONFLICT DO NOTHING returns nothing for a row another writer created: the caller looks those up.
            # A row another writer has inserted and not yet committed makes this statement wait for that writer
            # (only that row: no lock serialises all creators, so a long bulk store naming a new model does not
            # hold up writers naming other new ones).
            # Lock order: test_results before models and hardware_platforms, the order in which creating a month
            # takes them (then the partition's foreign keys). Before revision 0007 the month took test_results
            # ACCESS EXCLUSIVE, and writers that locked models first deadlocked with it (writers storing one at a
            # time into new months, 5 runs in 6). Attaching takes SHARE UPDATE EXCLUSIVE, which this ROW
            # EXCLUSIVE does not wait for; the order is kept so that no cycle can form between the two.
            connection.execute(_LOCK_TEST_RESULTS_FIRST)
            # In key order: two writers creating the same new rows then wait for each other's rows in one order,
            # never in a cycle (in order of first appearance, one statement with "a, b" and one with "b, a"
            # deadlocked).
            ordered = sorted(values, key=self._sort_key)
            statement = pg_insert(self.table).on_conflict_do_nothing(index_elements=self.conflict_target())
            connection.execute(statement, ordered)
            return {}
        returning = [self.table.c[self.id_column], *(self.table.c[name] for name in self.key_columns)]
        # One Arrow-backed INSERT ... RETURNING, whatever the count: a many-row VALUES statement costs SQLAlchemy
        # more to compile than DuckDB takes to insert (200 models 47 ms vs 3 ms), and since the rows reach DuckDB
        # by replacement scan with the SQL compiled once, one row costs what a bound INSERT does (2.2 vs 2.3 ms
        # with the commit; 8 rows 2.4 vs 3.0 ms).
        columns: dict[str, list[Any]] = {name: [row[name] for row in values] for name in values[0]}
        inserted = duckdb_insert(connection, self.table, columns, returning=returning)
        return {self.key_of_row(row): row[0] for row in inserted}

    def _sort_key(self, row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(row[name] or "" for name in self.key_columns)

    def _fill_blanks(
        self, connection: Connection, facts: dict[Hashable, dict[str, Any]], existing: dict[Hashable, Any]
    ) -> None:
        """Set columns that are NULL in the database and known in this batch; never overwrite a known value.

        The UPDATE keeps a value that is there when it runs (``COALESCE``): on PostgreSQL another writer may have
        filled the same blank after this batch looked, and its update then ran first."""
        fact_columns = [name for name in next(iter(facts.values()), {}) if name not in self.key_columns]
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, row in existing.items():
            new = facts.get(key)
            if new is None:
                continue
            blanks = tuple(c for c in fact_columns if getattr(row, c) is None and new.get(c) is not None)
            if blanks:
                updates.setdefault(blanks, []).append(
                    {"_id": getattr(row, self.id_column), **{c: new[c] for c in blanks}}
                )
        id_column = self.table.c[self.id_column]
        for blanks, params in updates.items():
            statement = (
                update(self.table)
                .where(id_column == bindparam("_id"))
                .values({c: func.coalesce(self.table.c[c], bindparam(c)) for c in blanks})
            )
            connection.execute(statement, params)


class _Models(_Dimension):
    def __init__(self) -> None:
        super().__init__(cast(Table, Model.__table__), "model_id", ("model_name",))

    def keys_of_batch(self, columns: dict[str, list[Any]]) -> _DistinctKeys:
        names = columns["model_name"]
        if len(names) < _ARROW_KEYS_MIN_ITEMS:
            return _DistinctKeys.of(names)
        return _DistinctKeys.of_text_columns([names])

    def key_of_row(self, row: Any) -> Hashable:
        return row.model_name

    def lookup(self, connection: Connection, keys: Sequence[Hashable]) -> dict[Hashable, Any]:
        found: dict[Hashable, Any] = {}
        for part in _chunks(keys, _LOOKUP_CHUNK):
            rows = connection.execute(select(self.table).where(self.table.c.model_name.in_(part))).all()
            found.update((row.model_name, row) for row in rows)
        return found

    def conflict_target(self) -> list[Any]:
        return [self.table.c.model_name]


def _hardware_key(hardware_type: str, device_name: str | None) -> tuple[str, str]:
    # Mirrors the unique index on (hardware_type, coalesce(device_name, '')).
    return hardware_type, device_name or ""


class _Hardware(_Dimension):
    def __init__(self) -> None:
        super().__init__(cast(Table, HardwarePlatform.__table__), "hardware_id", ("hardware_type", "device_name"))

    def keys_of_batch(self, columns: dict[str, list[Any]]) -> _DistinctKeys:
        types, devices = columns["hardware_type"], columns["device_name"]
        if len(types) < _ARROW_KEYS_MIN_ITEMS:
            return _DistinctKeys.of(list(map(_hardware_key, types, devices)))
        return _DistinctKeys.of_text_columns([types, devices])

    def key_of_row(self, row: Any) -> Hashable:
        return _hardware_key(row.hardware_type, row.device_name)

    def lookup(self, connection: Connection, keys: Sequence[Hashable]) -> dict[Hashable, Any]:
        types = sorted({key[0] for key in keys})  # type: ignore[index]
        wanted = set(keys)
        found: dict[Hashable, Any] = {}
        for part in _chunks(types, _LOOKUP_CHUNK):
            for row in connection.execute(select(self.table).where(self.table.c.hardware_type.in_(part))):
                key = self.key_of_row(row)
                if key in wanted:
                    found[key] = row
        return found

    def conflict_target(self) -> list[Any]:
        # The literal must match the unique index's expression for PostgreSQL to infer it; a bound '' does not.
        return [self.table.c.hardware_type, func.coalesce(self.table.c.device_name, literal_column("''"))]


MODELS = _Models()
HARDWARE = _Hardware()


@dataclass
class KnownDimensions:
    """Models and hardware rows already resolved on one connection: key -> (id, the facts passed for it).

    Valid only while nothing else can change them: within one transaction, or while this process holds the
    DuckDB file. Whoever owns it calls :meth:`forget` after a rollback and whenever it lets go of the file.
    """

    models: KnownRows = field(default_factory=dict)
    hardware: KnownRows = field(default_factory=dict)

    def forget(self) -> None:
        self.models.clear()
        self.hardware.clear()


def resolve_dimensions(
    connection: Connection,
    model_columns: dict[str, list[Any]],
    hardware_columns: dict[str, list[Any]],
    known: KnownDimensions | None = None,
) -> tuple[np.ndarray, np.ndarray, DimensionCounts]:
    """``(model_ids, hardware_ids, counts)`` for the batch's items, in item order (int64 arrays)."""
    now = utc_now()
    known_models = known.models if known is not None else None
    known_hardware = known.hardware if known is not None else None
    model_ids, models_created = MODELS.resolve(connection, model_columns, now, known_models)
    hardware_ids, hardware_created = HARDWARE.resolve(connection, hardware_columns, now, known_hardware)
    return model_ids, hardware_ids, DimensionCounts(models_created, hardware_created)
