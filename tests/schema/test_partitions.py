"""PostgreSQL: test_results is partitioned by month, pruned by time filters, and extended safely on demand."""

from __future__ import annotations

import multiprocessing.synchronize
import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from accel_orm import HardwarePlatform, Model, TestResult, TestResultsDBHandler, get_engine, session_scope
from accel_orm.ingest import store
from accel_orm.schema.partitions import ensure_test_result_partitions, partition_name
from tests.concurrency import PausedStore, at_once

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


def _read_without_waiting(engine: Engine) -> int:
    """Count test_results on another connection, refusing to wait more than 2 s for a lock."""
    with engine.connect() as connection:
        connection.execute(text("SET lock_timeout = '2s'"))
        return int(connection.execute(text("SELECT count(*) FROM test_results")).scalar_one())


def _result_at(when: datetime) -> TestResult:
    return TestResult(
        model=Model(model_name=f"model-{when:%Y-%m}"),
        hardware=HardwarePlatform(hardware_type="cpu", device_name=f"device-{when:%Y-%m}"),
        timestamp=when,
        test_type="inference",
    )


def test_an_orm_session_creating_a_month_leaves_test_results_open_to_others_until_it_commits(
    pg_engine: Engine,
) -> None:
    """Created inside the session's transaction, the partition kept test_results ACCESS EXCLUSIVE until the
    session committed: every other reader and writer waited."""
    with session_scope(pg_engine) as session:
        session.add(_result_at(datetime(2017, 4, 9)))
        session.flush()
        assert "test_results_2017_04" in _partitions(pg_engine)  # committed: visible to others at once
        assert _read_without_waiting(pg_engine) == 0  # the session's row is not committed yet
    assert _read_without_waiting(pg_engine) == 1


def test_an_orm_session_that_has_written_creates_a_later_month_inside_its_transaction(pg_engine: Engine) -> None:
    """The first flush created a model, whose table the new month's foreign keys lock: made beside the session it
    would wait for the session itself, so it is made inside the session's transaction."""
    outcome: list[Any] = []

    def write_two_months() -> None:
        try:
            with session_scope(pg_engine) as session:
                session.add(_result_at(datetime(2016, 2, 3)))
                session.flush()
                session.add(_result_at(datetime(2016, 8, 3)))
                session.flush()
                outcome.append(session.scalar(select(func.count()).select_from(TestResult)))
        except Exception as error:  # reported by the assertion below
            outcome.append(error)

    writer = threading.Thread(target=write_two_months, daemon=True)
    writer.start()
    writer.join(30)
    assert not writer.is_alive(), "the session's second flush waited for itself"
    assert outcome == [2]
    assert {"test_results_2016_02", "test_results_2016_08"} <= set(_partitions(pg_engine))


def _result_dict(model: str, when: datetime) -> dict[str, Any]:
    return {"model_name": model, "hardware_type": "cpu", "test_type": "inference", "timestamp": when}


def test_a_month_is_created_beside_an_open_writer_without_waiting_for_it(pg_engine: Engine) -> None:
    """CREATE TABLE ... PARTITION OF waited for every open transaction holding test_results (and queued every
    reader behind itself meanwhile); attaching a table built apart waits for none of them."""
    with session_scope(pg_engine) as session:
        session.add(_result_at(datetime.utcnow()))
    writer = pg_engine.connect()
    try:
        writer.begin()
        writer.execute(
            text(
                "INSERT INTO test_results (timestamp, test_type, model_id, hardware_id)"
                " SELECT timestamp, test_type, model_id, hardware_id FROM test_results"
            )
        )
        created: list[Any] = []
        creator = threading.Thread(
            target=lambda: created.append(ensure_test_result_partitions(pg_engine, [datetime(2014, 6, 1)])),
            daemon=True,
        )
        creator.start()
        creator.join(15)
        assert not creator.is_alive(), "creating a month waited for the open writer"
        assert created == [["test_results_2014_06"]]
    finally:
        writer.rollback()
        writer.close()


