"""``accel-orm query``: the flags people already use with the benchmark database query tool, verbatim."""

from __future__ import annotations

import argparse
from datetime import datetime

from accel_orm.cli.common import open_engine, write_output
from accel_orm.frames import run_read_only_sql, to_frame
from accel_orm.queries import hardware_comparison, model_comparison
from accel_orm.queries.summary import recent_failures
from accel_orm.reports import Report, Section, render
from accel_orm.reports.build import (
    REPORTS,
    compatibility_report,
    hardware_comparison_section,
    performance_report,
    regressions_section,
    trend_section,
)
from accel_orm.reports.render.csvfmt import frame_to_csv

FORMATS = ("markdown", "html", "json", "csv", "chart")
METRICS = ("throughput", "latency", "memory")


def _build_report(args: argparse.Namespace) -> Report:
    """Which report the flags ask for (first matching flag wins, in the order the old tool used)."""
    if args.sql is not None:
        frame = run_read_only_sql(args.db, args.sql)
        return Report(title="SQL query", sections=[Section("Result", frame=frame, text=f"`{args.sql}`")])
    with open_engine(args) as engine:
        if args.report is not None:
            return REPORTS[args.report](engine)
        if args.compatibility_matrix:
            return compatibility_report(engine, family=args.family)
        if args.regressions:
            return Report(
                title="Regressions",
                sections=[
                    regressions_section(
                        engine, metric=args.metric, window_days=args.window_days, threshold_pct=args.threshold
                    )
                ],
            )
        if args.failures:
            since = datetime.fromisoformat(args.since) if args.since else None
            frame = to_frame(recent_failures(since=since, hardware_type=args.hardware), engine)
            return Report(title="Failures", sections=[Section("Failed tests, newest first", frame=frame)])
        if args.trend:
            since = datetime.fromisoformat(args.since) if args.since else None
            return Report(
                title="Trend", sections=[trend_section(engine, model=args.model, metric=args.metric, since=since)]
            )
        if args.model is not None and args.compare_hardware:
            frame = to_frame(hardware_comparison(args.model, batch_size=None), engine)
            return Report(
                title=f"{args.model} across hardware",
                sections=[hardware_comparison_section(args.model, frame, args.metric)],
            )
        if args.model is not None:
            return performance_report(engine, model=args.model, hardware_type=args.hardware)
        if args.hardware is not None:
            frame = to_frame(model_comparison(args.hardware, batch_size=None), engine)
            return Report(title=f"Models on {args.hardware}", sections=[Section("Model comparison", frame=frame)])
    raise ValueError(
        "say what to query: --report, --compatibility-matrix, --model, --hardware, --trend, "
        "--regressions, --failures or --sql (see accel-orm query --help)"
    )


def _limited(report: Report, limit: int | None) -> Report:
    if limit is not None:
        for section in report.sections:
            if section.frame is not None:
                section.frame = section.frame.head(limit)
    return report


def cmd_query(args: argparse.Namespace) -> int:
    report = _limited(_build_report(args), args.limit)
    if args.format == "chart":
        chart = next((s.chart_png for s in report.sections if s.chart_png is not None), None)
        if chart is None:
            raise ValueError("this query has no chart; use --format markdown, html, json or csv")
        write_output(chart, args.output)
    elif args.format == "csv":
        frame = next((s.frame for s in report.sections if s.frame is not None), None)
        if frame is None:
            raise ValueError("this query has no table to write as CSV")
        write_output(frame_to_csv(frame), args.output)
    else:
        write_output(render(report, args.format), args.output)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("query", help="query the database and print or write a report")
    parser.add_argument("--report", choices=sorted(REPORTS), help="a ready-made report")
    parser.add_argument("--compatibility-matrix", action="store_true", help="models by hardware type")
    parser.add_argument("--family", help="with --compatibility-matrix: one model family")
    parser.add_argument("--model", help="one model's performance (with --compare-hardware: across hardware)")
    parser.add_argument("--compare-hardware", action="store_true", help="with --model: compare hardware platforms")
    parser.add_argument(
        "--metric", choices=METRICS, default="throughput", help="metric to compare (default: throughput)"
    )
    parser.add_argument("--hardware", help="one hardware type (cpu, cuda, webgpu, ...)")
    parser.add_argument("--trend", action="store_true", help="a metric per day and hardware type")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="with --trend or --failures: start date")
    parser.add_argument(
        "--failures", action="store_true", help="every failed test, newest first (with --hardware, --since)"
    )
    parser.add_argument("--regressions", action="store_true", help="what got worse this window")
    parser.add_argument("--window-days", type=float, default=7, help="with --regressions (default: 7)")
    parser.add_argument("--threshold", type=float, default=5.0, help="with --regressions: percent (default: 5)")
    parser.add_argument(
        "--method",
        choices=("zscore", "mean"),
        default="zscore",
        help="with --regressions: zscore (noise-aware, default) or mean (plain percentage)",
    )
    parser.add_argument("--sql", help="run one SQL statement on a read-only connection")
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout (required for chart)")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N rows per table")
    parser.set_defaults(handler=cmd_query, validate=_validate)


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.format == "chart" and args.output is None:
        parser.error("--format chart writes a PNG: give --output FILE")
    if args.since is not None:
        try:
            datetime.fromisoformat(args.since)
        except ValueError:
            parser.error(f"--since expects YYYY-MM-DD, got {args.since!r}")
    if args.limit is not None and args.limit < 0:
        parser.error("--limit must be >= 0")
