"""Alembic environment for accel_orm (used by `alembic ...` in a checkout and by `accel-orm db ...`).

The database comes from ``-x db=PATH_OR_URL``, else the package's resolver (BENCHMARK_DB_URL, BENCHMARK_DB_PATH,
./benchmark_db.duckdb). When the package drives Alembic it passes an open connection in ``config.attributes``.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

import accel_orm.schema.alembic_impl  # noqa: F401  (registers Alembic's DuckDB implementation)
from accel_orm.config import resolve_url
from accel_orm.db import get_engine
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
    _configure(make_url(url).get_backend_name(), url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection.dialect.name, connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = get_engine(_database_argument(), auto_upgrade=False)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
