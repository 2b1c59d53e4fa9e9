"""The ``accel-orm`` command. Thin on purpose: parse, call the Python API, print.

Every subcommand is reachable from Python; these modules only turn arguments into calls and results into text.
Errors leave as one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from accel_orm.cli import changes, compare, db, demo, maintenance, migrate, query, report, runs
from accel_orm.errors import AccelOrmError

DEFAULT_LOCK_TIMEOUT = 30.0  # seconds; the same default as accel_orm.db.get_engine (a test checks they agree)

Handler = Callable[[argparse.Namespace], int]
SUBCOMMANDS = (db, query, report, changes, runs, compare, migrate, maintenance, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accel-orm",
        description="Store, query and report ML benchmark results (DuckDB file by default, or PostgreSQL).",
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="DuckDB file or SQLAlchemy URL (default: $BENCHMARK_DB_URL, else $BENCHMARK_DB_PATH, "
        "else ./benchmark_db.duckdb)",
    )
    parser.add_argument(
        "--lock-timeout",
        type=_seconds,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for a DuckDB file another process holds (default: {DEFAULT_LOCK_TIMEOUT:g})",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="also print each step as it happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    for subcommand in commands.choices.values():
        # The old tools took --db after the command (`... query --db x.duckdb --report summary`); accept both.
        subcommand.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH_OR_URL", help="as the global --db")
        subcommand.add_argument(
            "--lock-timeout", type=_seconds, default=argparse.SUPPRESS, metavar="SECONDS", help="as globally"
        )
        subcommand.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="as globally")
        subcommand.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="as globally")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds >= 0, got {text!r}")
    return value


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that end a command with one line on stderr (Alembic's only once a command has loaded it)."""
    errors: tuple[type[BaseException], ...] = (AccelOrmError, ValueError, OSError)
    alembic_errors = sys.modules.get("alembic.util.exc")
    if alembic_errors is not None:
        errors += (alembic_errors.CommandError,)
    return errors


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    # Library steps are INFO: shown with --verbose only, so normal output stays the results.
    logging.getLogger("accel_orm").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.INFO if args.verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet and args.verbose:
        parser.error("--quiet and --verbose contradict each other")
    validate = getattr(args, "validate", None)
    if validate is not None:
        validate(parser, args)
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        # The reader went away (`accel-orm query ... | head`): nothing is wrong, so no message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:
        if not isinstance(error, _user_errors()):
            raise
        print(f"accel-orm: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("accel-orm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
