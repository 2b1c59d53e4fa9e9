"""``accel-orm db upgrade | downgrade REV | current | history``: the schema, through Alembic."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from accel_orm.cli.common import open_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy and Alembic are imported when a command runs, so that `accel-orm --help` does not wait for them.


def _print_schema_summary(engine: Engine) -> None:
    from sqlalchemy import inspect

    from accel_orm.config import describe
    from accel_orm.schema import upgrade

    with engine.connect() as connection:
        revision = upgrade.current_revision(connection)
        tables = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
    head = upgrade.head_revision()
    marker = " (head)" if revision == head else f" (head is {head})"
    print(f"database: {describe(engine.url)}")
    print(f"revision: {revision or 'none'}{marker if revision else ''}")
    print(f"tables:   {', '.join(tables) if tables else '(none)'}")


# Schema commands work on databases at any revision, so they never upgrade on open.


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from accel_orm.schema import upgrade

    with open_engine(args, auto_upgrade=False) as engine:
        upgrade.upgrade(engine, args.revision)
        _print_schema_summary(engine)
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from accel_orm.schema import upgrade

    with open_engine(args, auto_upgrade=False) as engine:
        upgrade.downgrade(engine, args.revision)
        _print_schema_summary(engine)
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    with open_engine(args, auto_upgrade=False) as engine:
        _print_schema_summary(engine)
    return 0


def cmd_db_history(args: argparse.Namespace) -> int:
    from accel_orm.schema import upgrade

    head = upgrade.head_revision()
    for revision, down_revision, message in upgrade.history():
        title = message.splitlines()[0] if message else ""
        suffix = " (head)" if revision == head else ""
        print(f"{down_revision or '<base>'} -> {revision}{suffix}: {title}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="create, upgrade or inspect the database schema (Alembic migrations)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade_parser = db_commands.add_parser("upgrade", help="upgrade the schema (default: to head)")
    upgrade_parser.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    upgrade_parser.set_defaults(handler=cmd_db_upgrade)
    downgrade_parser = db_commands.add_parser("downgrade", help="downgrade the schema to REVISION ('base' drops all)")
    downgrade_parser.add_argument("revision", help="target revision, e.g. 0001_initial_schema, -1 or base")
    downgrade_parser.set_defaults(handler=cmd_db_downgrade)
    current_parser = db_commands.add_parser("current", help="show the database's revision and tables")
    current_parser.set_defaults(handler=cmd_db_current)
    history_parser = db_commands.add_parser("history", help="list the migrations this package carries")
    history_parser.set_defaults(handler=cmd_db_history)
