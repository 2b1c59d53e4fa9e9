"""What a JSON migration did, per file and in total: the value ``migrate_json`` returns and the markdown report.

The CLI prints :meth:`MigrationReport.summary` and writes :meth:`MigrationReport.to_markdown`; both are plain
functions of the report, so everything the command shows can be tested from Python.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from accel_orm.json_import.aliases import LikelyDuplicate
from accel_orm.reports.render.markdown import escape_cell

# Tables in the order the report lists them; hardware_compatibility counts upserts (one verdict per pair).
TABLES: tuple[str, ...] = (
    "models",
    "hardware_platforms",
    "test_results",
    "performance_results",
    "power_metrics",
    "hardware_compatibility",
    "import_ledger",
)


class FileStatus(enum.StrEnum):
    """The outcome of one file."""

    IMPORTED = "imported"  # some of its results were new and are stored now
    ALREADY_IMPORTED = "already_imported"  # the same bytes are in the ledger (earlier run, or a copy in this run)
    DUPLICATE_RESULTS = "duplicate_results"  # new bytes, but every result is already stored from another file
    SKIPPED = "skipped"  # unreadable, not JSON, or not a results file: nothing to import
    FAILED = "failed"  # holds results that cannot be stored (invalid values, refused by the database)


# Files whose results are in the database: the only ones that may be archived or deleted.
COMMITTED = frozenset({FileStatus.IMPORTED, FileStatus.ALREADY_IMPORTED, FileStatus.DUPLICATE_RESULTS})


@dataclass
class FileEntry:
    """One file's line in the report."""

    path: Path
    status: FileStatus
    reason: str | None = None
    results: int = 0  # results the file holds
    stored: int = 0  # of those, new rows in test_results (in a dry run: that would be)
    shape: str | None = None
    notes: tuple[str, ...] = ()
    content_sha256: str | None = None
    archived_to: Path | None = None
    deleted: bool = False
    file_problem: str | None = None  # why a committed file was not archived or deleted

    @property
    def committed(self) -> bool:
        return self.status in COMMITTED


