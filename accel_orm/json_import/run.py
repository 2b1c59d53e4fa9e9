"""``migrate_json``: import every runner JSON file under some folders, once, in batched transactions.

How one run goes, per batch of files (``batch_files``, default 500):

1. read and hash each file (SHA-256 of its bytes); a file with the same bytes as an earlier one of this run is a
   copy and shares its outcome;
2. look the hashes up in the ledger (``import_ledger``): known files are ``already_imported`` and not parsed;
3. parse the rest with :func:`accel_orm.json_import.shapes.parse_file`; files without results are ``skipped`` with the
   parser's reason, files with an invalid result are ``failed`` (validated file by file before anything is
   written, so one bad file never costs the others their import);
4. in ONE transaction per batch: re-check the ledger (a concurrent run may have imported a file meanwhile), drop
   results whose fingerprint is already stored or came earlier in this run, write the rest set-based (the same
   writer ``store_results`` uses) and the batch's ledger rows;
5. after the commit, archive and/or delete the committed files.

Atomicity: a file's results and its ledger row commit together, so after a crash every file is either imported
and ledgered or not touched at all; re-running finishes the job. If the database refuses a batch (a constraint
the validation does not know), the batch is retried in halves until the refused file stands alone and fails.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from accel_orm.config import describe
from accel_orm.db import translate_errors
from accel_orm.errors import ConstraintViolationError, InvalidResultError
from accel_orm.ingest import StoreReport
from accel_orm.ingest.dimensions import HARDWARE, MODELS
from accel_orm.ingest.store import write_batch as write_result_batch
from accel_orm.ingest.validate import ResultBatch, validate_chunk
from accel_orm.ingest.writers import writer_for
from accel_orm.json_import import ledger
from accel_orm.json_import.aliases import apply_aliases, check_aliases, likely_duplicates
from accel_orm.json_import.files import (
    FileActionError,
    FileContent,
    FoundFile,
    archive_and_delete,
    check_archive_dir,
    check_directories,
    discover_json_files,
    read_content,
    stale_archive_copies,
)
from accel_orm.json_import.fingerprints import result_fingerprint, stored_fingerprints, with_fingerprint
from accel_orm.json_import.report import FileEntry, FileStatus, MigrationReport
from accel_orm.json_import.shapes import parse_file
from accel_orm.leftovers import remove_stale
from accel_orm.models import Model
from accel_orm.schema.partitions import ensure_test_result_partitions

log = logging.getLogger(__name__)

DEFAULT_BATCH_FILES = 500
# A batch of files is committed in groups of at most this many results (a file is never split).
DEFAULT_BATCH_RESULTS = 20_000
MAX_PROBLEMS_PER_FILE = 10
DEFAULT_MAX_FILE_MB = 256.0
"""Files larger than this are skipped unread: results files are kilobytes, and reading a multi-gigabyte file whole
only to find it is not JSON costs gigabytes of memory (``max_file_mb`` / ``--max-file-mb`` raise it)."""
# Serialises the write transactions of concurrent migrations on one PostgreSQL database (arbitrary fixed key).
_MIGRATION_LOCK_KEY = 0x616363656C5F6A73

MigrationProgress = Callable[[int, int, FileEntry], None]
"""Called once per file when its outcome is final: ``(files done, files in total, its entry)``."""


def migrate_json(
    engine: Engine,
    directories: Sequence[str | os.PathLike[str]],
    *,
    report_path: str | os.PathLike[str] | None = None,
    archive_dir: str | os.PathLike[str] | None = None,
    delete: bool = False,
    dry_run: bool = False,
    progress: MigrationProgress | None = None,
    batch_files: int = DEFAULT_BATCH_FILES,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    model_aliases: Mapping[str, str] | None = None,
    family_aliases: Mapping[str, str] | None = None,
) -> MigrationReport:
    """Import the results of every ``*.json`` file under ``directories`` (recursively) into ``engine``'s database.

    Idempotent: files whose bytes are in the import ledger, and results whose fingerprint is already stored, add
    nothing. ``archive_dir`` receives a copy (same path relative to its directory) of every file whose results are
    committed; ``delete`` removes such files (after their archive copy, when both are given). Skipped and failed
    files are never touched. ``dry_run`` reads the files and the database and reports what would happen, writing
    nothing but the report. The markdown report goes to ``report_path`` when given (also when the run stops on a
    database error, which is then re-raised). See the module docstring for the transaction scope.

    Files over ``max_file_mb`` megabytes are skipped without being read. ``model_aliases`` / ``family_aliases``
    (``{"bert": "bert-base-uncased"}``) rename models and families as results are imported; the report lists
    names that look like duplicates of each other (:mod:`accel_orm.json_import.aliases`). Aliases apply to files
    being imported, not to files the ledger already holds. Stale ``.part`` files that a killed run left in
    ``archive_dir`` are removed first (never those of a run still going) and listed in the report.
    """
    if batch_files < 1:
        raise ValueError(f"batch_files must be at least 1, got {batch_files}")
    if not max_file_mb > 0:
        raise ValueError(f"max_file_mb must be a positive number of megabytes, got {max_file_mb!r}")
    models = check_aliases(model_aliases or {}, flag="model_aliases")
    families = check_aliases(family_aliases or {}, flag="family_aliases")
    started = time.perf_counter()
    roots = check_directories(directories)
    archive = check_archive_dir(archive_dir, roots) if archive_dir is not None else None
    report = MigrationReport(
        directories=roots,
        database=describe(engine.url),
        started_at=datetime.now(UTC).replace(tzinfo=None),
        dry_run=dry_run,
        archive_dir=archive,
        delete=delete,
    )
    try:
        if archive is not None and not dry_run:
            report.leftovers_removed = [leftover.describe() for leftover in remove_stale(stale_archive_copies(archive))]
        found = discover_json_files(roots, exclude=archive)
        log.info("migrating %d JSON file(s) from %s", len(found), ", ".join(map(str, roots)))
        migration = _Migration(
            engine,
            report,
            progress=progress,
            total=len(found),
            max_file_bytes=int(max_file_mb * 1024 * 1024),
            model_aliases=models,
            family_aliases=families,
        )
        for batch in _batches(found, batch_files):
            migration.run_batch(batch)
        migration.find_likely_duplicates()
    except BaseException as error:
        report.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        report.seconds = time.perf_counter() - started
        if report_path is not None:
            report.write_markdown(report_path)
    log.info("%s", report.summary())
    return report


def _batches(files: Sequence[FoundFile], size: int) -> Iterator[Sequence[FoundFile]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


@dataclass
class _File:
    """One file on its way through a batch; becomes a :class:`FileEntry` when the batch is done."""

    found: FoundFile
    content: FileContent | None = None
    status: FileStatus | None = None  # None while undecided
    reason: str | None = None
    shape: str | None = None
    notes: tuple[str, ...] = ()
    results: list[dict[str, Any]] = field(default_factory=list)
    results_count: int = 0
    fingerprints: list[str] = field(default_factory=list)
    timestamps: list[datetime] = field(default_factory=list)
    stored: int = 0

    @property
    def sha256(self) -> str:
        assert self.content is not None
        return self.content.sha256

    def decide(self, status: FileStatus, reason: str | None = None) -> None:
        self.status, self.reason = status, reason
        self.results = []  # no longer needed: keep memory flat over a long run

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


@dataclass
class _Outcome:
    """What one committed group did; applied to the run's state only after the commit succeeded."""

    late: dict[str, ledger.LedgerRow]  # imported by a concurrent run since the batch began
    stored: dict[int, int]  # id(_File) -> results stored from it
    fingerprints: set[str]
    counts: StoreReport
    ledger_rows: int


