"""Migrate folders of benchmark-runner JSON files into the database, once: ``migrate_json``.

The ``accel-orm migrate-json`` command is a thin wrapper: it parses flags, calls :func:`migrate_json` with a
progress callback, prints :meth:`MigrationReport.summary` and exits non-zero when
:attr:`MigrationReport.has_failures`.
"""

from accel_orm.json_import.fingerprints import FINGERPRINT_KEY, result_fingerprint
from accel_orm.json_import.report import FileEntry, FileStatus, MigrationReport
from accel_orm.json_import.run import DEFAULT_BATCH_FILES, MigrationProgress, migrate_json

__all__ = [
    "DEFAULT_BATCH_FILES",
    "FINGERPRINT_KEY",
    "FileEntry",
    "FileStatus",
    "MigrationProgress",
    "MigrationReport",
    "migrate_json",
    "result_fingerprint",
]
