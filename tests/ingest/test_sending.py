"""A bulk store writes chunk N on a worker thread while it checks chunk N+1, and stays exactly as safe as before:
failures of a later chunk roll back the whole store, a failing generator keeps what a non-atomic store had
committed, and the connection is never used by two threads at once."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from accel_orm import ConstraintViolationError, TestResult, TestResultsDBHandler, session_scope
from accel_orm.ingest import sending, store
from accel_orm.ingest.sending import ChunkSender
from tests.ingest.test_store import counts, result

# Long enough never to be reached by a working pipeline, short enough that a broken one fails instead of hanging.
PATIENCE_SECONDS = 20


@pytest.fixture
def handler(db_url: str) -> Iterator[TestResultsDBHandler]:
    with TestResultsDBHandler(db_url=db_url) as handler:
        yield handler


def results(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [result(model_name=f"model-{i % 3}", execution_time=float(i), **overrides) for i in range(count)]


# --- the sender on its own ------------------------------------------------------------------------------------------


def test_writes_run_in_order_on_one_worker_and_after_runs_on_the_callers_thread() -> None:
    sender = ChunkSender(background=True)
    seen: list[tuple[str, str]] = []

    def write(name: str) -> Any:
        return lambda: seen.append((name, threading.current_thread().name))

    try:
        sender.send([write("a1"), write("a2")], after=lambda: seen.append(("after a", threading.current_thread().name)))
        sender.send([write("b1")], after=lambda: seen.append(("after b", threading.current_thread().name)))
        sender.wait()
    finally:
        sender.close()
    assert [name for name, _ in seen] == ["a1", "a2", "after a", "b1", "after b"]
    threads = dict(seen)
    assert threads["a1"] == threads["b1"] != threading.current_thread().name
    assert threads["a1"].startswith("accel-orm-send")
    assert threads["after a"] == threads["after b"] == threading.current_thread().name


def test_a_failed_write_is_raised_by_wait_and_stops_the_chunks_later_writes() -> None:
    sender = ChunkSender(background=True)
    ran: list[str] = []

    def fail() -> None:
        raise RuntimeError("refused")

    try:
        sender.send([fail, lambda: ran.append("after the failure")], after=lambda: ran.append("progress"))
        with pytest.raises(RuntimeError, match="refused"):
            sender.wait()
        sender.wait()  # the failure is raised once
    finally:
        sender.close()
    assert ran == []


class SlowWrite:
    """A write that runs until released; ``finished`` says whether it got to its end."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = False

    def __call__(self) -> None:
        self.started.set()
        self.release.wait(PATIENCE_SECONDS)
        self.finished = True

    def running_in(self, sender: ChunkSender) -> SlowWrite:
        sender.send([self])
        assert self.started.wait(PATIENCE_SECONDS)
        return self


