"""Shared fixtures: every database test runs on an embedded DuckDB file and on a real PostgreSQL server.

PostgreSQL tests need ``BENCHMARK_TEST_PG_URL`` (``scripts/test.sh`` starts a throwaway server and sets it).
Each PostgreSQL test gets a database of its own, created from scratch and dropped afterwards. To run without
PostgreSQL on purpose, deselect them: ``pytest -m "not postgres"``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from accel_orm import get_engine

PG_ENV = "BENCHMARK_TEST_PG_URL"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ipfs_accelerate_results"
ENGINES = [pytest.param("duckdb", id="duckdb"), pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _isolate_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may pick up a developer's BENCHMARK_DB_* settings or write ./benchmark_db.duckdb."""
    monkeypatch.delenv("BENCHMARK_DB_URL", raising=False)
    monkeypatch.delenv("BENCHMARK_DB_PATH", raising=False)
    monkeypatch.chdir(tmp_path)


def _pg_server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.fail(
            f"{PG_ENV} is not set: run the suite with scripts/test.sh (it starts a PostgreSQL server), "
            'or deselect the PostgreSQL tests with -m "not postgres"'
        )
    return url


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """Create an empty PostgreSQL database on the test server; drop it afterwards. Yields its URL."""
    server = make_url(_pg_server_url())
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a brand-new, empty PostgreSQL database (dropped after the test)."""
    with fresh_pg_database() as url:
        yield url


ReaderRoleMaker = Callable[[str], str]


@pytest.fixture
def make_reader_role() -> Iterator[ReaderRoleMaker]:
    """``make_reader_role(pg_url) -> role name``: a reader role made by ``accel-orm db create-reader-role``'s
    function, unique per test (roles are shared by every database of the server) and dropped afterwards."""
    from accel_orm.schema.reader_role import create_reader_role

    made: list[tuple[str, str]] = []

    def make(url: str) -> str:
        name = f"reader_{uuid.uuid4().hex[:10]}"
        engine = get_engine(url)
        try:
            create_reader_role(engine, name)
        finally:
            engine.dispose()
        made.append((url, name))
        return name

    yield make
    for url, name in made:
        drop_roles(url, name)


def drop_roles(url: str, *names: str) -> None:
    """Drop test roles: their privileges in ``url``'s database first (DROP ROLE refuses a role holding any)."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP OWNED BY "{name}"'))
                connection.execute(text(f'DROP ROLE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    return tmp_path / "bench.duckdb"


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database, once per engine."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'bench.duckdb'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database upgraded to head, once per engine."""
    engine = get_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"the fixture folder is missing: expected {FIXTURES} (it is part of the repository)")
    return FIXTURES
