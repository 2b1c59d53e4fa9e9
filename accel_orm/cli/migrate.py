"""``accel-orm migrate-json``: import folders of benchmark-runner JSON files, once, with a ledger."""

from __future__ import annotations

import argparse
from typing import Any

from accel_orm.cli.common import open_engine, progress_bar, say

DEFAULT_MAX_FILE_MB = 256.0  # as accel_orm.json_import.run.DEFAULT_MAX_FILE_MB (a test checks they agree)


def cmd_migrate_json(args: argparse.Namespace) -> int:
    from accel_orm.json_import import migrate_json
    from accel_orm.json_import.aliases import parse_aliases

    model_aliases = parse_aliases(args.model_alias, flag="--model-alias")
    family_aliases = parse_aliases(args.family_alias, flag="--family-alias")
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
            max_file_mb=args.max_file_mb,
            model_aliases=model_aliases,
            family_aliases=family_aliases,
        )
    print(report.summary())
    if args.verbose:
        for entry in report.files:
            print(f"  {entry.status:<18} {entry.path}" + (f"  ({entry.reason})" if entry.reason else ""))
    if args.report:
        say(args, f"wrote the migration report to {args.report}")
    return 1 if report.has_failures else 0


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of megabytes, got {text!r}")
    return value


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "migrate-json", help="import benchmark-runner JSON result files (idempotent; unrecognised files are reported)"
    )
    parser.add_argument("--directories", nargs="+", required=True, metavar="DIR", help="folders to scan for *.json")
    parser.add_argument("--report", metavar="FILE", help="write a markdown report of what happened to each file")
    parser.add_argument("--archive-dir", metavar="DIR", help="copy imported files here, keeping relative paths")
    parser.add_argument("--delete", action="store_true", help="remove files whose results are committed")
    parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    parser.add_argument(
        "--max-file-mb",
        type=_megabytes,
        default=DEFAULT_MAX_FILE_MB,
        metavar="MB",
        help=f"skip (unread) files larger than this (default: {DEFAULT_MAX_FILE_MB:g})",
    )
    parser.add_argument(
        "--model-alias",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="import model OLD as NEW (repeatable), e.g. bert=bert-base-uncased; the report lists likely duplicates",
    )
    parser.add_argument(
        "--family-alias",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="import model family OLD as NEW (repeatable), e.g. embedding=text_embedding",
    )
    parser.set_defaults(handler=cmd_migrate_json)
