"""Alembic environment for accel_orm (used by `alembic ...` in a checkout and by `accel-orm db ...`).

The database comes from ``-x db=PATH_OR_URL``, else the package's resolver (BENCHMARK_DB_URL, BENCHMARK_DB_PATH,
./benchmark_db.duckdb). A caller may instead put an open Connection (what the package does) or an Engine (what
pytest-alembic's documented ``alembic_engine`` fixture yields) in ``config.attributes["connection"]``.

An online downgrade that would drop tables or columns holding rows is refused, changing nothing, unless
``-x allow-data-loss=true`` (or ``config.attributes["allow_data_loss"] = True``) allows it: the migration is
rehearsed in its transaction, what it dropped is compared with what was there, and the transaction is rolled back
when something dropped held data (``accel_orm.schema.data_loss``). A connection handed over inside the caller's
transaction is the caller's to check: ``accel-orm db downgrade`` rehearses the same way first, asks for --yes and
takes a backup.

Offline mode (``--sql``) renders with the ``named`` paramstyle: with the driver's ``pyformat`` style every literal
``%`` in hand-written SQL (the ``format('%I ...')`` call of the partition function) would be doubled to ``%%``,
which is right for a driver and wrong in a script for psql.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

import accel_orm.schema.alembic_impl  # noqa: F401  (registers Alembic's DuckDB implementation)
from accel_orm.config import resolve_url
from accel_orm.db import database_of, get_engine, no_file_left_on_failure
from accel_orm.models import Base
from accel_orm.schema.partitions import schema_filter

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(dialect_name: str, **kwargs: Any) -> None:
    context.configure(
        target_metadata=Base.metadata,
        include_object=schema_filter(dialect_name),
        compare_type=True,
        **kwargs,
    )


def _database_argument() -> str | None:
    return context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    url = resolve_url(_database_argument())
    _configure(url.get_backend_name(), url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection, **kwargs: Any) -> None:
    _configure(connection.dialect.name, connection=connection, **kwargs)
    with context.begin_transaction():
        context.run_migrations()


_YES = ("true", "yes", "1")
_NO = ("false", "no", "0", "")


def _data_loss_allowed() -> bool:
    if config.attributes.get("allow_data_loss"):
        return True
    given = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "")
    if given.strip().lower() not in _YES + _NO:
        raise CommandError(f"-x allow-data-loss={given}: expected true or false")
    return given.strip().lower() in _YES


def _run_on_connection(connection: Connection) -> None:
    if connection.in_transaction():
        # Handed over inside the caller's transaction (accel-orm's commands; pytest-alembic's experimental tests
        # wrap one in a SAVEPOINT): the caller's to check, commit or roll back.
        _run_on(connection)
    elif _data_loss_allowed():
        _run_on(connection)
        connection.commit()
    else:
        _run_refusing_data_loss(connection)


def _run_refusing_data_loss(connection: Connection) -> None:
    """Migrate in one transaction; a downgrade that drops tables or columns holding rows is rolled back, refused."""
    from accel_orm.schema.data_loss import losses_between, schema_columns

    downgraded: list[bool] = []

    def note_step(*, step: Any, **_: Any) -> None:
        downgraded.append(not step.is_upgrade)

    before = schema_columns(connection)  # begins the transaction (autobegin): Alembic leaves its end to us
    _run_on(connection, on_version_apply=note_step)
    after = schema_columns(connection) if any(downgraded) else before
    if not any(name not in after or columns - after[name] for name, columns in before.items()):
        connection.commit()
        return
    connection.rollback()
    losses = losses_between(connection, before, after)  # counted in the database as it was
    connection.rollback()
    if losses:
        raise CommandError(_refusal(connection, losses))
    # What the downgrade drops holds nothing: do it for real.
    _run_on(connection)
    connection.commit()


def _refusal(connection: Connection, losses: list[Any]) -> str:
    where = database_of(connection.engine).describe()
    target = str(context.get_revision_argument() or "base")
    database = context.get_x_argument(as_dictionary=True).get("db")
    x_db = f"-x db={database} " if database else ""
    return (
        f"downgrading {where} to {target} would drop data: {'; '.join(loss.describe() for loss in losses)}. "
        f"Nothing was changed. To go ahead, run: accel-orm --db {where} db downgrade {target} --yes "
        f"(takes a backup first), or: alembic {x_db}-x allow-data-loss=true downgrade {target}"
    )


def _run_on_engine(engine: Engine | Any) -> None:
    """Migrate through a connection of ``engine`` (an Engine, or anything whose ``connect()`` yields one)."""
    with engine.connect() as connection:
        _run_on_connection(connection)


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run_on_connection(given)
    elif given is not None:
        if not callable(getattr(given, "connect", None)):
            raise TypeError(
                f'config.attributes["connection"] must be a SQLAlchemy Connection or Engine, got {type(given).__name__}'
            )
        _run_on_engine(given)  # the caller owns the engine: it is not disposed here
    else:
        url = resolve_url(_database_argument())
        # A command that fails (say `downgrade -1` on a path that held no database) leaves no new file behind.
        with no_file_left_on_failure(url):
            engine = get_engine(url, auto_upgrade=False)
            try:
                _run_on_engine(engine)
            finally:
                engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
