"""``store_test_result`` in a loop keeps the DuckDB file open, yet loses nothing on a crash and locks nobody out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from accel_orm import Model, TestResult, TestResultsDBHandler, get_engine, lock_requests, session_scope
from tests.concurrency import at_once

REPOSITORY = Path(__file__).resolve().parents[2]


def result(i: int, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model_name": f"model-{i % 3}",
        "hardware_type": "cuda",
        "test_type": "inference",
        "success": True,
        "execution_time": 0.5,
        "performance": {"batch_size": 1, "average_latency_ms": 1.0 + i},
    }
    base.update(overrides)
    return base


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPOSITORY,
    )


def _count(path: Path | str, entity: type = TestResult) -> int:
    engine = get_engine(path)
    try:
        with session_scope(engine) as session:
            return session.scalar(select(func.count()).select_from(entity)) or 0
    finally:
        engine.dispose()


# A writer that reports each result the moment store_test_result returned, then gets killed or exits hard.
STORE_AND_REPORT = """
    import os, sys
    from accel_orm import TestResultsDBHandler
    handler = TestResultsDBHandler(db_path=sys.argv[1], idle_seconds=60)
    for i in range(int(sys.argv[2])):
        handler.store_test_result({"model_name": "m", "hardware_type": "cpu", "test_type": "inference",
                                   "performance": {"batch_size": 1, "average_latency_ms": float(i)}})
        print("stored", i, flush=True)
    if sys.argv[3] == "exit":
        os._exit(0)  # no close, no checkpoint, no atexit: only what each call committed survives
    input()  # wait to be killed
"""


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_a_crash_right_after_store_test_result_returns_loses_nothing(duckdb_path: Path, how: str) -> None:
    get_engine(duckdb_path).dispose()
    writer = _python(STORE_AND_REPORT, str(duckdb_path), "25", how)
    assert writer.stdout is not None
    reported = [writer.stdout.readline() for _ in range(25)]
    if how == "sigkill":
        os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)
    assert reported[-1].strip() == "stored 24", writer.stderr.read() if writer.stderr else ""
    assert _count(duckdb_path) == 25
    assert _count(duckdb_path, Model) == 1


# A writer storing in a tight loop until told to stop; prints how many it stored.
TIGHT_LOOP = """
    import sys, pathlib
    from accel_orm import TestResultsDBHandler
    stop = pathlib.Path(sys.argv[2])
    stored = 0
    with TestResultsDBHandler(db_path=sys.argv[1], idle_seconds=60) as handler:
        while not stop.exists():
            handler.store_test_result({"model_name": "loop", "hardware_type": "cpu", "test_type": "inference"})
            stored += 1
            if stored == 20:
                print("looping", flush=True)
    print("stored", stored, flush=True)
"""


def test_a_second_process_gets_the_file_while_the_first_stores_in_a_tight_loop(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    get_engine(path).dispose()
    stop = tmp_path / "stop"
    looper = _python(TIGHT_LOOP, str(path), str(stop))
    try:
        assert looper.stdout is not None and looper.stdout.readline().strip() == "looping"
        started = time.monotonic()
        with TestResultsDBHandler(db_path=path, lock_timeout=30) as handler:
            handler.store_test_result(result(1, model_name="from-the-second-process"))
            waited = time.monotonic() - started
            # While we hold it, the looper waits; it carries on once we let go.
        assert waited < 5.0, f"the second process waited {waited:.1f} s for the file"
        time.sleep(0.5)
    finally:
        stop.touch()
        out, err = looper.communicate(timeout=60)
    assert looper.returncode == 0, err
    stored = int(out.split()[-1])
    assert stored > 20
    assert _count(path) == stored + 1
    assert not lock_requests.request_path(path).exists()


# A plain duckdb client in another process: it does not ask for the file, it just retries for a while.
PLAIN_CLIENT = """
    import sys, time, duckdb
    deadline = time.monotonic() + 10
    while True:
        try:
            with duckdb.connect(sys.argv[1]) as connection:
                print(connection.execute("SELECT count(*) FROM test_results").fetchone()[0], flush=True)
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                print("locked out", flush=True)
                break
            time.sleep(0.05)
