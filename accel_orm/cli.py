"""The ``accel-orm`` command. Thin on purpose: parse, call the Python API, print.

Every subcommand is reachable from Python; this module only turns arguments into calls and results into text.
Errors leave as one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect

from accel_orm import migrations
from accel_orm.config import describe
from accel_orm.db import get_engine
from accel_orm.errors import AccelOrmError

log = logging.getLogger("accel_orm.cli")

Handler = Callable[[argparse.Namespace], int]


def _engine(args: argparse.Namespace, *, auto_upgrade: bool = True) -> Engine:
    return get_engine(args.db, auto_upgrade=auto_upgrade)


def _print_schema_summary(engine: Engine) -> None:
    with engine.connect() as connection:
        revision = migrations.current_revision(connection)
        tables = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
    head = migrations.head_revision()
    marker = " (head)" if revision == head else f" (head is {head})"
    print(f"database: {describe(engine.url)}")
    print(f"revision: {revision or 'none'}{marker if revision else ''}")
    print(f"tables:   {', '.join(tables) if tables else '(none)'}")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = _engine(args, auto_upgrade=False)
    try:
        migrations.upgrade(engine, args.revision)
        _print_schema_summary(engine)
    finally:
        engine.dispose()
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    engine = _engine(args, auto_upgrade=False)
    try:
        migrations.downgrade(engine, args.revision)
        _print_schema_summary(engine)
    finally:
        engine.dispose()
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    engine = _engine(args, auto_upgrade=False)
    try:
        _print_schema_summary(engine)
    finally:
        engine.dispose()
    return 0


def cmd_db_history(args: argparse.Namespace) -> int:
    head = migrations.head_revision()
    for revision, down_revision, message in migrations.history():
        title = message.splitlines()[0] if message else ""
        suffix = " (head)" if revision == head else ""
        print(f"{down_revision or '<base>'} -> {revision}{suffix}: {title}")
    return 0


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
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print what is being done")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser("db", help="create, upgrade or inspect the database schema (Alembic migrations)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="upgrade the schema (default: to head)")
    upgrade.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    downgrade = db_commands.add_parser("downgrade", help="downgrade the schema to REVISION ('base' drops all)")
    downgrade.add_argument("revision", help="target revision, e.g. 0001_initial_schema, -1 or base")
    downgrade.set_defaults(handler=cmd_db_downgrade)
    current = db_commands.add_parser("current", help="show the database's revision and tables")
    current.set_defaults(handler=cmd_db_current)
    history = db_commands.add_parser("history", help="list the migrations this package carries")
    history.set_defaults(handler=cmd_db_history)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    # Alembic announces every step at INFO; keep that for --verbose.
    logging.getLogger("alembic").setLevel(logging.INFO if args.verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (AccelOrmError, CommandError) as error:
        print(f"accel-orm: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("accel-orm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