class _Migration:
    """The state of one run: files seen, fingerprints taken, rows counted."""

    def __init__(
        self,
        engine: Engine,
        report: MigrationReport,
        *,
        progress: MigrationProgress | None,
        total: int,
        max_file_bytes: int = int(DEFAULT_MAX_FILE_MB * 1024 * 1024),
        model_aliases: Mapping[str, str] | None = None,
        family_aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.max_file_bytes = max_file_bytes
        self.model_aliases = dict(model_aliases or {})
        self.family_aliases = dict(family_aliases or {})
        self.model_names: set[str] = set()  # as imported (after aliases): the report's duplicate check
        self.family_names: set[str] = set()
        self.report = report
        self.dry_run = report.dry_run
        self.progress = progress
        self.total = total
        # Results without a timestamp get the run's start time, the same in every validation pass.
        self.now = report.started_at
        self.first_by_hash: dict[str, FileEntry] = {}
        self.fingerprints_seen: set[str] = set()
        self.rows: Counter[str] = Counter()
        self.planned_models: set[Any] = set()  # dry run: dimension keys already counted
        self.planned_hardware: set[Any] = set()

    # --- one batch ------------------------------------------------------------------------------------------

    def run_batch(self, found: Sequence[FoundFile]) -> None:
        files = [self._read(item) for item in found]
        originals, copies = self._split_copies(files)
        with translate_errors(self.engine.url), self.engine.connect() as connection:
            self._mark_ledgered(connection, originals)
            # End the read transaction: on PostgreSQL creating a month partition must not wait for it.
            connection.rollback()
            candidates = self._validate(self._parse(originals))
            for group in _groups(candidates, DEFAULT_BATCH_RESULTS):
                self._commit(connection, group)
        entries = {id(f): f.entry() for f in originals}
        for f in originals:
            if f.content is not None:
                self.first_by_hash[f.sha256] = entries[id(f)]
        for f in copies:
            entries[id(f)] = self._copy_entry(f)
        for f in files:
            entry = entries[id(f)]
            if entry.committed and not self.dry_run:
                self._archive_and_delete(f, entry)
            self._finish(entry)

    def _read(self, found: FoundFile) -> _File:
        try:
            size = found.path.stat().st_size
            if size > self.max_file_bytes:
                file = _File(found)
                limit = self.max_file_bytes / 1024 / 1024
                file.decide(
                    FileStatus.SKIPPED,
                    f"too large: {size / 1024 / 1024:,.1f} MB is over the {limit:g} MB limit, not read "
                    "(raise it with --max-file-mb / max_file_mb)",
                )
                return file
            return _File(found, content=read_content(found.path))
        except OSError as error:
            file = _File(found)
            file.decide(FileStatus.SKIPPED, f"unreadable: {error.strerror or error}")
            return file

    def _split_copies(self, files: list[_File]) -> tuple[list[_File], list[_File]]:
        """Files whose bytes appear for the first time in this run, and copies of earlier ones."""
        first: set[str] = set()
        originals: list[_File] = []
        copies: list[_File] = []
        for f in files:
            if f.content is not None and (f.sha256 in self.first_by_hash or f.sha256 in first):
                copies.append(f)
                continue
            if f.content is not None:
                first.add(f.sha256)
            originals.append(f)
        return originals, copies

    def _mark_ledgered(self, connection: Connection, files: list[_File]) -> None:
        pending = [f for f in files if f.status is None]
        known = ledger.ledgered(connection, [f.sha256 for f in pending])
        for f in pending:
            row = known.get(f.sha256)
            if row is not None:
                f.shape, f.results_count = row.shape, row.results_count
                f.decide(FileStatus.ALREADY_IMPORTED, _imported_before(row))

    def _parse(self, files: list[_File]) -> list[_File]:
        candidates: list[_File] = []
        for f in files:
            if f.status is not None:
                continue
            parsed = parse_file(f.found.path)
            f.shape, f.notes = parsed.shape, parsed.notes
            if not parsed.results:
                f.decide(FileStatus.SKIPPED, parsed.skip_reason or "no results in file")
                continue
            self.report.aliases_applied += apply_aliases(
                parsed.results, model_aliases=self.model_aliases, family_aliases=self.family_aliases
            )
            self._note_names(parsed.results)
            f.results = parsed.results
            f.results_count = len(parsed.results)
            f.fingerprints = [result_fingerprint(result) for result in parsed.results]
            candidates.append(f)
        return candidates

    def _note_names(self, results: list[dict[str, Any]]) -> None:
        for result in results:
            for key, names in (("model_name", self.model_names), ("model_family", self.family_names)):
                value = result.get(key)
                if isinstance(value, str) and value.strip():
                    names.add(value)

    def find_likely_duplicates(self) -> None:
        """Names imported now that look like each other or like names already in the database."""
        if not self.model_names and not self.family_names:
            return
        with translate_errors(self.engine.url), self.engine.connect() as connection:
            stored = connection.execute(select(Model.model_name, Model.model_family)).all()
        self.report.likely_duplicates = likely_duplicates(
            "model", self.model_names, among=[name for name, _ in stored]
        ) + likely_duplicates("family", self.family_names, among=[family for _, family in stored if family])

    def _validate(self, candidates: list[_File]) -> list[_File]:
        """Fail every file holding an invalid result; note the valid files' timestamps (for partitions).

        All files of the batch are validated in one call (fast); should validation itself trip over some value
        instead of reporting it, each file is validated alone so that only the file holding it fails.
        """
        try:
            return self._validate_together(candidates)
        except Exception:
            log.warning(
                "validating a batch of %d files raised; validating file by file", len(candidates), exc_info=True
            )
        valid: list[_File] = []
        for f in candidates:
            try:
                valid.extend(self._validate_together([f]))
            except Exception as error:
                f.decide(FileStatus.FAILED, f"cannot validate its results: {type(error).__name__}: {error}")
                log.warning("%s: %s", f.found.path, f.reason)
        return valid

    def _validate_together(self, candidates: list[_File]) -> list[_File]:
        items = [result for f in candidates for result in f.results]
        owners = [position for position, f in enumerate(candidates) for _ in f.results]  # item -> its file
        starts = list(itertools.accumulate((len(f.results) for f in candidates[:-1]), initial=0))
        checked = validate_chunk(items, 0, now=self.now)
        problems: dict[int, dict[int, list[str]]] = {}  # file position -> {index within the file: messages}
        for index, messages in checked.problems.items():
            problems.setdefault(owners[index], {})[index - starts[owners[index]]] = messages
        for position, file_problems in problems.items():
            f = candidates[position]
            f.decide(FileStatus.FAILED, _invalid_reason(file_problems, f.results_count))
            log.warning("%s: %s", f.found.path, f.reason)
        for index, moment in zip(checked.batch.positions, checked.batch.test["timestamp"], strict=True):
            candidates[owners[index]].timestamps.append(moment)
        return [f for f in candidates if f.status is None]

    # --- the transaction ------------------------------------------------------------------------------------

    def _commit(self, connection: Connection, group: list[_File]) -> None:
        """Store ``group`` in one transaction (rolled back in a dry run); in halves if the database refuses it."""
        if not self.dry_run:
            ensure_test_result_partitions(self.engine, [moment for f in group for moment in f.timestamps])
        try:
            with translate_errors(self.engine.url), connection.begin() as transaction:
                outcome = self._store(connection, group)
                if self.dry_run:
                    transaction.rollback()
        except Exception as error:
            refusal = _refusal(error)
            if refusal is None:
                raise
            if len(group) > 1:
                # Halve and retry: the refused file ends up alone in O(log n) transactions, the rest commit.
                log.warning("the database refused a batch of %d files (%s); retrying in halves", len(group), refusal)
                middle = len(group) // 2
                self._commit(connection, group[:middle])
                self._commit(connection, group[middle:])
                return
            (f,) = group
            f.decide(FileStatus.FAILED, f"the database refused its results: {refusal}")
            log.warning("%s: %s", f.found.path, f.reason)
            return
        self._accept(group, outcome)

    def _store(self, connection: Connection, group: list[_File]) -> _Outcome:
        late: dict[str, ledger.LedgerRow] = {}
        if not self.dry_run:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
            late = ledger.ledgered(connection, [f.sha256 for f in group])
        fresh = [f for f in group if f.sha256 not in late]
        already = stored_fingerprints(connection, {fp for f in fresh for fp in f.fingerprints} - self.fingerprints_seen)
        taken: set[str] = set()
        items: list[dict[str, Any]] = []
        stored: dict[int, int] = {}
        for f in fresh:
            count = 0
            for result, fingerprint in zip(f.results, f.fingerprints, strict=True):
                if fingerprint in already or fingerprint in self.fingerprints_seen or fingerprint in taken:
                    continue
                taken.add(fingerprint)
                items.append(with_fingerprint(result, fingerprint))
                count += 1
            stored[id(f)] = count
        counts = StoreReport()
        if items:
            self._write_results(connection, items, counts)
        if not self.dry_run:
            ledger.record(connection, writer_for(connection), [_ledger_row(f, stored[id(f)], self.now) for f in fresh])
        return _Outcome(late, stored, taken, counts, len(fresh))

    def _write_results(self, connection: Connection, items: list[dict[str, Any]], counts: StoreReport) -> None:
        checked = validate_chunk(items, 0, now=self.now)
        if checked.problems:  # the files passed validation before; adding the fingerprint cannot break them
            lines = [f"[{i}] {p}" for i, messages in sorted(checked.problems.items()) for p in messages]
            raise InvalidResultError(lines, heading="results failed validation a second time")
        if self.dry_run:
            self._count_planned(connection, checked.batch, counts)
        else:
            write_result_batch(connection, writer_for(connection), checked.batch, counts)

    def _count_planned(self, connection: Connection, batch: ResultBatch, counts: StoreReport) -> None:
        """Dry run: the rows the batch would add (models and hardware looked up, compatibility pairs counted)."""
        counts.stored = len(batch)
        counts.performance_rows = len(batch.performance.rows)
        counts.power_rows = len(batch.power.rows)
        model_keys = MODELS.keys_of_batch(batch.model)
        hardware_keys = HARDWARE.keys_of_batch(batch.hardware)
        counts.compatibility_rows = len({(model_keys[row], hardware_keys[row]) for row in batch.compatibility.rows})
        counts.models_created = self._planned_new(connection, MODELS, model_keys, self.planned_models)
        counts.hardware_created = self._planned_new(connection, HARDWARE, hardware_keys, self.planned_hardware)

    @staticmethod
    def _planned_new(connection: Connection, dimension: Any, keys: list[Any], planned: set[Any]) -> int:
        unseen = set(keys) - planned
        existing = dimension.lookup(connection, list(unseen)) if unseen else {}
        planned.update(unseen)
        return len(unseen - set(existing))

    def _accept(self, group: list[_File], outcome: _Outcome) -> None:
        for f in group:
            row = outcome.late.get(f.sha256)
            if row is not None:
                f.decide(FileStatus.ALREADY_IMPORTED, _imported_before(row))
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

    # --- after the commit -----------------------------------------------------------------------------------

    def _copy_entry(self, f: _File) -> FileEntry:
        original = self.first_by_hash[f.sha256]
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

    def _archive_and_delete(self, f: _File, entry: FileEntry) -> None:
        archive_dir, delete = self.report.archive_dir, self.report.delete
        if archive_dir is None and not delete:
            return
        try:
            entry.archived_to, entry.deleted = archive_and_delete(
                f.found, f.sha256, archive_dir=archive_dir, delete=delete
            )
        except FileActionError as error:
            entry.file_problem = str(error)
            log.warning("%s: %s", f.found.path, error)

    def _finish(self, entry: FileEntry) -> None:
        self.report.files.append(entry)
        if self.progress is not None:
            self.progress(len(self.report.files), self.total, entry)


def _refusal(error: BaseException) -> str | None:
    """Why the database refused the data, when ``error`` (or what it interrupted) is a constraint violation.

    The bulk writers talk to the drivers directly, so a violation can arrive untranslated: a psycopg
    ``IntegrityError`` from COPY, or a DuckDB error raised while cleaning up after a ``ConstraintException``.
    The cause and context chain is searched for any DB-API ``IntegrityError`` (and for the invalid-result and
    constraint errors accel_orm raises itself); anything else (lost connection, lock, ...) is not a refusal.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConstraintViolationError | InvalidResultError):
            return str(current)
        if any(kind.__name__ == "IntegrityError" for kind in type(current).__mro__):
            orig = getattr(current, "orig", None)  # SQLAlchemy wraps the driver's error
            return (str(orig) if orig is not None else str(current)).strip().splitlines()[0]
        current = current.__cause__ or current.__context__
    return None


def _groups(files: list[_File], max_results: int) -> Iterator[list[_File]]:
    """Consecutive files holding at most ``max_results`` results together (a larger file forms its own group)."""
    group: list[_File] = []
    size = 0
    for f in files:
        if group and size + f.results_count > max_results:
            yield group
            group, size = [], 0
        group.append(f)
        size += f.results_count
    if group:
        yield group


def _ledger_row(f: _File, stored: int, now: datetime) -> ledger.LedgerRow:
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


def _imported_before(row: ledger.LedgerRow) -> str:
    return f"imported {row.imported_at:%Y-%m-%d %H:%M:%S} UTC from {row.source_path}"


def _invalid_reason(problems: dict[int, list[str]], total: int) -> str:
    lines = [f"[{index}] {message}" for index in sorted(problems) for message in problems[index]]
    shown = lines[:MAX_PROBLEMS_PER_FILE]
    if len(lines) > len(shown):
        shown.append(f"... and {len(lines) - len(shown)} more problem(s)")
    heading = f"{len(problems)} of {total} result(s) invalid; nothing from this file was stored"
    return str(InvalidResultError(shown, heading=heading))
