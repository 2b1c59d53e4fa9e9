"""Hand-written SQL (run_sql, `query --sql`) keeps the read-only promise on both engines, whatever the login role:
it cannot write the database, read or write files outside it, run a program, load an extension or change the
server's configuration, and runs exactly one statement per call."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from accel_orm import (
    BenchmarkDBQuery,
    Model,
    ReadOnlyViolationError,
    SqlConfinementError,
    get_engine,
    session_scope,
)
from accel_orm.frames import run_read_only_sql
from accel_orm.schema.reader_role import create_reader_role
from tests.conftest import ReaderRoleMaker, drop_roles


def _store_models(url: str, *names: str) -> None:
    engine = get_engine(url)
    try:
        with session_scope(engine) as session:
            session.add_all(Model(model_name=name, model_family="text_embedding") for name in names)
    finally:
        engine.dispose()


def _model_count(url: str) -> int:
    engine = get_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Model)).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def outside() -> Iterator[Path]:
    """A directory outside the database that any process (the PostgreSQL server's user too) could write."""
    directory = Path(tempfile.mkdtemp(prefix="accel-orm-outside-"))
    directory.chmod(0o777)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# --- DuckDB ------------------------------------------------------------------------------------------------------


@pytest.fixture
def duckdb_db(duckdb_path: Path) -> str:
    url = f"duckdb:///{duckdb_path}"
    _store_models(url, "bert-base-uncased", "t5-small")
    return url


DUCKDB_REFUSED = {
    "copy_to_file": "COPY (SELECT * FROM models) TO '{outside}/models.csv'",
    "export_database": "EXPORT DATABASE '{outside}/export'",
    "read_text": "SELECT * FROM read_text('/etc/hostname')",
    "read_csv_auto": "SELECT * FROM read_csv_auto('/etc/passwd')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "query_function_reading_a_file": "SELECT * FROM query('SELECT * FROM read_text(''/etc/hostname'')')",
    "attach_read_write": "ATTACH '{outside}/other.duckdb' AS o (READ_WRITE)",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "switch_external_access_back_on": "SET enable_external_access = true",
    "unlock_configuration": "SET lock_configuration = false",
    "switch_replacement_scans_back_on": "SET python_enable_replacements = true",
    "delete": "DELETE FROM models",
    "create_table": "CREATE TABLE stolen AS SELECT * FROM models",
    "two_statements": "SELECT 1; DELETE FROM models",
}


@pytest.mark.parametrize("statement", DUCKDB_REFUSED.values(), ids=DUCKDB_REFUSED.keys())
def test_duckdb_refuses(statement: str, duckdb_db: str, outside: Path) -> None:
    with pytest.raises(ReadOnlyViolationError, match=r"refused|exactly one"):
        run_read_only_sql(duckdb_db, statement.format(outside=outside))
    assert list(outside.iterdir()) == [], "nothing may be written outside the database"
    assert _model_count(duckdb_db) == 2


def test_duckdb_two_statements_run_neither(duckdb_db: str) -> None:
    with pytest.raises(ReadOnlyViolationError, match=r"exactly one SQL statement .*found 2"):
        run_read_only_sql(duckdb_db, "SELECT 1; SELECT 2")


def test_duckdb_queries_still_run_with_bound_parameters(duckdb_db: str) -> None:
    frame = run_read_only_sql(
        duckdb_db, "SELECT model_name FROM models WHERE model_name <> :skip ORDER BY 1", {"skip": "t5-small"}
    )
    assert list(frame["model_name"]) == ["bert-base-uncased"]
    described = run_read_only_sql(duckdb_db, "DESCRIBE models")
    assert "model_name" in set(described["column_name"])
    with pytest.raises(ValueError, match=":skip"):
        run_read_only_sql(duckdb_db, "SELECT * FROM models WHERE model_name = :skip")


def test_duckdb_never_reads_a_python_variable_by_name(duckdb_db: str) -> None:
    """DuckDB's Python client answers an unknown table name with a Python variable of that name, looked up in the
    frame running the statement (or in every frame, with python_scan_all_frames): both off, and locked."""
    settings = run_read_only_sql(
        duckdb_db,
        "SELECT current_setting('python_enable_replacements') AS replacements, "
        "current_setting('python_scan_all_frames') AS all_frames",
    )
    assert settings.to_dict("records") == [{"replacements": False, "all_frames": False}]


def test_run_sql_facade_is_sandboxed_too(duckdb_db: str, outside: Path) -> None:
    with BenchmarkDBQuery(db_url=duckdb_db) as query:
        with pytest.raises(ReadOnlyViolationError):
            query.run_sql(f"COPY models TO '{outside}/models.csv'")
        assert len(query.run_sql("SELECT * FROM models")) == 2
    assert list(outside.iterdir()) == []


# --- PostgreSQL --------------------------------------------------------------------------------------------------


def _admin(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def pg_db(pg_url: str) -> str:
    _store_models(pg_url, "bert-base-uncased", "t5-small")
    return pg_url


@pytest.fixture
def reader_role(pg_db: str, make_reader_role: ReaderRoleMaker) -> str:
    return make_reader_role(pg_db)


@pytest.fixture
def unprivileged_login(pg_db: str, reader_role: str) -> Iterator[str]:
    """The URL of a login role that is no superuser (it owns nothing, may read the tables, is a reader member)."""
    name = f"login_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_db)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            connection.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{name}"'))
            connection.execute(text(f'GRANT "{reader_role}" TO "{name}"'))
    finally:
        admin.dispose()
    yield make_url(pg_db).set(username=name).render_as_string(hide_password=False)
    drop_roles(pg_db, name)


PG_REFUSED = {
    "copy_to_program": "COPY (SELECT 1) TO PROGRAM 'id > {outside}/ran'",
    "copy_to_file": "COPY (SELECT * FROM models) TO '{outside}/models.csv'",
    "pg_read_file": "SELECT pg_read_file('/etc/hostname')",
    "pg_ls_dir": "SELECT pg_ls_dir('/')",
    "pg_reload_conf": "SELECT pg_reload_conf()",
    "set_config_server_setting": "SELECT set_config('log_statement', 'all', false)",
    "alter_system": "ALTER SYSTEM SET work_mem = '1MB'",
    "lo_import": "SELECT lo_import('/etc/hostname')",
    "lo_export": "SELECT lo_export(lo_from_bytea(0, 'x'), '{outside}/lo')",
    # A superuser session that merely SET ROLEs could switch back and run SQL of its choosing (no dblink needed).
    "role_switch_back_then_dynamic_sql": (
        "SELECT set_config('role', 'postgres', true), "
        "query_to_xml('SELECT pg_read_file(''/etc/hostname'')', true, false, '')"
    ),
    "leave_read_only_mode": "SELECT set_config('transaction_read_only', 'off', true)",
    "load_library": "LOAD 'auto_explain'",
    "create_extension": "CREATE EXTENSION IF NOT EXISTS dblink",
    "delete": "DELETE FROM models",
    "two_statements": "SELECT 1; DELETE FROM models",
}


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["superuser", "unprivileged"])
@pytest.mark.parametrize("statement", PG_REFUSED.values(), ids=PG_REFUSED.keys())
def test_postgresql_refuses(
    statement: str, login: str, pg_db: str, reader_role: str, outside: Path, request: pytest.FixtureRequest
) -> None:
    url = pg_db if login == "superuser" else request.getfixturevalue("unprivileged_login")
    with pytest.raises(ReadOnlyViolationError, match=r"refused|exactly one"):
        run_read_only_sql(url, statement.format(outside=outside), reader_role=reader_role)
    assert list(outside.iterdir()) == [], "nothing may be written outside the database"
    assert _model_count(pg_db) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["superuser", "unprivileged"])
