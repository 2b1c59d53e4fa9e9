"""``accel-orm report``: the handler's summary report (counts, regressions, hardware, compatibility, failures)."""

from __future__ import annotations

import argparse

from accel_orm.cli.common import open_engine, say, write_output


def cmd_report(args: argparse.Namespace) -> int:
    from accel_orm.reports import render
    from accel_orm.reports.build import summary_report

    with open_engine(args) as engine:
        content = render(summary_report(engine), args.format)
    write_output(content, args.output)
    if args.output is not None:
        say(args, f"wrote {args.format} report to {args.output}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="the summary report people act on")
    parser.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(handler=cmd_report)
