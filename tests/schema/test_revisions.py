"""The revisions read without Alembic (accel_orm.schema.revisions) agree with Alembic's own reading."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from sqlalchemy import text

from accel_orm import get_engine
from accel_orm.errors import SchemaError
from accel_orm.schema import revisions, upgrade


def _alembic_scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(upgrade.alembic_config())  # not the cached one: a fresh, independent read


def test_the_head_is_alembics_head() -> None:
    assert revisions.head_revision() == _alembic_scripts().get_current_head()


def test_every_revision_and_its_parent_are_alembics() -> None:
    read = {r.revision: r.down_revisions for r in revisions.revisions()}
    alembic = {s.revision: tuple(to_tuple(s.down_revision, default=())) for s in _alembic_scripts().walk_revisions()}
    assert read == alembic
    assert revisions.known_revisions() == frozenset(alembic)


def _versions(tmp_path: Path, files: dict[str, str]) -> Path:
    versions = tmp_path / "versions"
    versions.mkdir()
    for name, source in files.items():
        (versions / name).write_text(textwrap.dedent(source))
    return tmp_path


def test_a_file_it_cannot_follow_is_left_to_alembic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A computed identifier is not guessed at: Alembic (which runs the file) is asked instead."""
    location = _versions(
        tmp_path,
        {
            "a.py": 'revision = "a"\ndown_revision = None\n',
            "b.py": 'PARENT = "a"\nrevision = "b"\ndown_revision = PARENT\n',
            "__init__.py": "",
        },
    )
    (location / "env.py").write_text("")
    (location / "script.py.mako").write_text("")
    monkeypatch.setattr(revisions, "script_location", lambda: location)
    monkeypatch.setattr(upgrade, "script_location", lambda: location)
    revisions.revisions.cache_clear()
    upgrade.script_directory.cache_clear()
    try:
        assert {r.revision: r.down_revisions for r in revisions.revisions()} == {"a": (), "b": ("a",)}
    finally:
        revisions.revisions.cache_clear()
        upgrade.script_directory.cache_clear()


def test_two_heads_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    two = (revisions.Revision("a", ()), revisions.Revision("b", ("a",)), revisions.Revision("c", ("a",)))
    monkeypatch.setattr(revisions, "revisions", lambda: two)
    revisions.head_revision.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"exactly one head, found \['b', 'c'\]"):
            revisions.head_revision()
    finally:
        revisions.head_revision.cache_clear()


def test_the_current_revision_is_what_alembic_reads(tmp_path: Path) -> None:
    engine = get_engine(tmp_path / "x.duckdb")
    try:
        with engine.connect() as connection:
            assert (
                revisions.current_revision(connection) == MigrationContext.configure(connection).get_current_revision()
            )
            assert revisions.current_revision(connection) == revisions.head_revision()
            connection.execute(text("DELETE FROM alembic_version"))
            assert revisions.current_revision(connection) is None
            connection.execute(text("INSERT INTO alembic_version VALUES ('a'), ('b')"))
            with pytest.raises(SchemaError, match="several revisions"):
                revisions.current_revision(connection)
            connection.execute(text("DROP TABLE alembic_version"))
            assert revisions.current_revision(connection) is None
            connection.rollback()
    finally:
        engine.dispose()


def test_opening_a_database_at_head_imports_neither_alembic_nor_the_orm(tmp_path: Path) -> None:
    """Alembic, the ORM and the models cost about a third of `accel-orm db current` (benchmarks/cli_startup.py)."""
    db = tmp_path / "x.duckdb"
    get_engine(db).dispose()
    probe = (
        "import sys\n"
        "from accel_orm.cli import main\n"
        f"assert main(['--db', {str(db)!r}, 'db', 'current']) == 0\n"
        "from accel_orm import get_engine\n"
        f"get_engine({str(db)!r}).dispose()\n"
        "import duckdb_engine.config\n"
        "heavy = ('alembic', 'mako', 'sqlalchemy.orm', 'accel_orm.models', 'pandas', 'pyarrow')\n"
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules))\n"
        # duckdb-engine's first connect probes DuckDB's setting names in an in-memory database (~20 ms)
        "print('probed:', duckdb_engine.config.get_core_config.cache_info().misses)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-2:] == ["loaded:", "probed: 0"]
