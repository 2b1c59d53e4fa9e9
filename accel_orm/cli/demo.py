"""``accel-orm demo``: the main job on a fresh embedded database, end to end through the public API.

Stores a realistic synthetic history (models x hardware x six weeks of nightly runs, with two injected
regressions and one improvement in the last week), then prints what a team would look at first and writes a
self-contained ``report.html`` with charts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from accel_orm.cli.common import progress_bar, say

REGRESSION_COLUMNS = [
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "previous",
    "current",
    "percent_change",
    "z_score",
]


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from accel_orm.api import TestResultsDBHandler
    from accel_orm.db import database_of, session_scope
    from accel_orm.demo_data import BATCH_SIZES, HARDWARE, MODELS, generate_history, injected_changes
    from accel_orm.models import TestResult
    from accel_orm.reports import render
    from accel_orm.reports.build import regressions_section, summary_report
    from accel_orm.reports.render.markdown import frame_to_markdown

    with TestResultsDBHandler(db_path=args.db) as handler:
        engine = handler.engine
        with session_scope(engine) as session:
            existing = session.scalar(select(func.count()).select_from(TestResult)) or 0
        if existing:
            say(
                args,
                f"{database_of(engine).describe()} already holds {existing:,} test results: reporting on them as they "
                "are (give --db a new file for a fresh demo).",
            )
        else:
            total = args.days * 2 * len(MODELS) * len(HARDWARE) * len(BATCH_SIZES)
            say(
                args,
                f"Storing {total:,} synthetic results ({len(MODELS)} models x {len(HARDWARE)} platforms x "
                f"{args.days} days) in {database_of(engine).describe()} ...",
            )
            with progress_bar(args, total=total, unit="results", desc="storing") as bar:
                stored = handler.store_test_results(generate_history(days=args.days), progress=bar.update)
            say(args, stored.summary())

        summary = summary_report(engine)
        counts = summary.sections[0].frame
        assert counts is not None  # the summary's first section is the table counts
        print("\n## What is in the database\n")
        print(frame_to_markdown(counts))
        for metric in ("throughput", "latency"):
            section = regressions_section(engine, metric=metric)
            print(f"\n## {section.heading}\n")
            frame = section.frame
            print(
                frame_to_markdown(frame[REGRESSION_COLUMNS])
                if frame is not None and len(frame)
                else "No regressions found."
            )
        if not existing:
            planted = ", ".join(
                f"{model} on {hardware}" + (f" ({device})" if device else "") + f" x{factor:g}"
                for (model, hardware, device), factor in injected_changes().items()
            )
            say(
                args,
                f"\n(The demo planted these throughput changes in the last week: {planted}; the improvement "
                "must not be flagged.)",
            )
        output = Path(args.output)
        output.write_text(render(summary, "html"), encoding="utf-8")
        say(args, f"\nWrote {output.resolve()} (open it in a browser: tables and charts in one file).")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo", help="store a realistic synthetic history and show what accel_orm finds")
    parser.add_argument("--days", type=int, default=42, help="days of nightly runs to generate (default: 42)")
    parser.add_argument("--output", default="report.html", help="the HTML report to write (default: report.html)")
    parser.set_defaults(handler=cmd_demo)