"""


def test_an_idle_handler_lets_go_of_the_file(duckdb_path: Path) -> None:
    with TestResultsDBHandler(db_path=duckdb_path, idle_seconds=0.2) as handler:
        handler.store_test_result(result(1))
        out, err = _python(PLAIN_CLIENT, str(duckdb_path)).communicate(timeout=60)
        assert out.strip() == "1", err
        handler.store_test_result(result(2))  # and it opens the file again for the next call
    assert _count(duckdb_path) == 2


def test_one_at_a_time_fills_model_facts_later_without_overwriting(db_url: str) -> None:
    with TestResultsDBHandler(db_url=db_url) as handler:
        handler.store_test_result(result(0, model_name="bert"))
        handler.store_test_result(result(1, model_name="bert", model_family="text_embedding"))
        handler.store_test_result(result(2, model_name="bert", model_family="vision"))
    engine = get_engine(db_url)
    with session_scope(engine) as session:
        families = session.execute(select(Model.model_name, Model.model_family)).all()
    engine.dispose()
    assert families == [("bert", "text_embedding")]


def test_a_call_that_rolls_back_leaves_no_remembered_model_behind(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler remembers model ids between calls; a call whose transaction rolled back after creating a model
    must not leave that (now non-existent) id behind for the next call."""
    from accel_orm.ingest.single import SingleResultWriter

    with TestResultsDBHandler(db_url=db_url) as handler:
        handler.store_test_result(result(0))  # records the run, so later calls take the one-at-a-time path
        real_section_row = SingleResultWriter._section_row

        def fail_after_the_model_was_created(*args: Any, **kwargs: Any) -> dict[str, Any]:
            raise OSError("disk went away")

        monkeypatch.setattr(SingleResultWriter, "_section_row", staticmethod(fail_after_the_model_was_created))
        with pytest.raises(OSError, match="disk went away"):
            handler.store_test_result(result(1, model_name="brand-new"))
        monkeypatch.setattr(SingleResultWriter, "_section_row", staticmethod(real_section_row))
        handler.store_test_result(result(2, model_name="brand-new"))
    assert _models_of_results(db_url) == ["model-0", "brand-new"]


def _models_of_results(url: str) -> list[str]:
    engine = get_engine(url)
    try:
        with session_scope(engine) as session:
            stored = session.execute(
                select(Model.model_name).join(TestResult, TestResult.model_id == Model.model_id).order_by(TestResult.id)
            ).scalars()
            return list(stored)
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = get_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


# --- PostgreSQL: one result per pooled connection, models, hardware and partitions remembered across calls -------


@pytest.mark.postgres
def test_a_remembered_model_removed_behind_the_handlers_back_is_found_again(pg_url: str) -> None:
    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_result(result(0, model_name="bert"))  # records the run
        handler.store_test_result(result(1, model_name="bert"))  # the one-at-a-time path remembers bert's id
        _execute(  # someone clears bert out by hand
            pg_url,
            "DELETE FROM performance_results",
            "DELETE FROM test_results",
            "DELETE FROM models WHERE model_name = 'bert'",
        )
        handler.store_test_result(result(2, model_name="bert"))  # refused on the stale id, then found again
        handler.store_test_result(result(3, model_name="bert"))
    assert _models_of_results(pg_url) == ["bert", "bert"]


@pytest.mark.postgres
def test_a_month_whose_partition_went_away_gets_it_back(pg_url: str) -> None:
    from accel_orm.schema.partitions import partition_name

    march = datetime(2025, 3, 5, 12)
    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_result(result(0, timestamp=march))
        handler.store_test_result(result(1, timestamp=march))  # remembers that March has its partition
        partition = partition_name(march)
        _execute(  # as archiving does with an old month
            pg_url,
            "DELETE FROM performance_results",
            f"ALTER TABLE test_results DETACH PARTITION {partition}",
            f"DROP TABLE {partition}",
        )
        handler.store_test_result(result(2, timestamp=march))
    assert _count(pg_url) == 1