def test_a_generator_reaching_a_new_month_creates_it_beside_its_transaction(
    pg_url: str, pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The store has written (a generator cannot be looked at first), but has created no model or hardware:
    the month is created and committed in a transaction of its own, and nobody waits for the store."""
    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_results([_result_dict("known", datetime.utcnow())], run=False)
    caplog.set_level("WARNING", logger=store.__name__)
    paused = PausedStore(
        pg_url,
        [_result_dict("known", datetime.utcnow()), _result_dict("known", datetime(2013, 2, 3))],
        [_result_dict("known", datetime(2013, 2, 4))],
    )
    try:
        assert "test_results_2013_02" in _partitions(pg_engine)  # committed while the store is still open
        assert _read_without_waiting(pg_engine) == 1
    finally:
        paused.finish()
    assert _read_without_waiting(pg_engine) == 4
    assert not [record for record in caplog.records if "inside" in record.getMessage()]


def test_a_generator_that_created_a_model_creates_its_new_month_inside_and_nobody_reading_waits(
    pg_url: str, pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Beside it, the month's foreign keys would wait for the store's own new model: it is created inside the
    store's transaction, which then holds test_results only SHARE UPDATE EXCLUSIVE (readers and writers of
    other months go on; before, ACCESS EXCLUSIVE kept all of them out until the store committed)."""
    caplog.set_level("WARNING", logger=store.__name__)
    paused = PausedStore(
        pg_url,
        [_result_dict("brand-new", datetime.utcnow()), _result_dict("brand-new", datetime(2012, 5, 6))],
        [_result_dict("brand-new", datetime(2012, 5, 7))],
    )
    try:
        assert _read_without_waiting(pg_engine) == 0
        with TestResultsDBHandler(db_url=pg_url) as other:  # a writer of another month, with its own model
            assert other.store_test_results([_result_dict("other", datetime.utcnow())], run=False).stored == 1
    finally:
        paused.finish()
    assert _read_without_waiting(pg_engine) == 4
    assert [record for record in caplog.records if "inside this store's transaction" in record.getMessage()]


def test_a_table_of_a_months_name_that_is_no_partition_is_refused(pg_engine: Engine) -> None:
    with pg_engine.begin() as connection:
        connection.execute(text("CREATE TABLE test_results_2011_01 (stray integer)"))
    with pytest.raises(Exception, match="test_results_2011_01 exists but is not a partition of test_results"):
        ensure_test_result_partitions(pg_engine, [datetime(2011, 1, 9)])
    assert "test_results_2011_01" not in _partitions(pg_engine)


def test_a_month_created_by_attaching_has_what_the_migration_gave_the_others(pg_engine: Engine) -> None:
    """Same constraints (checks, keys, foreign keys) and indexes as a month the migration made."""
    ensure_test_result_partitions(pg_engine, [datetime(2010, 3, 1)])
    made_by_migration = partition_name(datetime.utcnow())

    def shape(table: str) -> tuple[list[Any], list[Any]]:
        with pg_engine.connect() as connection:
            constraints = connection.execute(
                text(
                    "SELECT replace(conname, :t, 'X'), contype, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = to_regclass(:t) ORDER BY 1"
                ),
                {"t": table},
            ).all()
            indexes = connection.execute(
                text(
                    "SELECT replace(indexrelid::regclass::text, :t, 'X'),"
                    " replace(pg_get_indexdef(indexrelid), :t, 'X') FROM pg_index"
                    " WHERE indrelid = to_regclass(:t) ORDER BY 1"
                ),
                {"t": table},
            ).all()
        return list(constraints), list(indexes)

    assert shape("test_results_2010_03") == shape(made_by_migration)
    assert shape(made_by_migration)[1], "the comparison must see the indexes"


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


def _spanning_months(year: int, months: int, per_month: int) -> list[dict]:
    return [
        {
            "model_name": "bert",
            "hardware_type": "cpu",
            "test_type": "inference",
            "timestamp": datetime(year, 1 + i // per_month, 5),
        }
        for i in range(months * per_month)
    ]


def _stored_per_month(engine: Engine) -> list[tuple[str, int, int, int]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT to_char(timestamp, 'MM'), count(*), min(run_id), max(run_id) FROM test_results"
                    " GROUP BY 1 ORDER BY 1"
                )
            )
        ]


