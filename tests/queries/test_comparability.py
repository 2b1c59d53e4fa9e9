"""The comparability key includes precision and test case; simulated results stay out of regressions by default."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from accel_orm.frames import to_frame
from accel_orm.ingest import store_results
from accel_orm.queries import regressions
from accel_orm.queries._common import COMPARABILITY_KEY, COMPARABILITY_KEY_NAMES

AS_OF = datetime(2026, 11, 20)


def _history(precision: str, latencies: tuple[float, float], **extra: Any) -> list[dict[str, Any]]:
    """Five results in the previous window at latencies[0], five in the current at latencies[1]."""
    results = []
    for days_ago, latency in [(d, latencies[0]) for d in range(8, 13)] + [(d, latencies[1]) for d in range(1, 6)]:
        results.append(
            {
                "model_name": "bert",
                "hardware_type": "cuda",
                "test_type": "benchmark",
                "timestamp": AS_OF - timedelta(days=days_ago, hours=1),
                "performance": {
                    "batch_size": 1,
                    "precision": precision,
                    "average_latency_ms": latency + days_ago * 0.01,
                },
                **extra,
            }
        )
    return results


def _flagged(engine: Engine, **options: Any) -> set[tuple[str, bool]]:
    stmt = regressions(metric="latency", as_of=AS_OF, method="mean", **options)
    found = to_frame(stmt, engine)
    return {(row.precision, bool(row.is_regression)) for row in found.itertuples()}


def test_precision_is_part_of_the_key(engine: Engine) -> None:
    # fp16 got 50% slower; fp32 stayed put. Were precision not in the key they would be one pooled series.
    store_results(engine, [*_history("fp16", (10.0, 15.0)), *_history("fp32", (20.0, 20.0))], run=False)
    assert _flagged(engine) == {("fp16", True), ("fp32", False)}


def test_simulated_results_are_excluded_unless_asked_for(engine: Engine) -> None:
    store_results(engine, _history("int8", (10.0, 30.0), is_simulated=True), run=False)
    assert _flagged(engine) == set()
    assert _flagged(engine, include_simulated=True) == {("int8", True)}


def test_key_names_follow_the_key() -> None:
    ids = [column.key for column in COMPARABILITY_KEY]
    assert ids[:2] == ["model_id", "hardware_id"]
    assert ids[2:] == list(COMPARABILITY_KEY_NAMES[3:])
