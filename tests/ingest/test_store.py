"""TestResultsDBHandler.store_test_result(s): validated, atomic, get-or-create, UTC, details kept, on both engines."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import Engine, func, select

from accel_orm import (
    HardwareCompatibility,
    HardwarePlatform,
    InvalidResultError,
    Model,
    PerformanceResult,
    PowerMetric,
    TestResult,
    TestResultsDBHandler,
    session_scope,
)

WHEN = datetime(2025, 3, 5, 19, 57, 14)


def result(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model_name": "bert-base-uncased",
        "hardware_type": "cuda",
        "test_type": "inference",
        "status": "Success",
        "success": True,
        "execution_time": 1.25,
        "memory_usage": 2048.5,
        "timestamp": WHEN.isoformat(),
        "details": {"batch_size": 16, "sequence_length": 128},
    }
    base.update(overrides)
    return base


@pytest.fixture
def handler(db_url: str) -> TestResultsDBHandler:
    with TestResultsDBHandler(db_url=db_url) as handler:
        yield handler


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            entity.__tablename__: session.scalar(select(func.count()).select_from(entity)) or 0
            for entity in (Model, HardwarePlatform, TestResult, PerformanceResult, PowerMetric, HardwareCompatibility)
        }


# --- the seed's examples --------------------------------------------------------------------------------------------


def test_seed_examples_store_and_link(handler: TestResultsDBHandler) -> None:
    basic = result()
    assert handler.store_test_result(basic) is True
    with_perf = result(
        performance={
            "batch_size": 16,
            "sequence_length": 128,
            "average_latency_ms": 5.23,
            "throughput_items_per_second": 305.9,
            "memory_peak_mb": 3175.2,
        }
    )
    assert handler.store_test_result(with_perf) is True
    with_power = result(
        hardware_type="qualcomm",
        power_metrics={
            "power_watts_avg": 3.2,
            "power_watts_peak": 5.7,
            "temperature_celsius_avg": 42.5,
            "temperature_celsius_peak": 52.1,
            "battery_impact_mah": 125.3,
            "test_duration_seconds": 300.0,
            "estimated_runtime_hours": 4.3,
        },
    )
    assert handler.store_test_result(with_power) is True
    assert counts(handler.engine) == {
        "models": 1,
        "hardware_platforms": 2,
        "test_results": 3,
        "performance_results": 1,
        "power_metrics": 1,
        "hardware_compatibility": 0,
    }
    with session_scope(handler.engine) as session:
        perf = session.scalars(select(PerformanceResult)).one()
        assert perf.test_result.details == {"batch_size": 16, "sequence_length": 128}
        assert perf.test_timestamp == WHEN
        assert perf.model.model_name == "bert-base-uncased"
        power = session.scalars(select(PowerMetric)).one()
        assert power.test_result.hardware.hardware_type == "qualcomm"
        assert power.battery_impact_mah == 125.3
        assert power.test_timestamp == WHEN
        tests = session.scalars(select(TestResult).order_by(TestResult.id)).all()
        assert [t.test_date for t in tests] == ["2025-03-05"] * 3


# --- validation -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"model_name": None}, "model_name: required, missing"),
        ({"hardware_type": "  "}, "hardware_type: required, empty"),
        ({"test_type": 3}, "test_type: must be a string, got int 3"),
        ({"execution_time": -5.0}, "execution_time: must be a finite number >= 0, got -5.0"),
        ({"memory_usage": float("nan")}, "memory_usage: must be a finite number >= 0, got nan"),
        ({"memory_usage": float("inf")}, "memory_usage: must be a finite number >= 0, got inf"),
        ({"execution_time": "fast"}, "execution_time: must be a finite number >= 0, got 'fast'"),
        ({"execution_time": True}, "execution_time: must be a finite number >= 0, got True"),
        ({"success": "yes"}, "success: must be true or false, got 'yes'"),
        ({"timestamp": "yesterday"}, "timestamp: must be an ISO-8601 time, got 'yesterday'"),
        ({"timestamp": [2025]}, "timestamp: must be an ISO-8601 time, a datetime or epoch seconds, got [2025]"),
        (
            {"timestamp": "0001-01-01T00:00:00+05:00"},
            "timestamp: '0001-01-01T00:00:00+05:00' is out of range once converted to UTC",
        ),
        ({"details": ["a"]}, "details: must be a JSON object (dict), got list"),
        ({"details": {"s": {1, 2}}}, "details: not JSON-serialisable"),
        ({"details": {"x": float("nan")}}, "details: not JSON-serialisable"),
        (
            {"performance": {"average_latency_ms": -5.0}},
            "performance.average_latency_ms: must be a finite number >= 0, got -5.0",
        ),
        ({"performance": {"batch_size": 2.5}}, "performance.batch_size: must be a whole number >= 0, got 2.5"),
        ({"performance": "fast"}, "performance: must be an object (dict), got str"),
        ({"power_metrics": {"power_watts_avg": -1}}, "power_metrics.power_watts_avg: must be a finite number >= 0"),
        ({"compatibility": {"score": 1.5}}, "compatibility.score: must be a finite number between 0 and 1, got 1.5"),
        (
            {"compatibility": {"status": "maybe"}},
            "compatibility.status: must be one of supported, limited, unsupported, got 'maybe'",
        ),
        ({"compute_units": -3}, "compute_units: must be a whole number >= 0, got -3"),
    ],
)
def test_invalid_results_are_rejected_with_the_field_and_the_problem(
    handler: TestResultsDBHandler, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidResultError) as raised:
        handler.store_test_result(result(**overrides))
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert counts(handler.engine)["test_results"] == 0


def test_every_problem_of_every_item_is_listed_with_its_index(handler: TestResultsDBHandler) -> None:
    batch = [result() for _ in range(60)]
    batch[3] = result(execution_time=-1.0, model_name="")
    batch[57] = result(performance={"average_latency_ms": -5.0, "throughput_items_per_second": "fast"})
    with pytest.raises(InvalidResultError) as raised:
        handler.store_test_results(batch)
    problems = raised.value.problems
    assert "[3] execution_time: must be a finite number >= 0, got -1.0" in problems
    assert "[3] model_name: required, empty" in problems
    assert "[57] performance.average_latency_ms: must be a finite number >= 0, got -5.0" in problems
    assert "[57] performance.throughput_items_per_second: must be a finite number >= 0, got 'fast'" in problems
    assert len(problems) == 4
    assert "2 of 60 test result(s) are invalid; nothing was written" in str(raised.value)


def test_a_rejected_batch_writes_nothing_even_when_the_bad_item_comes_late(handler: TestResultsDBHandler) -> None:
    handler.store_test_result(result(model_name="already-there"))
    before = counts(handler.engine)

    def generated() -> Any:
        for i in range(250):
            yield result(
                model_name=f"m{i}",
                execution_time=-1.0 if i == 240 else 1.0,
                performance={"batch_size": 1, "throughput_items_per_second": 10.0},
            )

    with pytest.raises(InvalidResultError, match=r"\[240\] execution_time"):
        handler.store_test_results(generated(), chunk_size=50)  # chunks 0-3 are valid and were written first
    assert counts(handler.engine) == before


def test_non_dict_items(handler: TestResultsDBHandler) -> None:
    with pytest.raises(TypeError, match="must be a dict"):
        handler.store_test_result(["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(InvalidResultError, match=r"\[1\] must be a dict \(a test result\), got str"):
        handler.store_test_results([result(), "oops"])
    with pytest.raises(TypeError, match="iterable of result dicts"):
        handler.store_test_results(result())  # type: ignore[arg-type]


def test_skip_mode_stores_the_valid_items_and_reports_the_rest(handler: TestResultsDBHandler) -> None:
    batch = [result(model_name=f"m{i}") for i in range(10)]
    batch[2]["execution_time"] = -1
    batch[7] = 42
    report = handler.store_test_results(batch, on_error="skip")
    assert (report.stored, report.rejected) == (8, 2)
    assert [error.index for error in report.errors] == [2, 7]
    assert report.errors[0].problems == ["execution_time: must be a finite number >= 0, got -1"]
    assert counts(handler.engine)["test_results"] == 8
    with session_scope(handler.engine) as session:
        names = set(session.scalars(select(Model.model_name)))
    assert names == {f"m{i}" for i in range(10)} - {"m2", "m7"}


def test_on_error_must_be_known(handler: TestResultsDBHandler) -> None:
    with pytest.raises(ValueError, match="on_error must be 'raise' or 'skip'"):
        handler.store_test_results([result()], on_error="ignore")  # type: ignore[arg-type]


# --- dimensions -----------------------------------------------------------------------------------------------------


def test_models_and_hardware_are_found_or_created_once(handler: TestResultsDBHandler) -> None:
    batch = [
        result(hardware_type=t, device_name=d)
        for t, d in [("CUDA", "A100"), ("cuda", "A100"), ("cpu", None), ("CPU", None), ("tpu", "v5e"), ("xpu", None)]
    ]
    handler.store_test_results(batch)
    handler.store_test_results(batch)
    handler.store_test_result(result(hardware_type=" Cpu "))
    with session_scope(handler.engine) as session:
        hardware = session.execute(
            select(HardwarePlatform.hardware_type, HardwarePlatform.device_name).order_by(
                HardwarePlatform.hardware_type
            )
        ).all()
        assert [tuple(row) for row in hardware] == [("cpu", None), ("cuda", "A100"), ("tpu", "v5e"), ("xpu", None)]
        assert session.scalar(select(func.count()).select_from(Model)) == 1
        assert session.scalar(select(func.count()).select_from(TestResult)) == 13


def test_later_facts_fill_in_blanks_without_overwriting(handler: TestResultsDBHandler) -> None:
    handler.store_test_result(result(model_family="text_embedding"))
    handler.store_test_result(
        result(
            model_family="something-else",
            model_size="base",
            parameters_million=110.0,
            device_name=None,
            memory_capacity=80.0,
            compute_units=108,
        )
    )
    with session_scope(handler.engine) as session:
        model = session.scalars(select(Model)).one()
        assert (model.model_family, model.model_size, model.parameters_million) == ("text_embedding", "base", 110.0)
        hardware = session.scalars(select(HardwarePlatform)).one()
        assert (hardware.memory_capacity, hardware.compute_units) == (80.0, 108)


def test_strings_are_data(handler: TestResultsDBHandler) -> None:
    evil = "x'); DROP TABLE models; --"
    handler.store_test_result(
        result(
            model_name=evil,
            error_message="'; DELETE FROM test_results; --",
            details={"note": '"quoted" \' and \\ backslash'},
        )
    )
    with session_scope(handler.engine) as session:
        stored = session.scalars(select(TestResult)).one()
        assert stored.model.model_name == evil
        assert stored.error_message == "'; DELETE FROM test_results; --"
        assert stored.details == {"note": '"quoted" \' and \\ backslash'}


# --- timestamps, details, status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2025-03-05T19:57:14", WHEN),
        ("2025-03-05T21:57:14+02:00", WHEN),
        ("2025-03-05T19:57:14Z", WHEN),
        ("2025-03-05 19:57:14.250000", WHEN + timedelta(milliseconds=250)),
        (datetime(2025, 3, 5, 14, 57, 14, tzinfo=timezone(timedelta(hours=-5))), WHEN),
        (WHEN, WHEN),
        (WHEN.replace(tzinfo=UTC).timestamp(), WHEN),
        (int(WHEN.replace(tzinfo=UTC).timestamp()), WHEN),
        (np.float64(WHEN.replace(tzinfo=UTC).timestamp()), WHEN),
    ],
)
def test_timestamps_are_stored_as_utc(handler: TestResultsDBHandler, given: Any, stored: datetime) -> None:
    handler.store_test_result(result(timestamp=given))
    with session_scope(handler.engine) as session:
        row = session.scalars(select(TestResult)).one()
        assert row.timestamp == stored
        assert row.test_date == stored.date().isoformat()


def test_test_date_is_the_utc_day_for_any_year(handler: TestResultsDBHandler) -> None:
    moments = [
        datetime(1, 1, 1),
        datetime(999, 12, 31, 23, 59, 59),
        datetime(1969, 12, 31, 23, 59, 59, 999999),  # just before the epoch: the day must not round up
        datetime(1970, 1, 1),
        datetime(2024, 2, 29, 12),
        datetime(9999, 12, 31, 23, 59, 59, 999999),
    ]
    handler.store_test_results([result(timestamp=moment) for moment in moments])
    with session_scope(handler.engine) as session:
        rows = session.scalars(select(TestResult).order_by(TestResult.timestamp)).all()
        assert [(row.timestamp, row.test_date) for row in rows] == [(m, m.date().isoformat()) for m in moments]


def test_timestamp_defaults_to_now_utc(handler: TestResultsDBHandler) -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    handler.store_test_result({k: v for k, v in result().items() if k != "timestamp"})
    after = datetime.now(UTC).replace(tzinfo=None)
    with session_scope(handler.engine) as session:
        assert before <= session.scalar(select(TestResult.timestamp)) <= after


def test_unknown_keys_are_kept_in_details(handler: TestResultsDBHandler) -> None:
    handler.store_test_result(
        result(
            details={"a": 1},
            browser="firefox",
            optimization_type="compute_shaders",
            performance={"batch_size": 1, "kernel": "flash"},
        )
    )
    with session_scope(handler.engine) as session:
        details = session.scalar(select(TestResult.details))
    assert details == {
        "a": 1,
        "browser": "firefox",
        "optimization_type": "compute_shaders",
        "performance_extra": {"kernel": "flash"},
    }


def test_status_and_success_fill_each_other(handler: TestResultsDBHandler) -> None:
    handler.store_test_results(
        [
            {k: v for k, v in result(success=False).items() if k != "status"},
            {k: v for k, v in result(status="Failed").items() if k != "success"},
            result(status="Weird", success=None),
        ]
    )
    with session_scope(handler.engine) as session:
        rows = session.execute(select(TestResult.status, TestResult.success).order_by(TestResult.id)).all()
    assert [tuple(r) for r in rows] == [("Failed", False), ("Failed", False), ("Weird", None)]


def test_numpy_numbers_are_accepted(handler: TestResultsDBHandler) -> None:
    handler.store_test_result(
        result(
            execution_time=np.float32(1.5),
            performance={"batch_size": np.int64(8), "throughput_items_per_second": np.float64(123.25)},
        )
    )
    with session_scope(handler.engine) as session:
        perf = session.scalars(select(PerformanceResult)).one()
        assert (perf.batch_size, perf.throughput_items_per_second) == (8, 123.25)
        assert session.scalar(select(TestResult.execution_time)) == 1.5


def test_compatibility_verdict_newest_wins(handler: TestResultsDBHandler) -> None:
    handler.store_test_results(
        [
            result(timestamp="2025-03-02T00:00:00", compatibility={"status": "limited", "score": 0.5}),
            result(
                timestamp="2025-03-04T00:00:00", compatibility={"status": "Supported", "score": 1, "recommended": True}
            ),
            result(timestamp="2025-03-03T00:00:00", compatibility={"status": "unsupported", "score": 0}),
        ]
    )
    handler.store_test_result(result(timestamp="2025-03-01T00:00:00", compatibility={"status": "unsupported"}))
    with session_scope(handler.engine) as session:
        verdict = session.scalars(select(HardwareCompatibility)).one()
    assert (verdict.compatibility_status, verdict.compatibility_score, verdict.recommended) == ("supported", 1.0, True)
    assert verdict.last_tested == datetime(2025, 3, 4)


def test_a_newer_verdict_without_a_score_clears_the_older_score(handler: TestResultsDBHandler) -> None:
    """The writers leave all-NULL columns out of their statements; the upsert must still store the NULL."""
    handler.store_test_result(
        result(timestamp="2025-03-02T00:00:00", compatibility={"status": "limited", "score": 0.5})
    )
    handler.store_test_result(result(timestamp="2025-03-03T00:00:00", compatibility={"status": "supported"}))
    with session_scope(handler.engine) as session:
        verdict = session.scalars(select(HardwareCompatibility)).one()
    assert (verdict.compatibility_status, verdict.compatibility_score, verdict.recommended) == ("supported", None, None)


@pytest.mark.parametrize("one_by_one", [False, True], ids=["chunks of one", "store_test_result"])
def test_fields_no_result_of_a_chunk_gives_are_stored_as_null_or_their_default(
    handler: TestResultsDBHandler, one_by_one: bool
) -> None:
    """A chunk (or a single result) naming no optional field stores NULL there, and the column's own default
    where it has one (``is_simulated``), exactly as one that names them. The writers leave such all-NULL columns
    out of their statements."""
    named = result(
        error_message="warm-up skipped",
        is_simulated=True,
        simulation_reason="no device",
        performance={"batch_size": 4, "precision": "fp16", "sample_count": 30},
    )
    unnamed = result(performance={"batch_size": 8})
    if one_by_one:
        for item in (unnamed, named, unnamed):
            handler.store_test_result(item)
    else:
        handler.store_test_results([unnamed, named, unnamed], chunk_size=1)
    with session_scope(handler.engine) as session:
        tests = session.execute(
            select(TestResult.error_message, TestResult.is_simulated, TestResult.simulation_reason).order_by(
                TestResult.id
            )
        ).all()
        perf = session.execute(
            select(
                PerformanceResult.precision,
                PerformanceResult.sample_count,
                PerformanceResult.is_simulated,
                PerformanceResult.power_watts,
            ).order_by(PerformanceResult.id)
        ).all()
    assert [tuple(row) for row in tests] == [
        (None, False, None),
        ("warm-up skipped", True, "no device"),
        (None, False, None),
    ]
    assert [tuple(row) for row in perf] == [
        (None, None, False, None),
        ("fp16", 30, True, None),
        (None, None, False, None),
    ]


def test_non_atomic_streams_commit_chunk_by_chunk(handler: TestResultsDBHandler) -> None:
    def generated() -> Any:
        for i in range(250):
            yield result(model_name=f"m{i}", execution_time=-1.0 if i in (120, 240) else 1.0)

    with pytest.raises(InvalidResultError, match=r"\[120\] execution_time") as raised:
        handler.store_test_results(generated(), chunk_size=50, atomic=False)
    assert "the 100 result(s) of earlier chunks were stored" in str(raised.value)
    assert counts(handler.engine)["test_results"] == 100  # chunks 0-1; nothing of chunk 2 (items 100-149)
    report = handler.store_test_results(generated(), chunk_size=50, atomic=False, on_error="skip")
    assert (report.stored, report.rejected) == (248, 2)
    assert counts(handler.engine)["test_results"] == 348


def test_a_refused_store_longer_than_a_duckdb_row_group_leaves_nothing_behind(tmp_path: Path) -> None:
    """accel_orm's DuckDB connections have each full row group (122,880 rows) of a long transaction written to
    the file before COMMIT (``write_buffer_row_group_count = 1``). When a later chunk is refused, what was
    written early is rolled back with the rest: nothing is stored, the file reopens sound, and the same
    results, fixed, are then stored in full."""
    # Seven valid chunks (140,000 rows per fact table) are written before the bad one is read: the file grows by
    # the row group DuckDB writes early (measured: 1 MiB; nothing with DuckDB's default of five).
    count = 150_000

    def generated(bad: int | None) -> Any:
        for i in range(count):
            yield result(
                execution_time=-1.0 if i == bad else i / 1000,  # values that vary, as real ones do
                performance={"batch_size": 1 + i % 8, "throughput_items_per_second": 1e4 / (1 + i % 997)},
            )

    path = tmp_path / "long.duckdb"
    with TestResultsDBHandler(db_path=path) as handler, pytest.raises(InvalidResultError, match=r"\[149999\] exec"):
        handler.store_test_results(generated(count - 1))
    with TestResultsDBHandler(db_path=path) as handler:
        after_refusal = counts(handler.engine)
        assert (after_refusal["test_results"], after_refusal["performance_results"]) == (0, 0)
        assert handler.store_test_results(generated(None)).stored == count
    with TestResultsDBHandler(db_path=path) as handler:
        stored = counts(handler.engine)
    assert (stored["test_results"], stored["performance_results"]) == (count, count)


def test_a_one_transaction_store_lets_go_of_each_chunks_arrow_tables(handler: TestResultsDBHandler) -> None:
    """Memory stays flat while one transaction stores chunk after chunk: the Arrow tables a written chunk was sent
    in are freed before the next chunk, not at COMMIT. (DuckDB kept every table handed over with ``register()``
    until the transaction ended: 150 KiB more per chunk of 2,000 results here, ~160 MiB for a million.)"""
    results = [
        result(model_name=f"m{i % 5}", execution_time=0.1 * i, performance={"average_latency_ms": 1.0 + i})
        for i in range(20_000)
    ]
    held: list[int] = []
    handler.store_test_results(results, chunk_size=2000, progress=lambda _: held.append(pa.total_allocated_bytes()))
    assert len(held) == 10
    assert max(held) - held[0] < 32 * 1024, [size >> 10 for size in held]  # KiB: flat, not growing by a chunk


class _Referenced(dict):  # type: ignore[type-arg] - a result dict that a weak reference can watch
    __slots__ = ("__weakref__",)


@pytest.mark.parametrize("atomic", [True, False], ids=["one transaction", "chunk by chunk"])
def test_a_generators_results_are_freed_before_the_next_chunk_is_read(
    handler: TestResultsDBHandler, atomic: bool
) -> None:
    """A long generator costs one chunk of dicts at a time: when the generator makes the first result of a chunk,
    nothing holds the dicts of the chunk before it any more (only what was taken from them is kept)."""
    chunk_size = 50
    watched: list[weakref.ref[_Referenced]] = []
    still_held: list[int] = []

    def generated() -> Any:
        for i in range(4 * chunk_size):
            if i and i % chunk_size == 0:
                gc.collect()
                still_held.append(sum(ref() is not None for ref in watched))
                watched.clear()
            item = _Referenced(result(model_name=f"m{i % 3}", execution_time=float(i)))
            watched.append(weakref.ref(item))
            yield item
            del item  # this generator's own reference

    report = handler.store_test_results(generated(), chunk_size=chunk_size, atomic=atomic)
    assert report.stored == 4 * chunk_size
    assert still_held == [0, 0, 0]


@pytest.mark.parametrize("chunk_size", [7, 500], ids=["small chunks", "chunks with Arrow-encoded keys"])
@pytest.mark.parametrize("new_models", [3, 40], ids=["few new rows", "many new rows"])
def test_every_result_links_to_its_own_model_and_hardware_across_chunks(
    handler: TestResultsDBHandler, new_models: int, chunk_size: int
) -> None:
    """Models and hardware created a few or many at a time, one statement per chunk, and remembered between
    chunks, their keys found with a dict (small chunks) or Arrow's dictionary encoding: each stored result still
    points at the model and hardware it named."""
    devices = [None, "A100", "H100", "  "]  # a blank device name is no device name
    results = [
        result(
            model_name=f"model-{i % new_models}",
            hardware_type=("cuda", "CPU", "rocm")[i % 3],
            device_name=devices[i % 4],
            execution_time=float(i),
        )
        for i in range(25 * new_models)
    ]
    handler.store_test_results(results, chunk_size=chunk_size)
    with session_scope(handler.engine) as session:
        stored = session.execute(
            select(
                TestResult.execution_time,
                Model.model_name,
                HardwarePlatform.hardware_type,
                HardwarePlatform.device_name,
            )
            .join(Model, TestResult.model_id == Model.model_id)
            .join(HardwarePlatform, TestResult.hardware_id == HardwarePlatform.hardware_id)
        ).all()
        hardware_rows = session.scalar(select(func.count()).select_from(HardwarePlatform))
    expected = {
        float(i): (f"model-{i % new_models}", ("cuda", "cpu", "rocm")[i % 3], (None, "A100", "H100", None)[i % 4])
        for i in range(25 * new_models)
    }
    assert {time: (model, kind, device) for time, model, kind, device in stored} == expected
    assert hardware_rows == len(set(expected_hardware[1:] for expected_hardware in expected.values()))
