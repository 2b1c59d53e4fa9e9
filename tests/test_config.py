"""Where the database is: explicit argument > BENCHMARK_DB_URL > BENCHMARK_DB_PATH > ./benchmark_db.duckdb."""

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from accel_orm import TestResultsDBHandler
from accel_orm.config import Database, describe, duckdb_file, resolve, resolve_url
from accel_orm.db import database_of, get_engine
from accel_orm.models import TestResult


def test_default_is_benchmark_db_duckdb_in_the_working_directory(tmp_path: Path) -> None:
    url = resolve_url()
    assert url.get_backend_name() == "duckdb"
    assert duckdb_file(url) == tmp_path.resolve() / "benchmark_db.duckdb"


def test_path_variable_beats_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(tmp_path / "from_env.duckdb"))
    assert duckdb_file(resolve_url()) == tmp_path / "from_env.duckdb"


def test_url_variable_beats_the_path_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(tmp_path / "from_env.duckdb"))
    monkeypatch.setenv("BENCHMARK_DB_URL", "postgresql+psycopg://bench:secret@db.example/bench")
    url = resolve_url()
    assert url.get_backend_name() == "postgresql"
    assert url.host == "db.example"


def test_explicit_argument_beats_both_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENCHMARK_DB_PATH", str(tmp_path / "from_env.duckdb"))
    monkeypatch.setenv("BENCHMARK_DB_URL", "postgresql+psycopg://bench@db.example/bench")
    assert duckdb_file(resolve_url(tmp_path / "explicit.duckdb")) == tmp_path / "explicit.duckdb"
    assert resolve_url("postgresql+psycopg://other@host/x").host == "host"


def test_relative_paths_become_absolute(tmp_path: Path) -> None:
    assert duckdb_file(resolve_url("sub/x.duckdb")) == tmp_path.resolve() / "sub" / "x.duckdb"


def test_empty_variables_are_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BENCHMARK_DB_URL", "  ")
    monkeypatch.setenv("BENCHMARK_DB_PATH", "")
    assert duckdb_file(resolve_url()) == tmp_path.resolve() / "benchmark_db.duckdb"


def test_memory_database_and_password_hiding() -> None:
    assert duckdb_file(resolve_url(":memory:")) is None
    assert "secret" not in describe(resolve_url("postgresql+psycopg://bench:secret@host/db"))


def test_resolve_answers_once_with_url_backend_file_and_name(tmp_path: Path) -> None:
    database = resolve(tmp_path / "x.duckdb")
    assert (database.backend, database.path, database.is_duckdb) == ("duckdb", tmp_path / "x.duckdb", True)
    assert database.url == resolve_url(tmp_path / "x.duckdb")
    assert database.describe() == str(tmp_path / "x.duckdb")
    assert resolve(database) is database
    server = resolve("postgresql+psycopg://bench:secret@host/db")
    assert (server.backend, server.path, server.is_duckdb) == ("postgresql", None, False)
    assert "secret" not in server.describe() and "host/db" in server.describe()
    assert resolve(":memory:").path is None


def test_an_engine_keeps_the_database_it_was_opened_for(tmp_path: Path) -> None:
    database = resolve(tmp_path / "kept.duckdb")
    engine = get_engine(database)
    try:
        assert database_of(engine) is database
        assert Database.from_url(engine.url).path == database.path  # the same file, read back from the URL
    finally:
        engine.dispose()


def test_duckdb_settings_in_the_url_reach_every_connection(tmp_path: Path) -> None:
    """A DuckDB setting such as ``?threads=1`` reaches every connection; the held connection leaves a thread count
    set in the URL alone (see tests/ingest/test_one_at_a_time.py)."""
    url = f"duckdb:///{tmp_path / 'tuned.duckdb'}?threads=1"
    result = {"model_name": "bert", "hardware_type": "cpu", "test_type": "inference"}
    with TestResultsDBHandler(db_url=url) as handler:
        handler.store_test_result(result)
        handler.store_test_result(result)  # the second call runs on the handler's held connection
        assert duckdb_file(handler.engine.url) == tmp_path / "tuned.duckdb"
    engine = get_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(func.current_setting("threads"))).scalar_one() == 1
            assert connection.execute(select(func.count()).select_from(TestResult.__table__)).scalar_one() == 2
    finally:
        engine.dispose()


def _setting(url: str, name: str, **options: bool) -> object:
    engine = get_engine(url, **options)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.current_setting(name))).scalar_one()
    finally:
        engine.dispose()


def test_duckdb_writes_a_long_transactions_row_groups_as_they_fill_unless_the_url_says_otherwise(
    tmp_path: Path,
) -> None:
    """DuckDB's default keeps five full row groups of each table's uncommitted appends in memory (~80 MiB more
    at the peak of a 1,000,000-result store in one transaction, ``benchmarks/ingest.py``); accel_orm's
    connections keep one. A setting in the URL is the user's and wins; a read-only engine never appends."""
    path = tmp_path / "appends.duckdb"
    with duckdb.connect(":memory:") as plain:
        (duckdb_default,) = plain.execute("SELECT current_setting('write_buffer_row_group_count')").fetchone()
    assert duckdb_default > 1
    assert _setting(str(path), "write_buffer_row_group_count") == 1
    assert _setting(f"duckdb:///{path}?write_buffer_row_group_count=3", "write_buffer_row_group_count") == 3
    assert _setting(str(path), "write_buffer_row_group_count", read_only=True) == duckdb_default


def test_a_duckdb_without_the_row_group_setting_still_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB versions before the setting answer "unrecognized configuration parameter"; they buffer as they
    always did, and the database opens and stores as usual (the same error, from a name no DuckDB has)."""
    monkeypatch.setattr("accel_orm.db._BULK_APPEND_BUFFER", "accel_orm_no_such_setting")
    with TestResultsDBHandler(db_path=tmp_path / "older.duckdb") as handler:
        report = handler.store_test_results([{"model_name": "bert", "hardware_type": "cpu", "test_type": "x"}])
    assert report.stored == 1


@pytest.mark.parametrize("value", ["false", "False", "0"])
def test_a_url_turning_off_replacement_scans_is_refused_before_anything_is_created(tmp_path: Path, value: str) -> None:
    """Bulk stores hand DuckDB their rows by replacement scan; without it every store would fail with "Table with
    name accel_orm_incoming does not exist". The URL is refused up front, saying which setting and why."""
    path = tmp_path / "no-scans.duckdb"
    with pytest.raises(ValueError, match=rf"python_enable_replacements={value}: it hands result rows") as raised:
        get_engine(f"duckdb:///{path}?python_enable_replacements={value}")
    assert "Remove the setting from the URL" in str(raised.value)
    assert not path.exists()