def interrupt_once_then_release(slow: SlowWrite, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next ``futures.wait`` raises KeyboardInterrupt (a Ctrl-C) and lets ``slow`` finish shortly after."""
    real_wait = sending.futures.wait

    def interrupted_once(pending: Any) -> Any:
        if not slow.release.is_set():
            threading.Timer(0.05, slow.release.set).start()
            raise KeyboardInterrupt
        return real_wait(pending)

    monkeypatch.setattr(sending.futures, "wait", interrupted_once)


def test_close_lets_a_running_write_finish_and_send_empties_the_list() -> None:
    sender = ChunkSender(background=True)
    slow = SlowWrite()
    writes: list[Any] = [slow]
    sender.send(writes)
    assert slow.started.wait(PATIENCE_SECONDS)
    threading.Timer(0.05, slow.release.set).start()
    sender.close()  # returns only once the write is done, so the caller may roll back
    assert slow.finished
    assert writes == []  # nothing of the chunk's rows is held once it is written


def test_a_ctrl_c_while_closing_waits_for_the_running_write_before_it_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sender = ChunkSender(background=True)
    slow = SlowWrite().running_in(sender)
    interrupt_once_then_release(slow, monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        sender.close()
    assert slow.finished  # raised only once the write was done


def test_a_second_ctrl_c_while_closing_after_one_while_waiting_still_waits_for_the_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C during :meth:`wait`, and again while the store's error path closes the sender: the write still
    running is waited for before the second interrupt is raised (and the caller rolls back)."""
    sender = ChunkSender(background=True)
    slow = SlowWrite().running_in(sender)

    def ctrl_c() -> None:  # a Ctrl-C, delivered to the waiting main thread
        time.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Thread(target=ctrl_c).start()
    with pytest.raises(KeyboardInterrupt):
        sender.wait()
    assert not slow.finished
    interrupt_once_then_release(slow, monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        sender.close()
    assert slow.finished


def test_a_sender_without_background_writes_at_once() -> None:
    sender = ChunkSender(background=False)
    ran: list[str] = []
    sender.send([lambda: ran.append(threading.current_thread().name)], after=lambda: ran.append("after"))
    assert ran == [threading.current_thread().name, "after"]
    sender.close()


# --- in a store -----------------------------------------------------------------------------------------------------


def test_the_next_chunk_is_checked_while_the_previous_one_is_written(
    handler: TestResultsDBHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunk 0's rows are not sent until chunk 1 is being checked: a store that checked and wrote one after the
    other would never get there (and fails here after PATIENCE_SECONDS)."""
    checking_chunk_1 = threading.Event()
    real_validate, real_run_all = store.validate_chunk, sending._run_all
    waited: list[bool] = []

    def validate(chunk: list[Any], offset: int) -> Any:
        if offset == 10:
            checking_chunk_1.set()
        return real_validate(chunk, offset)

    def run_all(writes: list[Any]) -> None:
        if not waited:
            waited.append(checking_chunk_1.wait(PATIENCE_SECONDS))
        real_run_all(writes)

    monkeypatch.setattr(store, "validate_chunk", validate)
    monkeypatch.setattr(sending, "_run_all", run_all)
    report = handler.store_test_results(results(30), chunk_size=10)
    assert waited == [True]
    assert report.stored == 30
    assert counts(handler.engine)["test_results"] == 30


def _plant_test_result_id(handler: TestResultsDBHandler, ahead: int) -> None:
    """Store one result, then plant a row holding the id the sequence hands out ``ahead`` ids later, so a later
    bulk insert collides with it in the database (validation cannot see that)."""
    handler.store_test_result(result())
    with session_scope(handler.engine) as session:
        stored = session.scalars(select(TestResult)).one()
        session.add(
            TestResult(
                id=stored.id + ahead,
                timestamp=stored.timestamp,
                test_type="planted",
                model_id=stored.model_id,
                hardware_id=stored.hardware_id,
            )
        )


def test_a_refusal_in_a_later_chunk_writes_nothing_of_a_one_transaction_store(handler: TestResultsDBHandler) -> None:
    _plant_test_result_id(handler, ahead=8)  # chunk 1 of 3 (ids +6..+10) collides, refused on the worker thread
    with pytest.raises(ConstraintViolationError, match="refused the write"):
        handler.store_test_results(results(15), chunk_size=5)
    assert counts(handler.engine)["test_results"] == 2
    handler.store_test_results(results(15), chunk_size=5)  # the connection is usable again
    assert counts(handler.engine)["test_results"] == 17


def test_a_refusal_in_a_later_chunk_keeps_the_chunks_a_non_atomic_store_committed(
    handler: TestResultsDBHandler,
) -> None:
    _plant_test_result_id(handler, ahead=8)
    with pytest.raises(ConstraintViolationError, match="refused the write"):
        handler.store_test_results(results(15), chunk_size=5, atomic=False)
    assert counts(handler.engine)["test_results"] == 2 + 5  # chunk 0 only


class GeneratorFailed(Exception):
    pass


def failing_after(count: int) -> Iterator[dict[str, Any]]:
    yield from results(count)
    raise GeneratorFailed("the source of the results broke")


@pytest.mark.parametrize(("atomic", "kept"), [(True, 0), (False, 10)], ids=["one transaction", "chunk by chunk"])
def test_a_generator_that_fails_leaves_what_the_mode_promises(
    handler: TestResultsDBHandler, atomic: bool, kept: int
) -> None:
    """The generator breaks while chunk 1 is still being written: a one-transaction store writes nothing, a
    chunk-by-chunk one keeps both finished chunks, as when chunks were written one after the other."""
    with pytest.raises(GeneratorFailed):
        handler.store_test_results(failing_after(12), chunk_size=5, atomic=atomic)
    assert counts(handler.engine)["test_results"] == kept
