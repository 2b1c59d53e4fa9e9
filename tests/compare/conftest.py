"""Runs to compare, stored through the public API (both engines via the ``engine`` fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from accel_orm.ingest import store_results

WHEN = datetime(2026, 11, 20, 12)


def perf_result(model: str, latency: float, *, throughput: float | None = None, **performance: Any) -> dict[str, Any]:
    extra = {key: performance.pop(key) for key in ("is_simulated",) if key in performance}
    return {
        "model_name": model,
        "hardware_type": "cuda",
        "device_name": "A100",
        "test_type": "benchmark",
        "timestamp": WHEN,
        "performance": {
            "batch_size": 8,
            "precision": "fp16",
            "average_latency_ms": latency,
            "throughput_items_per_second": throughput if throughput is not None else 1000.0 / latency,
            **performance,
        },
        **extra,
    }


def store_run(engine: Engine, commit: str, results: list[dict[str, Any]], *, day: int = 0) -> int:
    run = {"git_commit": commit, "git_branch": "main", "started_at": WHEN + timedelta(days=day)}
    return store_results(engine, results, run=run).run_ids[0]
