"""Property: any result the handler accepts reads back equal (after the documented normalisation)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accel_orm import HardwareCompatibility, Model, TestResult, TestResultsDBHandler, session_scope
from accel_orm.ingest.fields import PERFORMANCE_FIELDS, POWER_FIELDS, Kind
from tests.conftest import ENGINES, fresh_pg_database

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
NAME = TEXT.filter(lambda s: s.strip() != "")
MEASURE = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False) | st.integers(0, 10**9)
NUMBER = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
COUNT = st.integers(min_value=0, max_value=2**31 - 1)
MOMENT = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC) | st.none()
)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | NUMBER | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
KIND_STRATEGY = {
    Kind.MEASURE: MEASURE,
    Kind.NUMBER: NUMBER,
    Kind.COUNT: COUNT,
    Kind.TIME: MOMENT,
    Kind.TEXT: TEXT,
    Kind.FLAG: st.booleans(),
}


def _section(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={key: KIND_STRATEGY[f.kind] for key, f in fields.items()})


RESULTS = st.fixed_dictionaries(
    {
        "hardware_type": st.sampled_from(["cpu", "CUDA", "webgpu", "tpu", " qualcomm "]),
        "test_type": NAME,
    },
    optional={
        "status": TEXT,
        "success": st.booleans(),
        "execution_time": MEASURE,
        "memory_usage": MEASURE,
        "error_message": TEXT,
        "endpoint_type": TEXT,
        "timestamp": MOMENT,
        "details": st.dictionaries(TEXT, JSON_VALUE, max_size=4),
        "device_name": TEXT,
        "model_family": TEXT,
        "parameters_million": MEASURE,
        "performance": _section(PERFORMANCE_FIELDS),
        "power_metrics": _section(POWER_FIELDS),
        "compatibility": st.fixed_dictionaries(
            {},
            optional={
                "status": st.sampled_from(["supported", "limited", "unsupported"]),
                "score": st.floats(0, 1),
                "recommended": st.booleans(),
            },
        ),
    },
)


@pytest.fixture(scope="module", params=ENGINES)
def property_handler(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestResultsDBHandler]:
    if request.param == "duckdb":
        path: Path = tmp_path_factory.mktemp("prop") / "prop.duckdb"
        with TestResultsDBHandler(db_path=path) as handler:
            yield handler
        return
    with fresh_pg_database() as url, TestResultsDBHandler(db_url=url) as handler:
        yield handler


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return actual == expected
    if isinstance(expected, datetime):
        # Databases keep microseconds; compare at that resolution.
        return abs(actual - _utc(expected)) < timedelta(microseconds=1)
    return actual == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=RESULTS)
def test_accepted_results_read_back_equal(property_handler: TestResultsDBHandler, result: dict[str, Any]) -> None:
    result = {**result, "model_name": f"model-{uuid.uuid4()}"}
    property_handler.store_test_result(result)
    with session_scope(property_handler.engine) as session:
        stored = session.scalars(select(TestResult).join(Model).where(Model.model_name == result["model_name"])).one()
        for key in (
            "test_type",
            "status",
            "success",
            "execution_time",
            "memory_usage",
            "error_message",
            "endpoint_type",
        ):
            if key in result:
                assert _close(getattr(stored, key), result[key]), key
        if "timestamp" in result:
            assert _close(stored.timestamp, result["timestamp"])
        assert stored.test_date == stored.timestamp.date().isoformat()
        assert stored.hardware.hardware_type == result["hardware_type"].strip().lower()
        device = result.get("device_name")
        assert stored.hardware.device_name == (device if device and device.strip() else None)
        assert stored.model.model_family == result.get("model_family")
        if result.get("details"):
            assert stored.details == result["details"]
        for section, rows in (("performance", stored.performance_results), ("power_metrics", stored.power_metrics)):
            if section not in result:
                assert rows == []
                continue
            (row,) = rows
            for key, value in result[section].items():
                assert _close(getattr(row, key), value), f"{section}.{key}"
        if "compatibility" in result:
            verdict = session.scalars(
                select(HardwareCompatibility).where(HardwareCompatibility.model_id == stored.model_id)
            ).one()
            assert verdict.compatibility_status == result["compatibility"].get("status")
