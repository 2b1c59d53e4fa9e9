"""The columnar fast path says "clean" only when the per-item checker agrees, and then flattens identically."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accel_orm.ingest.columnar import flatten_clean_chunk, months_of
from accel_orm.ingest.fields import SECTIONS, TOP_LEVEL_FIELDS
from accel_orm.ingest.validate import ResultBatch, validate_chunk, validate_chunk_per_item
from accel_orm.schema.partitions import month_start

NOW = datetime(2026, 1, 2, 3, 4, 5)
ZONES = [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]

# Every kind of value a harness might send, valid or not, for any field.
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(2**31 - 2, 2**31 + 2),
    st.just(10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 1),
    st.sampled_from(["", "  ", "cuda", " CUDA ", "Supported", "limited", "a\x00b", "\ud800", "2025-03-05T19:57:14Z"]),
    st.sampled_from([b"bytes", Decimal("1.5"), np.float64(2.5), np.int64(3), ["fp16", "int8"], {"k": 1}]),
    st.datetimes(timezones=st.just(UTC) | st.none()),
    st.just(datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=2)))),
    # Any zone, the whole range: near year 1 or 9999 the UTC time falls outside what datetime can hold.
    st.datetimes(timezones=st.sampled_from([timezone(timedelta(hours=14)), timezone(-timedelta(hours=12))])),
    st.datetimes(min_value=datetime(1900, 1, 1), timezones=st.sampled_from(ZONES)),
)
MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC) | st.none()
)
ABSENT = object()  # a result without the key at all
MEASURE = st.floats(0, 1e9) | st.integers(0, 10**6) | st.none()


# Values a lax converter would coerce quietly (Arrow turns True into 1.0, 2.5 into 2, b"x" into "x", 5 into a time).
NEAR_MISS = st.sampled_from([True, False, 2.5, 2.0, -0.0, b"x", 5, 1.7e9, np.float64(1.0), np.bool_(True), "1.5"])


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values most of the time (so clean chunks happen), near misses and anything at all sometimes."""
    return st.integers(0, 15).flatmap(lambda k: ANY_VALUE if k == 0 else NEAR_MISS if k <= 2 else valid)


SECTION = st.fixed_dictionaries(
    {},
    optional={
        "batch_size": mostly(st.integers(0, 2**31 - 1)),
        "average_latency_ms": mostly(MEASURE),
        "test_timestamp": mostly(MOMENT | st.just("2025-03-05T19:57:14+01:00")),
        "status": mostly(st.sampled_from(["supported", " Limited ", "unsupported"])),
        "score": mostly(st.floats(0, 1)),
        "temperature_celsius_avg": mostly(st.floats(-1e3, 1e3)),
        "recommended": mostly(st.booleans()),
        "x": mostly(st.integers()),
    },
)
DETAILS = st.none() | st.dictionaries(
    st.text(max_size=3), st.none() | st.integers() | st.floats() | st.text(max_size=3), max_size=3
)
RESULT = st.fixed_dictionaries(
    {
        "model_name": mostly(st.sampled_from(["bert", "t5", " vit "])),
        "hardware_type": mostly(st.sampled_from(["cuda", " CPU ", "webgpu"])),
        "test_type": st.just("inference"),
    },
    optional={
        "device_name": mostly(st.sampled_from([None, "", " ", "A100"])),
        "execution_time": mostly(MEASURE),
        "success": mostly(st.booleans() | st.none()),
        "status": mostly(st.sampled_from(["Success", "failed", "weird"]) | st.none()),
        "timestamp": mostly(MOMENT),
        "compute_units": mostly(st.integers(0, 2**31 - 1)),
        "supported_precisions": mostly(st.sampled_from(["fp16", "fp16,int8"])),
        "details": DETAILS,
        "performance": mostly(SECTION),
        "power_metrics": mostly(SECTION),
        "compatibility": mostly(SECTION),
        "unknown_key": mostly(st.text(max_size=2)),
    },
)


