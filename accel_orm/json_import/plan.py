"""Plan a migration: the files of one run in batches, each file's state on its way, copies, the ledger's verdict.

A :class:`PendingFile` carries one file through a batch (read -> parsed -> validated -> committed) and becomes a
:class:`FileEntry` of the report when the batch is done. The functions here decide what needs no parsing at all:
copies of a file seen earlier in the run and files whose bytes the ledger already holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from accel_orm.json_import import ledger
from accel_orm.json_import.files import FileContent, FoundFile
from accel_orm.json_import.report import FileEntry, FileStatus


@dataclass
class PendingFile:
    """One file on its way through a batch."""

    found: FoundFile
    content: FileContent | None = None
    status: FileStatus | None = None  # None while undecided
    reason: str | None = None
    shape: str | None = None
    notes: tuple[str, ...] = ()
    items: list[dict[str, Any]] = field(default_factory=list)  # its results, fingerprinted, until validated
    results_count: int = 0
    fingerprints: list[str] = field(default_factory=list)
    first_item: int = 0  # position of its first result among the batch's validated items
    timestamps: list[datetime] = field(default_factory=list)
    stored: int = 0

    @property
    def sha256(self) -> str:
        assert self.content is not None, f"{self.found.path} was not read"
        return self.content.sha256

    def decide(self, status: FileStatus, reason: str | None = None) -> None:
        self.status, self.reason = status, reason
        self.items = []  # no longer needed: keep memory flat over a long run

    def entry(self) -> FileEntry:
        assert self.status is not None, f"{self.found.path} left undecided"
        return FileEntry(
            path=self.found.path,
            status=self.status,
            reason=self.reason,
            results=self.results_count,
            stored=self.stored,
            shape=self.shape,
            notes=self.notes,
            content_sha256=self.content.sha256 if self.content else None,
        )


def batches(files: Sequence[FoundFile], size: int) -> Iterator[Sequence[FoundFile]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


def split_copies(
    files: list[PendingFile], earlier: dict[str, FileEntry]
) -> tuple[list[PendingFile], list[PendingFile]]:
    """Files whose bytes appear for the first time in this run, and copies of earlier ones (or of ``earlier``)."""
    first: set[str] = set()
    originals: list[PendingFile] = []
    copies: list[PendingFile] = []
    for f in files:
        if f.content is not None and (f.sha256 in earlier or f.sha256 in first):
            copies.append(f)
            continue
        if f.content is not None:
            first.add(f.sha256)
        originals.append(f)
    return originals, copies


def copy_entry(f: PendingFile, original: FileEntry) -> FileEntry:
    """A copy shares its original's outcome: committed originals make it already imported."""
    if original.committed:
        status, reason = FileStatus.ALREADY_IMPORTED, f"same content as {original.path}"
    else:
        status, reason = original.status, f"same content as {original.path}: {original.reason}"
    return FileEntry(
        path=f.found.path,
        status=status,
        reason=reason,
        results=original.results,
        shape=original.shape,
        notes=original.notes,
        content_sha256=f.sha256,
    )


def mark_ledgered(connection: Connection, files: list[PendingFile]) -> None:
    """Decide the undecided files whose bytes the ledger holds: already imported, not parsed again."""
    pending = [f for f in files if f.status is None]
    known = ledger.ledgered(connection, [f.sha256 for f in pending])
    for f in pending:
        row = known.get(f.sha256)
        if row is not None:
            f.shape, f.results_count = row.shape, row.results_count
            f.decide(FileStatus.ALREADY_IMPORTED, imported_before(row))


def imported_before(row: ledger.LedgerRow) -> str:
    return f"imported {row.imported_at:%Y-%m-%d %H:%M:%S} UTC from {row.source_path}"


def groups(files: list[PendingFile], max_results: int) -> Iterator[list[PendingFile]]:
    """Consecutive files holding at most ``max_results`` results together (a larger file forms its own group)."""
    group: list[PendingFile] = []
    size = 0
    for f in files:
        if group and size + f.results_count > max_results:
            yield group
            group, size = [], 0
        group.append(f)
        size += f.results_count
    if group:
        yield group