def test_a_list_store_makes_sure_of_all_its_months_before_it_writes(
    pg_url: str, pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Chunks 2..4 bring months without partitions: a list is looked at first, so they exist before anything is
    written and nothing is created inside the store's transaction (nor warned about)."""
    from accel_orm import TestResultsDBHandler

    created: list[list[str]] = []
    real_ensure = store.ensure_test_result_partitions

    def ensure(bind: Any, timestamps: Any) -> list[str]:
        names = real_ensure(bind, timestamps)
        created.append(sorted(names) if isinstance(bind, Engine) else ["inside the transaction", *names])
        return names

    with (
        TestResultsDBHandler(db_url=pg_url) as handler,
        caplog.at_level("INFO", logger="accel_orm.ingest.store"),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(store, "ensure_test_result_partitions", ensure)
        report = handler.store_test_results(_spanning_months(2031, 4, 3), chunk_size=3)
    assert created[0] == [f"test_results_2031_{m:02d}" for m in range(1, 5)]
    assert all(call[0] != "inside the transaction" for call in created), created
    assert not [record for record in caplog.records if record.levelname == "WARNING"]
    assert report.stored == 12
    run = report.run_ids[0]
    assert _stored_per_month(pg_engine) == [(f"{m:02d}", 3, run, run) for m in range(1, 5)]


def test_a_generator_store_that_created_its_model_creates_later_months_inside_its_transaction(
    pg_url: str, pg_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A generator cannot be read twice, and this one created its model in its first chunk (which a month made
    beside it would wait for): its later months are created inside its transaction as its chunks reach them,
    with a warning that says how to avoid it."""
    from accel_orm import TestResultsDBHandler

    results = _spanning_months(2032, 3, 3)
    with TestResultsDBHandler(db_url=pg_url) as handler:
        report = handler.store_test_results((result for result in results), chunk_size=3)
    assert report.stored == 9
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 2 and all("ensure_test_result_partitions()" in warning for warning in warnings)
    assert [name for name in _partitions(pg_engine) if name.startswith("test_results_2032")] == [
        "test_results_2032_01",
        "test_results_2032_02",
        "test_results_2032_03",
    ]


def _store_spanning_months(url: str, year: int, barrier: multiprocessing.synchronize.Barrier) -> int:
    from accel_orm import TestResultsDBHandler

    with TestResultsDBHandler(db_url=url) as handler:
        barrier.wait(timeout=60)
        return handler.store_test_results(_spanning_months(year, 3, 3000), chunk_size=3000).stored


def test_concurrent_list_stores_reaching_new_months_after_writing_all_succeed(pg_url: str, pg_engine: Engine) -> None:
    """Three processes store lists whose later chunks reach the same new months, at once, three times over.

    Creating those partitions inside the open transactions made each wait for the others' hold on
    test_results: PostgreSQL ended one with "deadlock detected" in most rounds.
    """
    for year in (2033, 2034, 2035):
        assert at_once(_store_spanning_months, [(pg_url, year)] * 3) == [9000] * 3
    with pg_engine.connect() as connection:
        counts = connection.execute(
            text("SELECT extract(year FROM timestamp)::int, count(*) FROM test_results GROUP BY 1 ORDER BY 1")
        ).all()
    assert counts == [(2033, 27000), (2034, 27000), (2035, 27000)]
