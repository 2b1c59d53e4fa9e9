"""``accel-orm report``: the morning report (what changed first, one chart per changed series, details folded)."""

from __future__ import annotations

import argparse

from accel_orm.cli.common import open_engine, say, write_output
from accel_orm.defaults import REGRESSION_METHODS

CHANGEPOINT = "changepoint"  # the report's default rule (accel_orm.reports.build.CHANGEPOINT)


def cmd_report(args: argparse.Namespace) -> int:
    from accel_orm.reports import render
    from accel_orm.reports.build import ChangeWindows, summary_report
    from accel_orm.timestamps import utc_now

    windows = ChangeWindows(
        as_of=utc_now(), window_days=args.window_days, threshold_pct=args.threshold, method=args.method
    )
    with open_engine(args) as engine:
        content = render(summary_report(engine, windows=windows), args.format)
    write_output(content, args.output)
    if args.output is not None:
        say(args, f"wrote {args.format} report to {args.output}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="the summary report people act on")
    parser.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--window-days", type=float, default=7, help="compare the last N days with the N before (default: 7)"
    )
    parser.add_argument("--threshold", type=float, default=5.0, help="percent a change must exceed (default: 5)")
    parser.add_argument(
        "--method",
        choices=(CHANGEPOINT, *REGRESSION_METHODS),
        default=CHANGEPOINT,
        help="changepoint (default: step changes that began in the window), or the window rules zscore / mean",
    )
    parser.set_defaults(handler=cmd_report, validate=_validate)


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.window_days <= 0:
        parser.error(f"--window-days must be positive, got {args.window_days:g}")
    if args.threshold < 0:
        parser.error(f"--threshold must be >= 0, got {args.threshold:g}")
