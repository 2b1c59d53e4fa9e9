"""What ``accel-orm demo`` plants is what the change detector finds: each planted step, at its time, its way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from accel_orm.api import TestResultsDBHandler
from accel_orm.changes import changes_frame
from accel_orm.demo_data import BATCH_SIZES, generate_history, injected_changes

END = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAYS = 21


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    handler = TestResultsDBHandler(db_path=path)
    handler.store_test_results(generate_history(days=DAYS, end=END))
    yield handler.engine
    handler.close()


def _first_run_after_the_change() -> datetime:
    """The demo multiplies every result from ``end - 7 days`` on; runs are at 02:00 and 14:00 from ``start``."""
    end = END.replace(tzinfo=None)
    start, change_from = end - timedelta(days=DAYS), end - timedelta(days=7)
    runs = (start + timedelta(days=d, hours=2 + 12 * r) for d in range(DAYS) for r in range(2))
    return min(moment for moment in runs if moment >= change_from)


@pytest.mark.parametrize("metric", ["throughput", "latency"])
def test_the_planted_changes_are_the_changes_found(demo_engine: Engine, metric: str) -> None:
    frame = changes_frame(demo_engine, metric)
    found = {
        (row.model_name, row.hardware_type, row.device_name, int(row.batch_size)): (
            row.timestamp.to_pydatetime(),
            row.direction,
        )
        for row in frame.itertuples()
    }
    expected = {
        (*key, batch): (_first_run_after_the_change(), "regression" if factor < 1 else "improvement")
        for key, factor in injected_changes().items()
        for batch in BATCH_SIZES
    }
    assert found == expected
    assert len(frame) == len(expected), "one change per planted series, nothing else"
