"""``accel-orm migrate-json``: import folders of benchmark-runner JSON files, once, with a ledger."""

from __future__ import annotations

import argparse
from typing import Any

from accel_orm.cli.common import open_engine, progress_bar, say
from accel_orm.json_import import migrate_json


def cmd_migrate_json(args: argparse.Namespace) -> int:
    with (
        open_engine(args, create=True) as engine,
        progress_bar(args, total=None, unit="files", desc="migrating") as bar,
    ):

        def advance(done: int, total: int, entry: Any) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(1)

        report = migrate_json(
            engine,
            args.directories,
            report_path=args.report,
            archive_dir=args.archive_dir,
            delete=args.delete,
            dry_run=args.dry_run,
            progress=advance,
        )
    print(report.summary())
    if args.verbose:
        for entry in report.files:
            print(f"  {entry.status:<18} {entry.path}" + (f"  ({entry.reason})" if entry.reason else ""))
    if args.report:
        say(args, f"wrote the migration report to {args.report}")
    return 1 if report.has_failures else 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "migrate-json", help="import benchmark-runner JSON result files (idempotent; unrecognised files are reported)"
    )
    parser.add_argument("--directories", nargs="+", required=True, metavar="DIR", help="folders to scan for *.json")
    parser.add_argument("--report", metavar="FILE", help="write a markdown report of what happened to each file")
    parser.add_argument("--archive-dir", metavar="DIR", help="copy imported files here, keeping relative paths")
    parser.add_argument("--delete", action="store_true", help="remove files whose results are committed")
    parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    parser.set_defaults(handler=cmd_migrate_json)
