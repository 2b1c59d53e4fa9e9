"""``accel-orm maintenance``: integrity, compaction, statistics, backups and archiving."""

from __future__ import annotations

import argparse
import logging

from accel_orm.cli.common import open_engine, progress_bar, say

log = logging.getLogger(__name__)


def cmd_maintenance(args: argparse.Namespace) -> int:
    from accel_orm import maintenance

    job = next(
        flag
        for flag in ("check_integrity", "optimize_db", "generate_stats", "backup", "archive")
        if getattr(args, flag)
    )
    # Integrity must see a database as it is, so nothing upgrades it on the way in.
    with (
        open_engine(args, auto_upgrade=not args.check_integrity) as engine,
        progress_bar(args, total=None, unit="step", desc=job.replace("_", " ")) as bar,
    ):

        def step(message: str) -> None:
            log.info("%s", message)
            bar.set_postfix_str(message[:60], refresh=False)
            bar.update(1)

        # Reports print after the bar is gone, so the two never share a terminal line.
        if args.check_integrity:
            integrity = maintenance.check_integrity(engine, progress=step)
            text, code, always = "\n".join(integrity.lines(verbose=args.verbose)), 0 if integrity.ok else 1, True
        elif args.optimize_db:
            text, code, always = maintenance.optimize(engine, progress=step).to_text(), 0, False
        elif args.generate_stats:
            text, code, always = maintenance.generate_stats(engine, progress=step).to_text(), 0, True
        elif args.backup:
            report = maintenance.backup(engine, args.backup_dir, retention=args.retention, progress=step)
            text, code, always = report.to_text(), 0, False
        else:
            text, code, always = (
                maintenance.archive(engine, args.older_than, args.to, progress=step).to_text(),
                0,
                False,
            )
    if always:
        print(text)
    else:
        say(args, text)
    return code


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("maintenance", help="check, compact, back up, archive, or describe the database")
    job = parser.add_mutually_exclusive_group(required=True)
    job.add_argument(
        "--check-integrity",
        action="store_true",
        help="schema at head and equal to the models, orphans, constraint violations (exit 1 if any)",
    )
    job.add_argument(
        "--optimize-db",
        action="store_true",
        help="DuckDB: copy into a fresh file and swap (really shrinks it); PostgreSQL: VACUUM ANALYZE",
    )
    job.add_argument(
        "--generate-stats",
        action="store_true",
        help="table counts, most-tested models, most-used hardware, date range, size",
    )
    job.add_argument("--backup", action="store_true", help="a consistent, timestamped copy of the database")
    job.add_argument(
        "--archive",
        action="store_true",
        help="move closed months of results into hive-partitioned Parquet (needs --older-than, --to)",
    )
    parser.add_argument("--backup-dir", default="backups", help="where --backup writes (default: ./backups)")
    parser.add_argument("--retention", type=int, metavar="N", help="keep only the newest N backups")
    parser.add_argument("--older-than", type=int, metavar="DAYS", help="--archive: months ending DAYS days ago")
    parser.add_argument("--to", metavar="DIR", help="--archive: the Parquet archive directory")
    parser.set_defaults(handler=cmd_maintenance, validate=_validate)


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.archive and (args.older_than is None or args.to is None):
        parser.error("--archive needs --older-than DAYS and --to DIR")
    if args.retention is not None and args.retention < 1:
        parser.error("--retention must be at least 1")
