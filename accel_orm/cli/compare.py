"""``accel-orm compare --baseline REF --contender REF``: the CI gate.

Exit status: 0 when the comparison ran (and, with ``--fail-on-regression``, found no regression);
3 (:data:`accel_orm.compare.EXIT_REGRESSION`) with ``--fail-on-regression`` when it found one; 1 on errors
(unknown REF, bad database); 2 on usage mistakes (argparse).
"""

from __future__ import annotations

import argparse

from accel_orm.cli.common import open_engine, say, write_output
from accel_orm.cli.query import CHANGE_METRICS
from accel_orm.defaults import EXIT_REGRESSION

# The comparison (SQLAlchemy, pandas, scipy) is imported when the command runs, not for --help.
DEFAULT_ALPHA = 0.05  # accel_orm.compare.decide.DEFAULT_ALPHA (a test checks they agree)
FORMATS = ("markdown", "json", "junit", "github")  # accel_orm.compare.render.FORMATS


def cmd_compare(args: argparse.Namespace) -> int:
    from accel_orm.compare import compare_runs
    from accel_orm.compare.render import render

    with open_engine(args) as engine:
        result = compare_runs(
            engine,
            args.baseline,
            args.contender,
            metric=args.metric,
            threshold_pct=args.threshold,
            alpha=args.alpha,
            include_simulated=args.include_simulated,
        )
    write_output(render(result, args.format), args.output)
    if args.output is not None:
        say(args, f"wrote {args.format} comparison to {args.output}")
    if args.fail_on_regression and result.has_regressions:
        return EXIT_REGRESSION
    return 0


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.threshold < 0:
        parser.error("--threshold must be >= 0 (percent)")
    if not 0 < args.alpha < 1:
        parser.error("--alpha must be between 0 and 1")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare two runs per benchmark key; with --fail-on-regression exit 3 on a regression",
        description="Compare a contender run with a baseline run per comparability key (model, hardware, device, "
        "batch, sequence length, precision, test case). A key regresses when the contender is worse by more than "
        "--threshold percent and, where both runs record a spread, Welch's t-test gives p < --alpha. "
        "REF: a run id, a commit (full or a unique prefix of >= 7 characters: its latest run) or a branch (its "
        f"latest run). Exit status: 0 ok, {EXIT_REGRESSION} regression found (with --fail-on-regression), "
        "1 error, 2 usage.",
    )
    parser.add_argument("--baseline", required=True, metavar="REF", help="the run to compare against")
    parser.add_argument("--contender", required=True, metavar="REF", help="the run under test")
    parser.add_argument("--metric", choices=sorted(CHANGE_METRICS), default="latency", help="default: latency")
    parser.add_argument(
        "--threshold", type=float, default=5.0, metavar="PCT", help="percent worse that counts (default: 5)"
    )
    parser.add_argument(
        "--alpha", type=float, default=DEFAULT_ALPHA, help=f"significance level (default: {DEFAULT_ALPHA})"
    )
    parser.add_argument("--include-simulated", action="store_true", help="also compare simulated results")
    parser.add_argument(
        "--fail-on-regression", action="store_true", help=f"exit {EXIT_REGRESSION} when any regression is found"
    )
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(handler=cmd_compare, validate=_validate)