@dataclass
class MigrationReport:
    """Everything a :func:`~accel_orm.json_import.migrate_json` run did (or, in a dry run, would do)."""

    directories: list[Path]
    database: str
    started_at: datetime
    dry_run: bool = False
    archive_dir: Path | None = None
    delete: bool = False
    files: list[FileEntry] = field(default_factory=list)
    rows_added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    seconds: float = 0.0
    error: str | None = None  # set when the run stopped early (the database went away, ...)
    likely_duplicates: list[LikelyDuplicate] = field(default_factory=list)
    aliases_applied: int = 0  # model / family names renamed by model_aliases / family_aliases
    leftovers_removed: list[str] = field(default_factory=list)  # stale .part files of killed runs

    def with_status(self, status: FileStatus) -> list[FileEntry]:
        return [entry for entry in self.files if entry.status is status]

    def count(self, status: FileStatus) -> int:
        return sum(1 for entry in self.files if entry.status is status)

    @property
    def results_stored(self) -> int:
        return sum(entry.stored for entry in self.files)

    @property
    def has_failures(self) -> bool:
        """True when a file failed or the run stopped early: what a CLI exit status should reflect."""
        return self.error is not None or any(entry.status is FileStatus.FAILED for entry in self.files)

    def summary(self) -> str:
        """One or two lines for the terminal."""
        verb = "would import" if self.dry_run else "imported"
        counts = (
            f"{len(self.files)} file(s): {self.count(FileStatus.IMPORTED)} {verb} "
            f"({self.results_stored} result(s)), {self.count(FileStatus.ALREADY_IMPORTED)} already imported, "
            f"{self.count(FileStatus.DUPLICATE_RESULTS)} with only duplicate results, "
            f"{self.count(FileStatus.SKIPPED)} skipped, {self.count(FileStatus.FAILED)} failed "
            f"in {self.seconds:.2f} s"
        )
        lines = [("dry run, nothing written: " if self.dry_run else "") + counts]
        actions = self._action_summary()
        if actions:
            lines.append(actions)
        if self.aliases_applied:
            lines.append(f"renamed {self.aliases_applied} model/family name(s) by the aliases given")
        lines += self.leftovers_removed
        if self.likely_duplicates:
            shown = "; ".join(f"{d.name} ~ {d.other}" for d in self.likely_duplicates[:3])
            more = f" and {len(self.likely_duplicates) - 3} more" if len(self.likely_duplicates) > 3 else ""
            lines.append(
                f"{len(self.likely_duplicates)} likely duplicate name(s): {shown}{more} "
                "(see the report; merge with --model-alias / --family-alias OLD=NEW)"
            )
        if self.error:
            lines.append(f"stopped early: {self.error}")
        return "\n".join(lines)

    def _action_summary(self) -> str:
        parts = []
        if self.archive_dir is not None:
            parts.append(f"archived {sum(1 for e in self.files if e.archived_to)} to {self.archive_dir}")
        if self.delete:
            parts.append(f"deleted {sum(1 for e in self.files if e.deleted)}")
        problems = sum(1 for e in self.files if e.file_problem)
        if problems:
            parts.append(f"{problems} left in place (see report)")
        return ", ".join(parts)

    def to_markdown(self) -> str:
        """The full report: totals, rows per table, and every file that was skipped, failed or imported."""
        sections = [
            self._markdown_header(),
            self._markdown_totals(),
            self._markdown_rows(),
            _file_table("Skipped files", self.with_status(FileStatus.SKIPPED), _reason_row, ("file", "reason")),
            _file_table("Failed files", self.with_status(FileStatus.FAILED), _reason_row, ("file", "reason")),
            _file_table(
                "Imported files",
                self.with_status(FileStatus.IMPORTED),
                _imported_row,
                ("file", "shape", "results", "new", "notes"),
            ),
            _file_table(
                "Files with only duplicate results",
                self.with_status(FileStatus.DUPLICATE_RESULTS),
                _reason_row,
                ("file", "reason"),
            ),
            _file_table(
                "Already imported", self.with_status(FileStatus.ALREADY_IMPORTED), _reason_row, ("file", "reason")
            ),
        ]
        sections.append(self._markdown_duplicates())
        if self.archive_dir is not None or self.delete:
            handled = [e for e in self.files if e.archived_to or e.deleted or e.file_problem]
            sections.append(
                _file_table("Archive and delete", handled, _action_row, ("file", "archived to", "deleted", "problem"))
            )
        return "\n\n".join(sections) + "\n"

    def write_markdown(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_markdown(), encoding="utf-8")
        return target

    def _markdown_header(self) -> str:
        mode = "dry run (nothing was written)" if self.dry_run else "import"
        lines = [
            "# JSON result migration",
            "",
            f"- Directories: {', '.join(_code(str(d)) for d in self.directories)}",
            f"- Database: {_code(self.database)}",
            f"- Mode: {mode}",
            f"- Started: {self.started_at.isoformat(timespec='seconds')} UTC",
            f"- Duration: {self.seconds:.2f} s",
        ]
        if self.archive_dir is not None:
            lines.append(f"- Archive: {_code(str(self.archive_dir))}")
        if self.delete:
            lines.append("- Delete imported files: yes")
        if self.error:
            lines.append(f"- **Stopped early:** {escape_cell(self.error)}")
        return "\n".join(lines)

    def _markdown_totals(self) -> str:
        rows = [("Files seen", len(self.files))]
        rows += [(_STATUS_LABELS[status], self.count(status)) for status in FileStatus]
        rows.append(("Results stored" if not self.dry_run else "Results that would be stored", self.results_stored))
        return "## Summary\n\n" + _table(("", "count"), [(label, str(n)) for label, n in rows], numeric=(1,))

    def _markdown_duplicates(self) -> str:
        title = f"## Likely duplicate names ({len(self.likely_duplicates)})"
        if not self.likely_duplicates:
            return f"{title}\n\nNone."
        rows = [(d.kind, d.name, d.other, d.suggestion) for d in self.likely_duplicates]
        intro = (
            "Names that look like one thing spelled two ways (one's words begin, or for families appear in, the "
            "other's). Each becomes its own model unless mapped on import; to merge, re-run with the option shown "
            "(files already imported keep their names)."
        )
        return f"{title}\n\n{intro}\n\n" + _table(("kind", "name", "looks like", "to merge on import"), rows)

    def _markdown_rows(self) -> str:
        heading = "## Rows that would be added per table" if self.dry_run else "## Rows added per table"
        rows = [(_TABLE_LABELS.get(name, name), str(self.rows_added.get(name, 0))) for name in TABLES]
        return f"{heading}\n\n" + _table(("table", "rows"), rows, numeric=(1,))


_STATUS_LABELS = {
    FileStatus.IMPORTED: "Imported",
    FileStatus.ALREADY_IMPORTED: "Already imported",
    FileStatus.DUPLICATE_RESULTS: "Only duplicate results",
    FileStatus.SKIPPED: "Skipped",
    FileStatus.FAILED: "Failed",
}
_TABLE_LABELS = {"hardware_compatibility": "hardware_compatibility (upserted)"}


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _reason_row(entry: FileEntry) -> tuple[str, ...]:
    return (str(entry.path), entry.reason or "")


def _imported_row(entry: FileEntry) -> tuple[str, ...]:
    return (str(entry.path), entry.shape or "", str(entry.results), str(entry.stored), "; ".join(entry.notes))


def _action_row(entry: FileEntry) -> tuple[str, ...]:
    archived = str(entry.archived_to) if entry.archived_to else ""
    return (str(entry.path), archived, "yes" if entry.deleted else "no", entry.file_problem or "")


def _file_table(
    title: str, entries: list[FileEntry], row: Callable[[FileEntry], tuple[str, ...]], headers: tuple[str, ...]
) -> str:
    if not entries:
        return f"## {title} (0)\n\nNone."
    numeric = tuple(i for i, name in enumerate(headers) if name in ("results", "new"))
    return f"## {title} ({len(entries)})\n\n" + _table(headers, [row(entry) for entry in entries], numeric=numeric)


def _table(headers: Iterable[str], rows: Iterable[tuple[str, ...]], *, numeric: tuple[int, ...] = ()) -> str:
    """A GFM pipe table; every cell escaped so a path or reason can never break it."""
    names = list(headers)
    separator = ["---:" if i in numeric else "---" for i in range(len(names))]
    lines = ["| " + " | ".join(escape_cell(name) or " " for name in names) + " |", "| " + " | ".join(separator) + " |"]
    lines += ["| " + " | ".join(escape_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
