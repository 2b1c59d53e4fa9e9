"""``accel-orm db upgrade | downgrade REV | current | history``: the schema, through Alembic."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from accel_orm.cli.common import open_engine
from accel_orm.defaults import DEFAULT_READER_ROLE

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy and Alembic are imported when a command runs, so that `accel-orm --help` does not wait for them.


def _print_schema_summary(engine: Engine) -> None:
    from sqlalchemy import inspect

    from accel_orm.db import database_of
    from accel_orm.schema import revisions  # not Alembic: `db current` starts faster without it

    with engine.connect() as connection:
        revision = revisions.current_revision(connection)
        tables = sorted(set(inspect(connection).get_table_names()) - {revisions.VERSION_TABLE})
    head = revisions.head_revision()
    marker = " (head)" if revision == head else f" (head is {head})"
    print(f"database: {database_of(engine).describe()}")
    print(f"revision: {revision or 'none'}{marker if revision else ''}")
    print(f"tables:   {', '.join(tables) if tables else '(none)'}")


# Schema commands work on databases at any revision, so they never upgrade on open.


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from accel_orm.schema import upgrade

    with open_engine(args, create=True, auto_upgrade=False) as engine:
        upgrade.upgrade(engine, args.revision)
        _print_schema_summary(engine)
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    """Downgrade; one that would drop tables or columns holding data needs --yes and is preceded by a backup."""
    from accel_orm.db import database_of
    from accel_orm.maintenance import backup
    from accel_orm.schema import upgrade
    from accel_orm.schema.data_loss import downgrade_losses

    with open_engine(args, auto_upgrade=False) as engine:
        losses = downgrade_losses(engine, args.revision)
        if losses:
            lost = "; ".join(loss.describe() for loss in losses)
            if not args.yes:
                raise ValueError(
                    f"downgrading {database_of(engine).describe()} to {args.revision} would drop data: {lost}. "
                    "Nothing was changed. To go ahead, re-run with --yes (a backup is taken first, into "
                    f"{args.backup_dir})"
                )
            report = backup(engine, args.backup_dir)
            print(f"backup before the downgrade: {report.path}")
            print(f"dropping: {lost}")
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


def cmd_db_create_reader_role(args: argparse.Namespace) -> int:
    from accel_orm.config import resolve
    from accel_orm.schema.reader_role import create_reader_role, require_postgresql

    require_postgresql(resolve(args.db).backend)  # before anything opens (or creates) a file
    with open_engine(args) as engine:
        print(create_reader_role(engine, args.name).to_text())
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="create, upgrade or inspect the database schema (Alembic migrations)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade_parser = db_commands.add_parser("upgrade", help="upgrade the schema (default: to head)")
    upgrade_parser.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    upgrade_parser.set_defaults(handler=cmd_db_upgrade)
    downgrade_parser = db_commands.add_parser("downgrade", help="downgrade the schema to REVISION ('base' drops all)")
    downgrade_parser.add_argument("revision", help="target revision, e.g. 0001_initial_schema, -1 or base")
    downgrade_parser.add_argument(
        "--yes",
        action="store_true",
        help="go ahead when the downgrade drops tables or columns that hold data (a backup is taken first)",
    )
    downgrade_parser.add_argument(
        "--backup-dir",
        default="backups",
        metavar="DIR",
        help="where that backup goes (default: ./backups)",
    )
    downgrade_parser.set_defaults(handler=cmd_db_downgrade)
    current_parser = db_commands.add_parser("current", help="show the database's revision and tables")
    current_parser.set_defaults(handler=cmd_db_current)
    history_parser = db_commands.add_parser("history", help="list the migrations this package carries")
    history_parser.set_defaults(handler=cmd_db_history)
    reader_parser = db_commands.add_parser(
        "create-reader-role",
        help="PostgreSQL: create the SELECT-only role that `query --sql` and run_sql run as",
    )
    reader_parser.add_argument(
        "name", nargs="?", default=DEFAULT_READER_ROLE, help=f"role name (default: {DEFAULT_READER_ROLE})"
    )
    reader_parser.set_defaults(handler=cmd_db_create_reader_role)
