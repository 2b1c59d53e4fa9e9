"""Which revisions the packaged migrations hold, and which one a database is at, without importing Alembic.

Importing Alembic (and having it execute every revision file) cost ``accel-orm db current`` and every engine open
about a fifth of their start-up, only to learn two strings. The revision files name their ``revision`` and
``down_revision`` as literal assignments, so they are read with :mod:`ast` instead (once per process), and the
database's revision is one ``SELECT`` from ``alembic_version``. Alembic itself (:mod:`accel_orm.schema.upgrade`)
is imported only to migrate. A test checks that both readings agree with Alembic's ``ScriptDirectory``; a revision
file this reader cannot follow (computed identifiers, ``depends_on``) makes it ask Alembic instead.
"""

from __future__ import annotations

import ast
import enum
import functools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, column, inspect, select, table

from accel_orm.errors import SchemaError

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not rename it


def script_location() -> Path:
    """The folder holding ``env.py`` and ``versions/`` (installed copy first, then the source checkout)."""
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"accel_orm's migration scripts are missing (looked in {_PACKAGE_DIR / '_migrations'} and "
        f"{_PACKAGE_DIR.parent / 'alembic'}); reinstall the package"
    )


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revisions: tuple[str, ...]  # empty for the first revision; two or more for a merge


class _NotLiteral(Exception):
    """A revision file whose identifiers are not plain literals: only Alembic can say what they are."""


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise _NotLiteral from None


def _read_revision_file(path: Path) -> Revision:
    """``revision`` and ``down_revision`` of one file."""
    assigned: dict[str, object] = {}
    for statement in ast.parse(path.read_bytes(), filename=str(path)).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "depends_on"):
            assigned[target.id] = _literal(value)
    revision, down, depends_on = (assigned.get(name) for name in ("revision", "down_revision", "depends_on"))
    if not isinstance(revision, str) or depends_on is not None:  # no revision at all: Alembic says what is wrong
        raise _NotLiteral
    if down is None:
        return Revision(revision, ())
    if isinstance(down, str):
        return Revision(revision, (down,))
    if isinstance(down, (tuple, list)) and all(isinstance(d, str) for d in down):
        return Revision(revision, tuple(down))
    raise _NotLiteral


def _read_with_alembic() -> tuple[Revision, ...]:
    from alembic.util import to_tuple

    from accel_orm.schema import upgrade

    return tuple(
        Revision(script.revision, tuple(to_tuple(script.down_revision, default=())))
        for script in upgrade.script_directory().walk_revisions()
    )


@functools.cache
def revisions() -> tuple[Revision, ...]:
    """Every revision of the packaged migrations (in no particular order)."""
    versions = script_location() / "versions"
    # The files Alembic loads: *.py, not __init__.py or editor lock files (.#name.py).
    paths = sorted(p for p in versions.glob("*.py") if not p.name.startswith((".#", "__init__")))
    try:
        return tuple(_read_revision_file(path) for path in paths)
    except _NotLiteral:
        return _read_with_alembic()


@functools.cache
def head_revision() -> str:
    """The one revision no other revision builds on."""
    below = {down for revision in revisions() for down in revision.down_revisions}
    heads = sorted(revision.revision for revision in revisions() if revision.revision not in below)
    if len(heads) != 1:
        raise RuntimeError(f"accel_orm's migrations must have exactly one head, found {heads}")
    return heads[0]


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this package's migrations know."""
    return frozenset(revision.revision for revision in revisions())


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` (None when the database has none), as Alembic reads it."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    recorded: list[str] = list(
        connection.execute(select(column("version_num")).select_from(table(VERSION_TABLE))).scalars()
    )
    if len(recorded) > 1:
        raise SchemaError(
            f"the database's {VERSION_TABLE} table records several revisions ({', '.join(sorted(recorded))}); "
            "accel_orm's migrations have one line of history, so this database was migrated by something else"
        )
    return recorded[0] if recorded else None


class SchemaState(enum.Enum):
    FRESH = "fresh"  # nothing of ours there yet: safe to create
    CURRENT = "current"  # at head
    OUTDATED = "outdated"  # at a known revision behind head
    TOO_NEW = "too_new"  # at a revision this package does not know (migrated by a newer accel_orm)
    UNMANAGED = "unmanaged"  # our tables exist but Alembic never recorded a revision


def schema_state(connection: Connection) -> tuple[SchemaState, str | None]:
    """Where the database stands relative to this package's migrations, and its current revision."""
    revision = current_revision(connection)
    if revision is None:
        from accel_orm.models import Base

        existing = set(inspect(connection).get_table_names()) & set(Base.metadata.tables)
        return (SchemaState.UNMANAGED if existing else SchemaState.FRESH), None
    if revision == head_revision():
        return SchemaState.CURRENT, revision
    if revision not in known_revisions():
        return SchemaState.TOO_NEW, revision
    return SchemaState.OUTDATED, revision
