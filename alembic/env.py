"""Alembic environment for accel_orm (used by `alembic ...` in a checkout and by `accel-orm db ...`).

The database comes from ``-x db=PATH_OR_URL``, else the package's resolver (BENCHMARK_DB_URL, BENCHMARK_DB_PATH,
./benchmark_db.duckdb). A caller may instead put an open Connection (what the package does) or an Engine (what
pytest-alembic's documented ``alembic_engine`` fixture yields) in ``config.attributes["connection"]``.

Offline mode (``--sql``) renders with the ``named`` paramstyle: with the driver's ``pyformat`` style every literal
``%`` in hand-written SQL (the ``format('%I ...')`` call of the partition function) would be doubled to ``%%``,
which is right for a driver and wrong in a script for psql.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

import accel_orm.schema.alembic_impl  # noqa: F401  (registers Alembic's DuckDB implementation)
from accel_orm.config import resolve_url
from accel_orm.db import get_engine, no_file_left_on_failure
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


def _run_on(connection: Connection) -> None:
    _configure(connection.dialect.name, connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def _run_on_engine(engine: Engine | Any) -> None:
    """Migrate through a connection of ``engine`` (an Engine, or anything whose ``connect()`` yields one)."""
    with engine.connect() as connection:
        # A connection handed over inside the caller's transaction (pytest-alembic's experimental tests wrap
        # one in a SAVEPOINT) is the caller's to commit or roll back; a fresh one is committed here.
        owned_transaction = not connection.in_transaction()
        _run_on(connection)
        if owned_transaction:
            connection.commit()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run_on(given)
    elif given is not None:
        if not callable(getattr(given, "connect", None)):
            raise TypeError(
                'config.attributes["connection"] must be a SQLAlchemy Connection or Engine, '
                f"got {type(given).__name__}"
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
