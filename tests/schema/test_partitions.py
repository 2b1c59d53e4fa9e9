"""PostgreSQL: test_results is partitioned by month, pruned by time filters, and extended safely on demand."""

from __future__ import annotations

import multiprocessing.synchronize
from datetime import datetime

import pytest
from sqlalchemy import Engine, select, text

from accel_orm import HardwarePlatform, Model, TestResult, get_engine, session_scope
from accel_orm.schema.partitions import ensure_test_result_partitions, partition_name
from tests.concurrency import at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(pg_url: str) -> Engine:
    engine = get_engine(pg_url)
    yield engine
    engine.dispose()


def _partitions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'test_results'::regclass ORDER BY c.relname"
                )
            ).scalars()
        )


def test_test_results_is_range_partitioned_on_timestamp(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        strategy, key = connection.execute(
            text(
                "SELECT p.partstrat, pg_get_partkeydef(p.partrelid) FROM pg_partitioned_table p "
                "WHERE p.partrelid = 'test_results'::regclass"
            )
        ).one()
    assert strategy == "r"
    assert key == 'RANGE ("timestamp")'


def test_several_months_are_precreated(pg_engine: Engine) -> None:
    now = datetime.utcnow()
    names = _partitions(pg_engine)
    assert partition_name(now) in names
    assert len(names) >= 4


def test_storing_into_a_new_month_creates_its_partition(pg_engine: Engine) -> None:
    when = datetime(2019, 7, 14, 8, 30)
    with session_scope(pg_engine) as session:
        session.add(
            TestResult(
                model=Model(model_name="vit-base"),
                hardware=HardwarePlatform(hardware_type="mps"),
                timestamp=when,
                test_type="inference",
            )
        )
    assert "test_results_2019_07" in _partitions(pg_engine)
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM test_results_2019_07")).scalar() == 1


def test_a_chunked_bulk_store_creates_exactly_the_months_it_needs(pg_url: str, pg_engine: Engine) -> None:
    """Months recur across chunks and a later chunk brings a new one: every row lands, no empty month is made."""
    from accel_orm import TestResultsDBHandler

    months = [datetime(2018, 3, 5), datetime(2018, 5, 20), datetime(2018, 3, 28), datetime(2018, 9, 1)]
    results = [
        {"model_name": "bert", "hardware_type": "cpu", "test_type": "inference", "timestamp": months[i % 4]}
        for i in range(12)
    ]
    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_results(results[:3] + results[4:7] + results[3:4] + results[7:], chunk_size=3)
    names = [name for name in _partitions(pg_engine) if name.startswith("test_results_2018")]
    assert names == ["test_results_2018_03", "test_results_2018_05", "test_results_2018_09"]
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM test_results_2018_03")).scalar() == 6


def test_a_one_month_query_is_pruned_to_one_partition(pg_engine: Engine) -> None:
    ensure_test_result_partitions(pg_engine, [datetime(2024, m, 1) for m in range(1, 13)])
    statement = select(TestResult.id).where(
        TestResult.timestamp >= datetime(2024, 3, 1), TestResult.timestamp < datetime(2024, 4, 1)
    )
    compiled = statement.compile(pg_engine)
    with pg_engine.connect() as connection:
        # Bound parameters, as an application would send them: pruning must not depend on literal SQL.
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
    scanned = {name for name in _partitions(pg_engine) if name in plan}
    assert scanned == {"test_results_2024_03"}, plan


def _create_months(url: str, months: list[datetime], barrier: multiprocessing.synchronize.Barrier) -> list[str]:
    engine = get_engine(url)
    try:
        barrier.wait(timeout=60)
        return ensure_test_result_partitions(engine, months)
    finally:
        engine.dispose()


def test_concurrent_on_demand_creation_from_many_processes(pg_url: str) -> None:
    get_engine(pg_url).dispose()
    months = [datetime(2030, m, 15) for m in range(1, 7)]
    results = at_once(_create_months, [(pg_url, months)] * 8)
    expected = [f"test_results_2030_{m:02d}" for m in range(1, 7)]
    assert all(result == expected for result in results)
    engine = get_engine(pg_url)
    assert [name for name in _partitions(engine) if name.startswith("test_results_2030")] == expected
    engine.dispose()


def test_partition_helper_is_a_no_op_on_duckdb(duckdb_path) -> None:
    engine = get_engine(duckdb_path)
    assert ensure_test_result_partitions(engine, [datetime(2025, 1, 1)]) == []
    engine.dispose()