def _same(left: Any, right: Any) -> bool:
    """Equality that also treats NaN as equal to NaN (it never reaches a clean batch, but be exact)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return bool(left == right) and type(left) is type(right)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RESULT, min_size=1, max_size=4))
def test_fast_path_agrees_with_the_per_item_checker(items: list[dict[str, Any]]) -> None:
    slow = validate_chunk_per_item(items, 0, now=NOW)
    fast = flatten_clean_chunk(items, now=NOW)
    if fast is None:
        return  # not sure: the per-item checker decides, so messages stay its own
    assert not slow.problems, "the fast path accepted a chunk the per-item checker rejects"
    for part in ("test", "model", "hardware"):
        fast_columns, slow_columns = getattr(fast, part), getattr(slow.batch, part)
        assert fast_columns.keys() == slow_columns.keys()
        for name, (values, slow_values) in _as_stored(fast_columns, slow_columns).items():
            assert all(map(_same, values, slow_values)), (part, name)
    for part in ("performance", "power", "compatibility"):
        fast_section, slow_section = getattr(fast, part), getattr(slow.batch, part)
        assert fast_section.rows == slow_section.rows
        for name, (values, slow_values) in _as_stored(fast_section.columns, slow_section.columns).items():
            assert all(map(_same, values, slow_values)), (part, name)


def _assert_same_batch(fast: ResultBatch, slow: ResultBatch, context: Any = None) -> None:
    """Equal batches, the Arrow-array columns compared as stored."""
    for part in ("performance", "power", "compatibility", "run"):
        fast_section, slow_section = getattr(fast, part), getattr(slow, part)
        assert fast_section.rows == slow_section.rows, context
        for values, slow_values in _as_stored(fast_section.columns, slow_section.columns).values():
            assert values == slow_values, context
    assert fast.test.keys() == slow.test.keys(), context
    for values, slow_values in _as_stored(fast.test, slow.test).values():
        assert values == slow_values, context
    assert (
        dataclasses.replace(
            fast,
            test=slow.test,
            performance=slow.performance,
            power=slow.power,
            compatibility=slow.compatibility,
            run=slow.run,
        )
        == slow
    ), context


def _as_stored(fast: dict[str, Any], slow: dict[str, Any]) -> dict[str, tuple[list[Any], list[Any]]]:
    """Each column of both as lists; numbers the fast path hands on as Arrow arrays are compared the way they are
    stored (as the array's type)."""
    pairs = {}
    for name, values in fast.items():
        slow_values = slow[name]
        if isinstance(values, pa.Array):
            values, slow_values = values.to_pylist(), pa.array(slow_values, type=values.type).to_pylist()
        pairs[name] = (values, slow_values)
    return pairs


def _clean(i: int) -> dict[str, Any]:
    return {
        "model_name": f"m{i % 3}",
        "hardware_type": "CUDA" if i % 2 else "cpu",
        "device_name": None if i % 2 else "A100",
        "test_type": "inference",
        "status": "Success",
        "success": True,
        "execution_time": 0.5 + i,
        "timestamp": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
        "details": {"precision": "fp16", "i": i, "note": "ü"},
        "performance": {"batch_size": 1 << (i % 4), "average_latency_ms": 1.5, "throughput_items_per_second": 10},
        "compatibility": {"status": " Supported ", "score": 1, "recommended": True},
    }


def test_clean_chunks_take_the_fast_path_and_match() -> None:
    items = [_clean(i) for i in range(50)]
    fast = flatten_clean_chunk(items, now=NOW)
    assert fast is not None
    slow = validate_chunk_per_item(items, 0, now=NOW)
    _assert_same_batch(fast, slow.batch)
    assert fast.hardware["hardware_type"][:2] == ["cpu", "cuda"]
    assert fast.test["details"][0] == '{"precision":"fp16","i":0,"note":"ü"}'


def test_one_bad_item_sends_its_chunk_to_the_per_item_checker_with_its_index() -> None:
    items = [_clean(i) for i in range(10)]
    items[7]["performance"]["batch_size"] = 10**20
    assert flatten_clean_chunk(items, now=NOW) is None
    checked = validate_chunk(items, 100, now=NOW)
    assert checked.problems == {
        107: [
            "performance.batch_size: must be a whole number >= 0 and <= 2147483647 (the column's integer range), "
            "got 100000000000000000000"
        ]
    }
    assert len(checked.batch) == 9


class _FloatSubclass(float):
    pass


class _IntSubclass(int):
    pass


NEAR_MISS_VALUES = [
    True,
    2.5,
    2.0,
    -1,
    -0.0,
    10**20,
    2**31,
    math.nan,
    math.inf,
    b"x",
    5,
    1.7e9,
    np.float64(1.0),
    np.int64(2),
    np.bool_(True),
    # Numbers Arrow converts itself: they must come out as the per-item checker's float() of them.
    np.float32(0.1),
    np.float16(0.5),
    np.uint64(2**64 - 1),
    np.int32(-3),
    Fraction(1, 3),
    _FloatSubclass(2.5),
    _IntSubclass(7),
    "1.5",
    "",
    " ",
    "a\x00b",
    "\ud800",
    Decimal("1"),
    ["fp16"],
    ("a", "b"),
    {"k": 1},
    [1],
    "2025-03-05 19:57:14",
    "not a time",
    datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2025, 3, 30, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),  # in the spring-forward gap
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # its UTC time is before year 1
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),  # and this one's after 9999
]
FIELD_PATHS = [(None, key) for key in TOP_LEVEL_FIELDS] + [
    (section, key) for section, fields in SECTIONS.items() for key in fields
]