@pytest.mark.postgres
def test_a_real_violation_is_refused_after_one_more_try(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from accel_orm.errors import ConstraintViolationError
    from accel_orm.ingest.single import SingleResultWriter

    attempts = []

    def refused(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise psycopg.errors.CheckViolation("new row violates check constraint")

    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_result(result(0))
        handler.store_test_result(result(1))  # now models, hardware and the month are remembered
        monkeypatch.setattr(SingleResultWriter, "write", refused)
        with pytest.raises(ConstraintViolationError, match="violates check constraint"):
            handler.store_test_result(result(2))
        assert len(attempts) == 2  # once with what was remembered, once after looking again
        with pytest.raises(ConstraintViolationError):
            handler.store_test_result(result(3))
        assert len(attempts) == 3  # nothing remembered any more: no second try


_CALLS = 24


def _store_one_by_one(url: str, worker: int, barrier: Any) -> int:
    """A CI job on its own machine: results one at a time, each naming a model and a month the other jobs name
    too, so models and partitions are created while other writers are inside their transactions."""
    barrier.wait()
    with TestResultsDBHandler(db_url=url) as handler:
        for i in range(_CALLS):
            moment = datetime(2031 + i // 12, 1 + i % 12, 1 + worker)
            handler.store_test_result(result(i, model_name=f"shared-{i}", timestamp=moment))
    return _CALLS


@pytest.mark.postgres
def test_concurrent_one_at_a_time_writers_create_each_model_and_month_once(pg_url: str) -> None:
    """Also a deadlock test: creating a partition locks test_results and then models; a writer creating a model
    must not hold models while it waits for test_results (without the lock order it failed 5 runs in 6)."""
    get_engine(pg_url).dispose()  # migrate once, before the writers race
    workers = 4
    stored = at_once(_store_one_by_one, [(pg_url, worker) for worker in range(workers)])
    assert sum(stored) == _CALLS * workers
    assert _count(pg_url) == _CALLS * workers
    assert sorted(_models_of_results(pg_url)) == sorted([f"shared-{i}" for i in range(_CALLS)] * workers)
    engine = get_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(Model)).scalar_one() == _CALLS
            partitions = connection.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^test_results_203[12]_'"
                    " ORDER BY relname"
                )
            ).scalars()
            months = [(2031 + i // 12, 1 + i % 12) for i in range(_CALLS)]
            assert list(partitions) == [f"test_results_{year}_{month:02d}" for year, month in months]
    finally:
        engine.dispose()


# --- DuckDB's worker threads: off while a held connection writes single rows, put back afterwards ----------------


def _threads(engine: Any) -> int:
    with engine.connect() as connection:  # joins the handler's DuckDB instance: the setting is the instance's
        return int(connection.execute(select(func.current_setting("threads"))).scalar_one())


def test_a_store_loop_runs_duckdb_on_one_thread_and_puts_the_count_back(duckdb_path: Path) -> None:
    import duckdb

    default = int(duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0])
    with TestResultsDBHandler(db_path=duckdb_path, idle_seconds=60) as handler:
        handler.store_test_result(result(0))  # records the run (the bulk path)
        handler.store_test_result(result(1))  # one at a time on the held connection
        assert _threads(handler.engine) == 1
        handler.store_test_results([result(2), result(3)])  # a bulk store on the held connection gets them back
        assert _threads(handler.engine) == default
        handler.store_test_result(result(4))
        assert _threads(handler.engine) == 1
        assert handler._held is not None
        handler._held.release()  # as the idle timer does
        assert _threads(handler.engine) == default
    assert _count(duckdb_path) == 5


def test_a_thread_count_set_in_the_url_is_left_alone(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'tuned.duckdb'}?threads=2"
    with TestResultsDBHandler(db_url=url, idle_seconds=60) as handler:
        handler.store_test_result(result(0))
        handler.store_test_result(result(1))
        assert _threads(handler.engine) == 2
