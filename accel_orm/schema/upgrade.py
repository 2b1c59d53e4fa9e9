"""Alembic, driven from the package: upgrade or downgrade a database with the packaged migration scripts.

The scripts live in the repository's ``alembic/`` folder; wheels carry a copy as ``accel_orm/_migrations`` so an
installed package can create and upgrade a database with no checkout present. Learning revisions (the head, a
database's current one) needs no Alembic: :mod:`accel_orm.schema.revisions` does that, and this module re-exports
its names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from accel_orm.schema import alembic_impl  # noqa: F401  (registers Alembic's DuckDB implementation)
from accel_orm.schema.revisions import (
    SchemaState,
    current_revision,
    head_revision,
    known_revisions,
    schema_state,
    script_location,
)

__all__ = [
    "SchemaState",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "history",
    "known_revisions",
    "schema_state",
    "script_directory",
    "script_location",
    "upgrade",
    "upgrade_connection",
]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged scripts, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# The scripts ship with the package and do not change while it runs: parse them once per process (loading the
# revision files cost ~11 ms of every engine open), not on every get_engine.
@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@contextmanager
def _bound_config(engine: Engine) -> Iterator[Config]:
    with engine.begin() as connection:
        yield alembic_config(connection)


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _bound_config(engine) as config:
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _bound_config(engine) as config:
        command.downgrade(config, revision)


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Upgrade through a connection the caller already holds (and commits)."""
    command.upgrade(alembic_config(connection), revision)


def history() -> list[tuple[str, str | None, str]]:
    """(revision, down_revision, message) from base to head."""
    scripts = list(script_directory().walk_revisions())
    return [(s.revision, s.down_revision, (s.doc or "").strip()) for s in reversed(scripts)]  # type: ignore[misc]
