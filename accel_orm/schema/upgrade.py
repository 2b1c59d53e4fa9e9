"""Alembic, driven from the package: locate the migration scripts and upgrade, downgrade or inspect a database.

The scripts live in the repository's ``alembic/`` folder; wheels carry a copy as ``accel_orm/_migrations`` so an
installed package can create and upgrade a database with no checkout present.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from accel_orm.models import Base
from accel_orm.schema import alembic_impl  # noqa: F401  (registers Alembic's DuckDB implementation)

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def script_location() -> Path:
    """The folder holding ``env.py`` and ``versions/`` (installed copy first, then the source checkout)."""
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"accel_orm's migration scripts are missing (looked in {_PACKAGE_DIR / '_migrations'} and "
        f"{_PACKAGE_DIR.parent / 'alembic'}); reinstall the package"
    )


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


@functools.cache
def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"accel_orm's migrations must have exactly one head, found {heads}")
    return heads[0]


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this package's migrations know."""
    return frozenset(script.revision for script in script_directory().walk_revisions())


class SchemaState(enum.Enum):
    FRESH = "fresh"  # nothing of ours there yet: safe to create
    CURRENT = "current"  # at head
    OUTDATED = "outdated"  # at a known revision behind head
    TOO_NEW = "too_new"  # at a revision this package does not know (migrated by a newer accel_orm)
    UNMANAGED = "unmanaged"  # our tables exist but Alembic never recorded a revision


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def schema_state(connection: Connection) -> tuple[SchemaState, str | None]:
    """Where the database stands relative to this package's migrations, and its current revision."""
    revision = current_revision(connection)
    if revision is None:
        existing = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
        return (SchemaState.UNMANAGED if existing else SchemaState.FRESH), None
    if revision == head_revision():
        return SchemaState.CURRENT, revision
    if revision not in known_revisions():
        return SchemaState.TOO_NEW, revision
    return SchemaState.OUTDATED, revision


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