@pytest.mark.parametrize(("section", "key"), FIELD_PATHS, ids=lambda p: str(p))
def test_every_field_and_near_miss_value_agrees(section: str | None, key: str) -> None:
    for value in NEAR_MISS_VALUES:
        items = [_clean(i) for i in range(3)]
        (items[1] if section is None else items[1].setdefault(section, {}))[key] = value
        slow = validate_chunk_per_item(items, 0, now=NOW)
        fast = flatten_clean_chunk(items, now=NOW)
        if fast is not None:
            assert not slow.problems, (section, key, value)
            _assert_same_batch(fast, slow.batch, (section, key, value))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_VALUE | MOMENT | st.just(ABSENT), min_size=1, max_size=6))
def test_months_of_covers_every_month_a_store_will_write(times: list[Any]) -> None:
    """The months a PostgreSQL store makes sure of before writing a list include the month of every result it
    will write, whatever the times look like (aware, naive, text, epoch seconds, missing, invalid)."""
    items = [{"model_name": "m", "hardware_type": "cpu", "test_type": "t"} for _ in times]
    for item, moment in zip(items, times, strict=True):
        if moment is not ABSENT:
            item["timestamp"] = moment
    written = validate_chunk_per_item(items, 0, now=NOW).batch.test["timestamp"]
    assert {month_start(moment) for moment in written} <= months_of(items, now=NOW)


def test_months_of_takes_each_time_in_utc() -> None:
    """Arrow's conversion (all datetimes) and the item-by-item one (anything else) agree on boundary cases."""
    times = [
        datetime(2026, 2, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),  # 2026-01-31 22:30 UTC
        datetime(2026, 3, 31, 23, 30),  # naive: UTC already
        datetime(2026, 4, 30, 20, 0, tzinfo=ZoneInfo("America/New_York")),  # 2026-05-01 00:00 UTC
        None,  # stored at ``now``
    ]
    expected = {datetime(2026, 1, 1), datetime(2026, 3, 1), datetime(2026, 5, 1), datetime(NOW.year, NOW.month, 1)}
    as_datetimes = [{"timestamp": moment} for moment in times]
    assert months_of(as_datetimes, now=NOW) == expected
    as_text = [{"timestamp": None if moment is None else moment.isoformat()} for moment in times]
    assert months_of([*as_text, {"timestamp": "not a time"}, "not a dict"], now=NOW) == expected
