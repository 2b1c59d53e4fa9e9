"""PostgreSQL writers creating models and hardware at the same time: nobody waits for a row it does not need,
nobody duplicates a row, and nobody deadlocks or overwrites a fact another writer filled in first."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from accel_orm import HardwarePlatform, Model, TestResult, TestResultsDBHandler, get_engine, session_scope
from tests.concurrency import PausedStore, at_once

pytestmark = pytest.mark.postgres

# Generous: a writer that is not held up finishes in well under a second.
_NOT_HELD_UP_SECONDS = 15.0


def _result(model: str, hardware: str = "cpu", **extra: Any) -> dict[str, Any]:
    return {"model_name": model, "hardware_type": hardware, "test_type": "inference", "success": True, **extra}


def _paused(url: str, first: dict[str, Any]) -> PausedStore:
    return PausedStore(url, [first], [_result("paused-store-second")])


def _in_thread(url: str, results: list[dict[str, Any]]) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def store() -> None:
        try:
            with TestResultsDBHandler(db_url=url) as handler:
                outcome.append(handler.store_test_results(results, run=False).stored)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=store, daemon=True)
    thread.start()
    return thread, outcome


def _models(url: str) -> dict[str, Any]:
    engine = get_engine(url)
    try:
        with session_scope(engine) as session:
            return {model.model_name: model.model_family for model in session.scalars(select(Model))}
    finally:
        engine.dispose()


def test_a_long_store_creating_a_model_does_not_hold_up_writers_creating_other_ones(pg_url: str) -> None:
    get_engine(pg_url).dispose()  # migrate once
    paused = _paused(pg_url, _result("long-store-model"))
    try:
        other, outcome = _in_thread(pg_url, [_result("another-new-model", hardware="rocm", device_name="mi300")])
        other.join(_NOT_HELD_UP_SECONDS)
        assert not other.is_alive(), "a writer creating a different model waited for the open store to commit"
        assert outcome == [1]
    finally:
        paused.finish()
    assert set(_models(pg_url)) == {"long-store-model", "another-new-model", "paused-store-second"}


def test_a_writer_needing_a_model_another_has_not_committed_waits_for_it_and_then_shares_it(pg_url: str) -> None:
    get_engine(pg_url).dispose()
    paused = _paused(pg_url, _result("shared-new-model"))
    try:
        waiting, outcome = _in_thread(pg_url, [_result("shared-new-model")])
        waiting.join(1.0)
        # It cannot refer to a row that is not committed: it waits, and neither fails nor makes a second row.
        assert waiting.is_alive() and outcome == []
    finally:
        paused.finish()
    waiting.join(30)
    assert outcome == [1]
    engine = get_engine(pg_url)
    try:
        with session_scope(engine) as session:
            names = session.scalars(select(Model.model_name).join(TestResult, TestResult.model_id == Model.model_id))
            assert sorted(names) == ["paused-store-second", "shared-new-model", "shared-new-model"]
            assert session.scalar(select(func.count()).where(Model.model_name == "shared-new-model")) == 1
    finally:
        engine.dispose()


_NEW_PER_ROUND = 40


def _create_in_order(url: str, round_: int, descending: bool, barrier: Any) -> int:
    names = [f"round-{round_}-model-{i:02d}" for i in range(_NEW_PER_ROUND)]
    hardware = [f"device-{i:02d}" for i in range(_NEW_PER_ROUND)]
    if descending:
        names.reverse()
        hardware.reverse()
    results = [
        _result(name, hardware="cuda", device_name=f"round-{round_}-{device}")
        for name, device in zip(names, hardware, strict=True)
    ]
    with TestResultsDBHandler(db_url=url) as handler:
        barrier.wait(timeout=120)
        return handler.store_test_results(results, run=False).stored


def test_writers_creating_the_same_new_rows_in_opposite_orders_do_not_deadlock(pg_url: str) -> None:
    """Two stores name the same 40 new models and hardware, one in reverse order. Inserted as given, each took
    rows the other needed next, and PostgreSQL ended one with "deadlock detected"; in key order they queue."""
    get_engine(pg_url).dispose()
    for round_ in range(3):
        stored = at_once(_create_in_order, [(pg_url, round_, False), (pg_url, round_, True)])
        assert stored == [_NEW_PER_ROUND, _NEW_PER_ROUND]
    engine = get_engine(pg_url)
    try:
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Model)) == 3 * _NEW_PER_ROUND
            assert session.scalar(select(func.count()).select_from(HardwarePlatform)) == 3 * _NEW_PER_ROUND
    finally:
        engine.dispose()


def test_a_blank_filled_by_another_writer_first_is_kept(pg_url: str) -> None:
    """Both writers saw the model's family blank; the one whose update ran second must not overwrite it."""
    with TestResultsDBHandler(db_url=pg_url) as handler:
        handler.store_test_results([_result("model-with-a-blank")], run=False)
    paused = _paused(pg_url, _result("model-with-a-blank", model_family="filled-first"))
    try:
        second, outcome = _in_thread(pg_url, [_result("model-with-a-blank", model_family="filled-second")])
        second.join(1.0)  # its update waits for the paused store's row lock
    finally:
        paused.finish()
    second.join(30)
    assert outcome == [1]
    assert _models(pg_url)["model-with-a-blank"] == "filled-first"


def _store_crossing(url: str, first: str, second: str, hardware: str, barrier: Any) -> tuple[int, int]:
    """Store two results in two chunks: chunk 0 creates model ``first``, chunk 1 model ``second`` (on a hardware
    type of this writer's own, which the other does not wait for). Both writers
    wait at the barrier once their chunk 0 is written, so each then needs the model the other has created and not
    committed: a deadlock, which PostgreSQL breaks by ending one of the two transactions."""
    met = threading.Event()
    counted: list[int] = []

    def progress(count: int) -> None:
        counted.append(count)
        if not met.is_set():
            met.set()
            barrier.wait(timeout=60)

    with TestResultsDBHandler(db_url=url) as handler:
        report = handler.store_test_results(
            [_result(first, hardware), _result(second, hardware)], chunk_size=1, run=False, progress=progress
        )
    return report.stored, sum(counted)


def test_a_list_store_ended_to_break_a_deadlock_runs_again_by_itself(pg_url: str) -> None:
    """Two stores create the same two new models in opposite orders across their chunks; PostgreSQL ends one
    of them, which stores its list again once the other has committed. Both succeed, each model exists once, and
    each progress count adds up to the list's length, not more."""
    get_engine(pg_url).dispose()
    crossing = [(pg_url, "crossing-x", "crossing-y", "cuda"), (pg_url, "crossing-y", "crossing-x", "rocm")]
    stored = at_once(_store_crossing, crossing)
    assert stored == [(2, 2), (2, 2)]
    engine = get_engine(pg_url)
    try:
        with session_scope(engine) as session:
            names = session.scalars(select(Model.model_name).where(Model.model_name.like("crossing-%"))).all()
            assert sorted(names) == ["crossing-x", "crossing-y"]
            assert session.scalar(select(func.count()).select_from(TestResult)) == 4
    finally:
        engine.dispose()
