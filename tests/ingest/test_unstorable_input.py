"""Input one engine would refuse (or store differently) is refused up front, with the same words on both (#8)."""

from __future__ import annotations

from typing import Any

import pytest

from accel_orm import InvalidResultError, TestResultsDBHandler
from tests.ingest.test_store import counts, result

# (what is sent, the exact problem line). PostgreSQL refuses NUL in text and JSON; DuckDB stores it: both must
# now refuse it the same way. Integers beyond the column's 32-bit type overflowed in the drivers.
CASES = [
    (
        {"performance": {"batch_size": 10**20}},
        "performance.batch_size: must be a whole number >= 0 and <= 2147483647 (the column's integer range), "
        "got 100000000000000000000",
    ),
    (
        {"max_batch_size": 2**31},
        "max_batch_size: must be a whole number >= 0 and <= 2147483647 (the column's integer range), got 2147483648",
    ),
    (
        {"model_name": "bert\ud800"},
        "model_name: must be valid Unicode text: it holds a lone surrogate, which UTF-8 cannot encode, "
        "got 'bert\\ud800'",
    ),
    (
        {"error_message": "CUDA error\x00garbage"},
        "error_message: must not contain NUL characters (\\x00), which PostgreSQL cannot store, "
        "got 'CUDA error\\x00garbage'",
    ),
    (
        {"details": {"env": {"flags": ["-O2", "x\x00y"]}}},
        "details.env.flags[1]: must not contain NUL characters (\\x00), which PostgreSQL cannot store, got 'x\\x00y'",
    ),
    (
        {"details": {"note\x00": 1}},
        "details: a key must not contain NUL characters (\\x00), which PostgreSQL cannot store, got 'note\\x00'",
    ),
    (
        {"harness_note": "\udcff"},  # an unknown top-level key: kept in details, so checked there
        "details.harness_note: must be valid Unicode text: it holds a lone surrogate, which UTF-8 cannot encode, "
        "got '\\udcff'",
    ),
    (
        {"execution_time": 10**400},
        "execution_time: must be a finite number >= 0, got " + repr(10**400)[:57] + "...",
    ),
]


@pytest.fixture
def handler(db_url: str) -> TestResultsDBHandler:
    with TestResultsDBHandler(db_url=db_url) as handler:
        yield handler


@pytest.mark.parametrize(("overrides", "problem"), CASES)
def test_one_result_is_refused_naming_the_field_and_nothing_is_written(
    handler: TestResultsDBHandler, overrides: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidResultError) as raised:
        handler.store_test_result(result(**overrides))
    assert raised.value.problems == [problem]
    assert set(counts(handler.engine).values()) == {0}


@pytest.mark.parametrize(("overrides", "problem"), CASES)
def test_a_batch_is_refused_with_the_item_index_and_nothing_is_written(
    handler: TestResultsDBHandler, overrides: dict[str, Any], problem: str
) -> None:
    batch = [result(model_name=f"m{i}") for i in range(5)]
    batch[3] = result(**overrides)
    with pytest.raises(InvalidResultError) as raised:
        handler.store_test_results(batch)
    assert raised.value.problems == [f"[3] {problem}"]
    assert set(counts(handler.engine).values()) == {0}


def test_the_largest_values_the_columns_hold_are_stored(handler: TestResultsDBHandler) -> None:
    handler.store_test_result(
        result(max_batch_size=2**31 - 1, execution_time=10**20, performance={"batch_size": 2**31 - 1})
    )
    assert counts(handler.engine)["performance_results"] == 1
