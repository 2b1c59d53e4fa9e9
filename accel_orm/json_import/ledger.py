"""The import ledger: which files' bytes have been imported (``import_ledger``, one row per content hash)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, select

from accel_orm.ingest.writers import FactWriter
from accel_orm.models import ImportLedger

_LOOKUP_CHUNK = 5_000
LEDGER = cast(Table, ImportLedger.__table__)


@dataclass(frozen=True)
class LedgerRow:
    content_sha256: str
    source_path: str
    file_size: int
    shape: str | None
    results_count: int
    results_stored: int
    imported_at: datetime


def ledgered(connection: Connection, hashes: Iterable[str]) -> dict[str, LedgerRow]:
    """The ledger rows of those of ``hashes`` that were imported before, by hash."""
    wanted = sorted(set(hashes))
    columns = [LEDGER.c[name] for name in LedgerRow.__dataclass_fields__]
    found: dict[str, LedgerRow] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[start : start + _LOOKUP_CHUNK]
        for row in connection.execute(select(*columns).where(LEDGER.c.content_sha256.in_(part))).all():
            found[row.content_sha256] = LedgerRow(*row)
    return found


def record(connection: Connection, writer: FactWriter, rows: Sequence[LedgerRow]) -> None:
    """Insert ledger rows set-based (Arrow on DuckDB, COPY on PostgreSQL) inside the caller's transaction."""
    if not rows:
        return
    names = list(LedgerRow.__dataclass_fields__)
    writer.write(connection, LEDGER, {name: [getattr(row, name) for row in rows] for name in names})