def test_postgresql_statement_runs_as_the_reader(
    login: str, pg_db: str, reader_role: str, request: pytest.FixtureRequest
) -> None:
    url = pg_db if login == "superuser" else request.getfixturevalue("unprivileged_login")
    frame = run_read_only_sql(
        url,
        "SELECT current_user AS who, count(*) AS n FROM models WHERE model_name <> :skip",
        {"skip": "t5-small"},
        reader_role=reader_role,
    )
    assert frame.to_dict("records") == [{"who": reader_role, "n": 1}]


@pytest.mark.postgres
def test_postgresql_without_a_reader_role_refuses_and_says_how_to_create_it(pg_db: str) -> None:
    missing = f"reader_{uuid.uuid4().hex[:10]}"
    with pytest.raises(SqlConfinementError, match=f"db create-reader-role {missing}"):
        run_read_only_sql(pg_db, "SELECT 1", reader_role=missing)


@pytest.mark.postgres
def test_postgresql_superuser_with_a_reader_that_cannot_log_in_refuses(pg_db: str, reader_role: str) -> None:
    admin = _admin(pg_db)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER ROLE "{reader_role}" NOLOGIN'))
    finally:
        admin.dispose()
    with pytest.raises(SqlConfinementError, match=f"ALTER ROLE {reader_role} LOGIN"):
        run_read_only_sql(pg_db, "SELECT 1", reader_role=reader_role)


@pytest.mark.postgres
def test_postgresql_a_privileged_reader_role_is_refused(pg_db: str) -> None:
    name = f"reader_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_db)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            connection.execute(text(f'GRANT pg_read_server_files TO "{name}"'))
        with pytest.raises(SqlConfinementError, match="pg_read_server_files"):
            run_read_only_sql(pg_db, "SELECT 1", reader_role=name)
        engine = get_engine(pg_db)
        try:
            with pytest.raises(SqlConfinementError, match="cannot serve as the SELECT-only reader"):
                create_reader_role(engine, name)
        finally:
            engine.dispose()
    finally:
        admin.dispose()
        drop_roles(pg_db, name)


@pytest.mark.postgres
def test_reader_role_reads_tables_created_later(pg_db: str, reader_role: str) -> None:
    """Default privileges: tables a later migration adds are readable by the reader without re-running the command."""
    engine = get_engine(pg_db)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE later_table (x integer)"))
    finally:
        engine.dispose()
    assert run_read_only_sql(pg_db, "SELECT count(*) AS n FROM later_table", reader_role=reader_role)["n"][0] == 0


def test_reader_role_name_is_checked(duckdb_db: str) -> None:
    with pytest.raises(ValueError, match="reader role"):
        run_read_only_sql("postgresql+psycopg://nobody@127.0.0.1:1/x", "SELECT 1", reader_role='x"; DROP')
    engine = get_engine(duckdb_db)
    try:
        with pytest.raises(ValueError, match="for PostgreSQL"):
            create_reader_role(engine)
    finally:
        engine.dispose()
