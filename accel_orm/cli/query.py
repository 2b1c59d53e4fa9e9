"""``accel-orm query``: the flags people already use with the benchmark database query tool, verbatim."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING

from accel_orm import defaults
from accel_orm.cli.common import open_engine, write_output

if TYPE_CHECKING:
    from accel_orm.reports import Report

# pandas, matplotlib, the detector and the report builders are imported when the command runs, not for --help.
FORMATS = ("markdown", "html", "json", "csv", "chart")
METRICS = ("throughput", "latency", "memory")
"""The metrics the window reports (--regressions, --trend, --compare-hardware) accept."""
CHANGE_METRICS = ("throughput", "latency", "p50_latency", "p90_latency", "p99_latency", "memory", "power", "efficiency")
"""--changes and --regressions --method changepoint accept every metric of :data:`accel_orm.metrics.METRICS`
(spelled out so --help needs no SQLAlchemy; a test checks they agree)."""
REPORT_NAMES = ("compatibility", "hardware", "performance", "summary")
"""The keys of :data:`accel_orm.reports.build.REPORTS` (spelled out so --help needs no pandas; a test checks)."""


def _batch_size(text: str) -> int | None:
    if text == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a batch size (a whole number) or 'all', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a batch size is at least 1, got {value}")
    return value


def _build_report(args: argparse.Namespace) -> Report:
    """Which report the flags ask for (first matching flag wins, in the order the old tool used)."""
    from accel_orm.changes.sections import changepoint_regressions_section, changes_section
    from accel_orm.config import resolve
    from accel_orm.frames import run_read_only_sql, to_frame
    from accel_orm.known_names import require_known
    from accel_orm.queries.summary import recent_failures
    from accel_orm.reports import Report, Section
    from accel_orm.reports.build import (
        REPORTS,
        compare_hardware,
        compare_models,
        compatibility_report,
        performance_report,
        regressions_section,
        trend_section,
    )

    if args.sql is not None:
        frame = run_read_only_sql(
            resolve(args.db), args.sql, reader_role=args.reader_role, lock_timeout=args.lock_timeout
        )
        return Report(title="SQL query", sections=[Section("Result", frame=frame, text=f"`{args.sql}`")])
    with open_engine(args) as engine:
        # A mistyped name is an error with a suggestion, not an empty table (or an empty chart) and exit 0.
        require_known(engine, model_name=args.model, hardware_type=args.hardware, family=args.family)
        if args.report is not None:
            return REPORTS[args.report](engine)
        if args.compatibility_matrix:
            return compatibility_report(engine, family=args.family)
        if args.changes:
            return Report(
                title="Changes",
                sections=[
                    changes_section(
                        engine,
                        metric=args.metric,
                        since=datetime.fromisoformat(args.since) if args.since else None,
                        model_name=args.model,
                        hardware_type=args.hardware,
                        regressions_only=args.regressions_only,
                    )
                ],
            )
        if args.regressions and args.method == "changepoint":
            return Report(
                title="Regressions",
                sections=[
                    changepoint_regressions_section(
                        engine, metric=args.metric, window_days=args.window_days, threshold_pct=args.threshold
                    )
                ],
            )
        if args.regressions:
            return Report(
                title="Regressions",
                sections=[
                    regressions_section(
                        engine,
                        metric=args.metric,
                        window_days=args.window_days,
                        threshold_pct=args.threshold,
                        method=args.method,
                        include_simulated=args.include_simulated,
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
            section = compare_hardware(engine, args.model, metric=args.metric, batch_size=args.batch_size)
            return Report(title=f"{args.model} across hardware", sections=[section])
        if args.model is not None:
            return performance_report(engine, model=args.model, hardware_type=args.hardware)
        if args.hardware is not None:
            section = compare_models(engine, args.hardware, batch_size=args.batch_size)
            return Report(title=f"Models on {args.hardware}", sections=[section])
    raise ValueError(
        "say what to query: --report, --compatibility-matrix, --model, --hardware, --trend, "
        "--regressions, --changes, --failures or --sql (see accel-orm query --help)"
    )


def _limited(report: Report, limit: int | None) -> Report:
    if limit is not None:
        for section in report.sections:
            if section.frame is not None:
                section.frame = section.frame.head(limit)
    return report


def _found_regressions(args: argparse.Namespace, report: Report) -> bool:
    """``--regressions --fail-on-regression``: the section's table holds only regressions; acknowledged ones (the
    change detector marks them) were accepted by the team and do not fail the gate."""
    if not args.regressions:
        return False
    for section in report.sections:
        frame = section.frame
        if frame is None:
            continue
        if "acknowledged" in frame.columns:
            frame = frame[~frame["acknowledged"].astype(bool)]
        if len(frame):
            return True
    return False


def cmd_query(args: argparse.Namespace) -> int:
    from accel_orm.reports import render
    from accel_orm.reports.render.csvfmt import frame_to_csv
    from accel_orm.reports.render.jsonfmt import frame_to_records

    full = _build_report(args)
    regressed = _found_regressions(args, full)
    report = _limited(full, args.limit)
    if args.format == "chart":
        chart = next((s.chart_png for s in report.sections if s.chart_png is not None), None)
        if chart is None:
            raise ValueError("this query has no chart; use --format markdown, html, json or csv")
        write_output(chart, args.output)
    elif args.format == "json" and args.changes:
        # A flat array of row objects (what `jq '.[] | select(.direction == "regression")'` wants).
        frame = report.sections[0].frame
        rows = frame_to_records(frame)["rows"] if frame is not None else []
        write_output(json.dumps(rows, indent=2, ensure_ascii=False, allow_nan=False), args.output)
    elif args.format == "csv":
        frame = next((s.frame for s in report.sections if s.frame is not None), None)
        if frame is None:
            raise ValueError("this query has no table to write as CSV")
        write_output(frame_to_csv(frame), args.output)
    else:
        write_output(render(report, args.format), args.output)
    return defaults.EXIT_REGRESSION if args.fail_on_regression and regressed else 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("query", help="query the database and print or write a report")
    parser.add_argument("--report", choices=REPORT_NAMES, help="a ready-made report")
    parser.add_argument("--compatibility-matrix", action="store_true", help="models by hardware type")
    parser.add_argument("--family", help="with --compatibility-matrix: one model family")
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=defaults.COMPARISON_BATCH_SIZE,
        metavar="N|all",
        help="with --compare-hardware or --hardware: the batch size compared "
        f"(default: {defaults.COMPARISON_BATCH_SIZE}; 'all' pools every batch size)",
    )
    parser.add_argument("--model", help="one model's performance (with --compare-hardware: across hardware)")
    parser.add_argument("--compare-hardware", action="store_true", help="with --model: compare hardware platforms")
    parser.add_argument(
        "--metric",
        choices=CHANGE_METRICS,
        default="throughput",
        help=f"metric to compare (default: throughput; {', '.join(METRICS)} everywhere, any with --changes)",
    )
    parser.add_argument("--hardware", help="one hardware type (cpu, cuda, webgpu, ...)")
    parser.add_argument("--trend", action="store_true", help="a metric per day and hardware type")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="with --trend, --changes or --failures: start date")
    parser.add_argument(
        "--failures", action="store_true", help="every failed test, newest first (with --hardware, --since)"
    )
    parser.add_argument("--regressions", action="store_true", help="what got worse this window")
    parser.add_argument(
        "--window-days",
        type=float,
        default=defaults.REGRESSION_WINDOW_DAYS,
        help=f"with --regressions (default: {defaults.REGRESSION_WINDOW_DAYS:g})",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=defaults.REGRESSION_THRESHOLD_PCT,
        help=f"with --regressions: percent (default: {defaults.REGRESSION_THRESHOLD_PCT:g})",
    )
    parser.add_argument(
        "--method",
        choices=(*defaults.REGRESSION_METHODS, "changepoint"),
        default=defaults.REGRESSION_METHOD,
        help=f"with --regressions: zscore (noise-aware), mean (plain percentage) or changepoint (step changes "
        f"found by the change detector in the window); default: {defaults.REGRESSION_METHOD}",
    )
    parser.add_argument(
        "--changes",
        action="store_true",
        help="every step change per series (whole history, both directions; narrow with --since, --model, "
        "--hardware, --regressions-only)",
    )
    parser.add_argument("--regressions-only", action="store_true", help="with --changes: only regressions")
    parser.add_argument(
        "--include-simulated", action="store_true", help="with --regressions: also judge simulated results"
    )
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help=f"with --regressions: exit {defaults.EXIT_REGRESSION} when any regression is found",
    )
    parser.add_argument("--sql", help="run one SQL statement, read-only and sandboxed (see README)")
    parser.add_argument(
        "--reader-role",
        default=defaults.DEFAULT_READER_ROLE,
        help=f"PostgreSQL: the role --sql runs as (default: {defaults.DEFAULT_READER_ROLE}; see db create-reader-role)",
    )
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
    if args.regressions_only and not args.changes:
        parser.error("--regressions-only goes with --changes")
    uses_detector = args.changes or (args.regressions and args.method == "changepoint")
    if args.metric not in METRICS and not uses_detector:
        parser.error(f"--metric {args.metric} needs --changes or --method changepoint (else: {', '.join(METRICS)})")
    if args.limit is not None and args.limit < 0:
        parser.error("--limit must be >= 0")
    if (args.fail_on_regression or args.include_simulated) and not args.regressions:
        parser.error("--fail-on-regression and --include-simulated go with --regressions")
