"""Maintenance that tells the truth: integrity, compaction, statistics, backups and archiving.

Each job takes an engine from :func:`accel_orm.get_engine`, does one thing, and returns a report dataclass with
``lines()``/``to_text()`` for printing (library code never prints). Long jobs accept ``progress``, a callable
taking one line of text per step. One module per job (module names differ from the function names so that
``accel_orm.maintenance.archive`` is always the function, never a shadowed submodule):

- :mod:`.integrity`: :func:`check_integrity` (schema at head and equal to the models, orphans across every
  reference including the application-level ``test_id`` ones, constraint re-checks).
- :mod:`.compaction`: :func:`optimize` (DuckDB: copy into a new file, verify, atomic swap, ANALYZE;
  PostgreSQL: VACUUM ANALYZE).
- :mod:`.stats`: :func:`generate_stats`.
- :mod:`.backups`: :func:`backup` (consistent, verified, UTC-timestamped, with retention).
- :mod:`.archiving`: :func:`archive` (closed months to hive-partitioned Parquet, verified before deleting).
- :mod:`.archive_read`: :func:`archive_union`, :func:`archived_rows`, :func:`read_archive` (query archived months).
"""

from accel_orm.maintenance._common import Progress
from accel_orm.maintenance.archive_read import archive_glob, archive_union, archived_rows, read_archive
from accel_orm.maintenance.archiving import ArchiveReport, archive
from accel_orm.maintenance.backups import BackupReport, BackupToolMissingError, backup
from accel_orm.maintenance.compaction import OptimizeReport, optimize
from accel_orm.maintenance.integrity import Check, IntegrityReport, check_integrity
from accel_orm.maintenance.stats import StatsReport, generate_stats

__all__ = [
    "ArchiveReport",
    "BackupReport",
    "BackupToolMissingError",
    "Check",
    "IntegrityReport",
    "OptimizeReport",
    "Progress",
    "StatsReport",
    "archive",
    "archive_glob",
    "archive_union",
    "archived_rows",
    "backup",
    "check_integrity",
    "generate_stats",
    "optimize",
    "read_archive",
]
