"""``migrate_json``: import every runner JSON file under some folders, once, in batched transactions.

How one run goes, per batch of files (``batch_files``, default 500), one module per job:

1. :mod:`.read`: read each file once and hash its bytes (SHA-256); :mod:`.plan`: a file with the same bytes as
   an earlier one of this run is a copy and shares its outcome;
2. :mod:`.plan`: look the hashes up in the ledger (``import_ledger``): known files are ``already_imported`` and
   not parsed;
3. :mod:`.read`: parse the rest from the bytes already read (:func:`accel_orm.json_import.shapes.parse_bytes`);
   files without results are ``skipped`` with the parser's reason; every result is fingerprinted and validated
   once, and files with an invalid result are ``failed`` before anything is written, so one bad file never
   costs the others their import;
4. :mod:`.commit`: in ONE transaction per group of files: re-check the ledger (a concurrent run may have
   imported a file meanwhile), leave out results whose fingerprint is already stored or came earlier in this
   run, write the rest set-based (the same writer ``store_results`` uses) and the group's ledger rows;
5. :mod:`.archive`: after the commit, archive and/or delete the committed files (from the bytes read in 1).

Atomicity: a file's results and its ledger row commit together, so after a crash every file is either imported
and ledgered or not touched at all; re-running finishes the job. If the database refuses a batch (a constraint
the validation does not know), the batch is retried in halves until the refused file stands alone and fails.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, select

from accel_orm.db import database_of, translate_errors
from accel_orm.json_import import plan, read
from accel_orm.json_import.aliases import check_aliases, likely_duplicates
from accel_orm.json_import.archive import FileActionError, archive_and_delete
from accel_orm.json_import.commit import Committer
from accel_orm.json_import.files import (
    FoundFile,
    check_archive_dir,
    check_directories,
    discover_json_files,
    stale_archive_copies,
)
from accel_orm.json_import.plan import PendingFile
from accel_orm.json_import.read import Names
from accel_orm.json_import.report import FileEntry, MigrationReport
from accel_orm.leftovers import remove_stale
from accel_orm.models import Model
from accel_orm.timestamps import utc_now

log = logging.getLogger(__name__)

DEFAULT_BATCH_FILES = 500
# A batch of files is committed in groups of at most this many results (a file is never split).
DEFAULT_BATCH_RESULTS = 20_000
DEFAULT_MAX_FILE_MB = 256.0
"""Files larger than this are skipped unread: results files are kilobytes, and reading a multi-gigabyte file whole
only to find it is not JSON costs gigabytes of memory (``max_file_mb`` / ``--max-file-mb`` raise it)."""

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
    names = Names(
        model_aliases=check_aliases(model_aliases or {}, flag="model_aliases"),
        family_aliases=check_aliases(family_aliases or {}, flag="family_aliases"),
    )
    started = time.perf_counter()
    roots = check_directories(directories)
    archive = check_archive_dir(archive_dir, roots) if archive_dir is not None else None
    report = MigrationReport(
        directories=roots,
        database=database_of(engine).describe(),
        started_at=utc_now(),
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
            engine, report, progress=progress, total=len(found), max_bytes=int(max_file_mb * 1024 * 1024), names=names
        )
        for batch in plan.batches(found, batch_files):
            migration.run_batch(batch)
        report.aliases_applied = names.renamed
        report.likely_duplicates = _likely_duplicates(engine, names)
    except BaseException as error:
        report.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        report.seconds = time.perf_counter() - started
        if report_path is not None:
            report.write_markdown(report_path)
    log.info("%s", report.summary())
    return report


def _likely_duplicates(engine: Engine, names: Names) -> list[Any]:
    """Names imported now that look like each other or like names already in the database."""
    if not names.models and not names.families:
        return []
    with translate_errors(engine), engine.connect() as connection:
        stored = connection.execute(select(Model.model_name, Model.model_family)).all()
    return likely_duplicates("model", names.models, among=[name for name, _ in stored]) + likely_duplicates(
        "family", names.families, among=[family for _, family in stored if family]
    )


class _Migration:
    """One run: the batches in order, each read, planned, committed and archived; the report filled in."""

    def __init__(
        self,
        engine: Engine,
        report: MigrationReport,
        *,
        progress: MigrationProgress | None,
        total: int,
        max_bytes: int,
        names: Names,
    ) -> None:
        self.engine = engine
        self.max_bytes = max_bytes
        self.names = names
        self.report = report
        self.progress = progress
        self.total = total
        self.committer = Committer(engine, report)
        self.first_by_hash: dict[str, FileEntry] = {}
        # Archiving writes the copy from the bytes read, so they are kept only when there is an archive.
        self.keep_bytes = report.archive_dir is not None and not report.dry_run

    def run_batch(self, found: Sequence[FoundFile]) -> None:
        files, data = self._read(found)
        originals, copies = plan.split_copies(files, self.first_by_hash)
        with translate_errors(self.engine), self.engine.connect() as connection:
            plan.mark_ledgered(connection, originals)
            # End the read transaction: on PostgreSQL creating a month partition must not wait for it.
            connection.rollback()
            parsed = [f for f in originals if f.status is None and read.parse(f, data[id(f)], self.names)]
            data.clear()
            candidates, validated = read.validate(parsed, self.report.started_at)
            for group in plan.groups(candidates, DEFAULT_BATCH_RESULTS):
                self.committer.commit(connection, group, validated)
        entries = {id(f): f.entry() for f in originals}
        for f in originals:
            if f.content is not None:
                self.first_by_hash[f.sha256] = entries[id(f)]
        for f in copies:
            entries[id(f)] = plan.copy_entry(f, self.first_by_hash[f.sha256])
        for f in files:
            entry = entries[id(f)]
            if entry.committed and not self.report.dry_run:
                self._archive_and_delete(f, entry)
            self._finish(entry)

    def _read(self, found: Sequence[FoundFile]) -> tuple[list[PendingFile], dict[int, bytes]]:
        files: list[PendingFile] = []
        data: dict[int, bytes] = {}  # id(file) -> its bytes, until parsed
        for item in found:
            f, raw = read.read_file(item, keep_bytes=self.keep_bytes, max_bytes=self.max_bytes)
            files.append(f)
            if raw is not None:
                data[id(f)] = raw
        return files, data

    def _archive_and_delete(self, f: PendingFile, entry: FileEntry) -> None:
        archive_dir, delete = self.report.archive_dir, self.report.delete
        if (archive_dir is None and not delete) or f.content is None:
            return
        try:
            entry.archived_to, entry.deleted = archive_and_delete(
                f.found, f.content, archive_dir=archive_dir, delete=delete
            )
        except FileActionError as error:
            entry.file_problem = str(error)
            log.warning("%s: %s", f.found.path, error)

    def _finish(self, entry: FileEntry) -> None:
        self.report.files.append(entry)
        if self.progress is not None:
            self.progress(len(self.report.files), self.total, entry)
