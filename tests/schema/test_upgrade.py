"""Alembic owns the schema: one head, base->head, round trips, and models that match the migrations."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text, update

from accel_orm import (
    HardwarePlatform,
    Model,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
    TestResult,
    get_engine,
    session_scope,
)
from accel_orm.models import Base
from accel_orm.schema import upgrade

REPO = Path(__file__).resolve().parents[2]
APP_TABLES = set(Base.metadata.tables)


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names()) & APP_TABLES


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return upgrade.current_revision(connection)


def _store_one(engine: Engine, when: datetime) -> None:
    with session_scope(engine) as session:
        model = Model(model_name="bert-base-uncased", model_family="text_embedding")
        hardware = HardwarePlatform(hardware_type="cpu")
        session.add(
            TestResult(
                model=model,
                hardware=hardware,
                timestamp=when,
                test_date=when.date().isoformat(),
                test_type="inference",
                success=True,
                details={"batch_size": 4},
            )
        )


def test_migrations_have_a_single_head() -> None:
    assert len(upgrade.script_directory().get_heads()) == 1
    assert upgrade.head_revision() == "0007_partitions_attached"


def test_fresh_database_is_upgraded_to_head_on_first_use(db_url: str) -> None:
    engine = get_engine(db_url)
    try:
        assert _revision(engine) == upgrade.head_revision()
        assert _tables(engine) == APP_TABLES
    finally:
        engine.dispose()


def test_models_match_migrations(engine: Engine) -> None:
    """`alembic check` finds nothing to autogenerate: the ORM classes and the migrated DDL agree."""
    with engine.connect() as connection:
        command.check(upgrade.alembic_config(connection))


def test_check_notices_a_difference(engine: Engine) -> None:
    """The comparison is real: an index missing from the database is reported."""
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_hardware_platforms_hardware_type"))
    with engine.connect() as connection, pytest.raises(Exception, match="ix_hardware_platforms_hardware_type"):
        command.check(upgrade.alembic_config(connection))


def test_downgrade_and_upgrade_round_trip_keeps_rows(engine: Engine) -> None:
    when = datetime(2025, 3, 5, 19, 57, 14)
    _store_one(engine, when)
    upgrade.downgrade(engine, "0001_initial_schema")
    assert _revision(engine) == "0001_initial_schema"
    upgrade.upgrade(engine)
    assert _revision(engine) == upgrade.head_revision()
    with session_scope(engine) as session:
        stored = session.scalars(select(TestResult)).one()
        assert stored.timestamp == when
        assert stored.details == {"batch_size": 4}
        assert stored.model.model_name == "bert-base-uncased"
    with engine.connect() as connection:
        command.check(upgrade.alembic_config(connection))


def test_downgrade_to_base_removes_everything(engine: Engine) -> None:
    upgrade.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert _revision(engine) is None
    upgrade.upgrade(engine)
    assert _tables(engine) == APP_TABLES


def test_outdated_database_raises_with_the_command_to_run(db_url: str) -> None:
    engine = get_engine(db_url, auto_upgrade=False)
    upgrade.upgrade(engine, "0001_initial_schema")
    engine.dispose()
    with pytest.raises(SchemaOutdatedError, match=r"accel-orm --db .* db upgrade") as raised:
        get_engine(db_url)
    assert "alembic upgrade head" in str(raised.value)
    assert "0001_initial_schema" in str(raised.value)


def test_database_from_a_newer_version_is_refused(engine: Engine, db_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaTooNewError, match="9999_from_the_future"):
        get_engine(db_url)


def test_tables_without_migration_history_are_not_touched(db_url: str) -> None:
    engine = get_engine(db_url, auto_upgrade=False)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE models (model_id INTEGER PRIMARY KEY, model_name VARCHAR)"))
    engine.dispose()
    with pytest.raises(SchemaError, match="no alembic_version"):
        get_engine(db_url)


def test_failed_migration_leaves_nothing_behind_on_duckdb(duckdb_path: Path) -> None:
    """Transactional DDL: if a revision fails half-way, the database stays as it was."""
    engine = get_engine(duckdb_path, auto_upgrade=False)
    with engine.begin() as connection:
        # A pre-existing sequence makes revision 0001 fail after it has created other objects.
        connection.execute(text("CREATE SEQUENCE power_metrics_id_seq"))
    with pytest.raises(Exception, match="power_metrics_id_seq"):
        upgrade.upgrade(engine)
    assert _tables(engine) == set()
    assert _revision(engine) is None
    engine.dispose()


def test_alembic_command_line_uses_the_resolver(db_url: str) -> None:
    """`alembic upgrade head && alembic check && alembic downgrade base` from the repo root, located by the
    environment: BENCHMARK_DB_PATH for a DuckDB file, BENCHMARK_DB_URL for PostgreSQL."""
    path = db_url.removeprefix("duckdb:///")
    located = {"BENCHMARK_DB_PATH": path} if db_url.startswith("duckdb") else {"BENCHMARK_DB_URL": db_url}
    env = {**located, "PATH": str(Path(sys.executable).parent)}
    alembic = [sys.executable, "-m", "alembic"]
    for step in (["upgrade", "head"], ["check"], ["current"], ["downgrade", "base"]):
        done = subprocess.run([*alembic, *step], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"alembic {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"
    engine = get_engine(db_url, auto_upgrade=False)
    assert _tables(engine) == set()
    engine.dispose()


def test_sequences_give_ids_to_plain_inserts(engine: Engine) -> None:
    """Bulk loaders insert without ids; the DDL's DEFAULT nextval(...) fills them in."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO models (model_name) VALUES ('a'), ('b')"))
        ids = connection.execute(select(Model.model_id).order_by(Model.model_id)).scalars().all()
        connection.execute(update(Model).where(Model.model_name == "a").values(model_family="x"))
        assert connection.execute(select(func.count()).select_from(Model)).scalar() == 2
    assert len(set(ids)) == 2


FACT_TABLE_SECONDARY_INDEXES = {
    "ix_test_results_timestamp",
    "ix_test_results_model_id_hardware_id",
    "ix_performance_results_test_timestamp",
    "ix_performance_results_model_id_hardware_id",
    "ix_performance_results_test_id",
    "ix_power_metrics_test_id",
    "ix_power_metrics_test_timestamp",
    "ix_power_metrics_model_id_hardware_id",
}


def _index_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
        else:
            query = "SELECT index_name FROM duckdb_indexes()"
        return set(connection.execute(text(query)).scalars())


def test_fact_table_secondary_indexes_exist_on_postgresql_only(engine: Engine) -> None:
    """Revision 0006: DuckDB drops them (measured: no query got faster, writes got slower); PostgreSQL keeps them."""
    names = _index_names(engine)
    if engine.dialect.name == "postgresql":
        assert names >= FACT_TABLE_SECONDARY_INDEXES
    else:
        assert not names & FACT_TABLE_SECONDARY_INDEXES
    assert "uq_models_model_name" in names  # uniqueness stays everywhere
    upgrade.downgrade(engine, "0005_change_acknowledgements")
    assert _index_names(engine) >= FACT_TABLE_SECONDARY_INDEXES
    upgrade.upgrade(engine)
    with engine.connect() as connection:
        command.check(upgrade.alembic_config(connection))
