"""performance, model_comparison, hardware_comparison and trend against the known-answer dataset."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from accel_orm.queries import hardware_comparison, model_comparison, performance, trend

from .conftest import frame, rows
from .dataset import HOSTILE


def test_performance_columns_and_filters(loaded: Engine) -> None:
    result = frame(performance(model_name="t5-small", hardware_type=" CPU ", batch_size=1), loaded)
    assert list(result.columns) == [
        "model_name",
        "hardware_type",
        "device_name",
        "batch_size",
        "sequence_length",
        "average_latency_ms",
        "p50_latency_ms",
        "p90_latency_ms",
        "p99_latency_ms",
        "throughput_items_per_second",
        "memory_peak_mb",
        "power_watts",
        "test_timestamp",
    ]
    assert result["throughput_items_per_second"].tolist() == [100.0, 100.0, 50.0, 50.0]
    assert result["test_timestamp"].tolist() == [
        pd.Timestamp("2025-02-16 12:00"),
        pd.Timestamp("2025-02-17 12:00"),
        pd.Timestamp("2025-02-23 12:00"),
        pd.Timestamp("2025-02-24 12:00"),
    ]
    assert set(result["device_name"]) == {"Intel Xeon"}


def test_performance_batch_size_filter(loaded: Engine) -> None:
    result = frame(performance(model_name="bert-base", hardware_type="qualcomm"), loaded)
    assert sorted(result["batch_size"]) == [1, 1, 4]
    assert frame(performance(model_name="bert-base", hardware_type="qualcomm", batch_size=4), loaded)[
        "throughput_items_per_second"
    ].tolist() == [100.0]


def test_model_comparison(loaded: Engine) -> None:
    assert rows(model_comparison("qualcomm"), loaded) == [
        {
            "model_name": "bert-base",
            "model_family": "text_embedding",
            "avg_throughput": 45.0,
            "avg_latency_ms": 21.0,
            "avg_memory_mb": 600.0,
            "avg_power_watts": 4.5,
            "n": 2,
        },
        {
            "model_name": "t5-small",
            "model_family": "text_generation",
            "avg_throughput": 40.0,
            "avg_latency_ms": 30.0,
            "avg_memory_mb": 900.0,
            "avg_power_watts": 8.0,
            "n": 1,
        },
    ]


def test_model_comparison_all_batch_sizes(loaded: Engine) -> None:
    first = rows(model_comparison("QUALCOMM", batch_size=None), loaded)[0]
    assert (first["model_name"], first["avg_throughput"], first["n"]) == ("bert-base", pytest.approx(190 / 3), 3)


def test_hardware_comparison(loaded: Engine) -> None:
    assert rows(hardware_comparison("t5-small"), loaded) == [
        {
            "hardware_type": "cuda",
            "device_name": "NVIDIA A100",
            "avg_throughput": 200.0,
            "avg_latency_ms": 11.5,
            "avg_memory_mb": 1000.0,
            "avg_power_watts": None,
            "n": 8,
        },
        {
            "hardware_type": "cpu",
            "device_name": "Intel Xeon",
            "avg_throughput": 75.0,
            "avg_latency_ms": 5.0,
            "avg_memory_mb": 1000.0,
            "avg_power_watts": None,
            "n": 4,
        },
        {
            "hardware_type": "qualcomm",
            "device_name": "Snapdragon 8 Gen 3",
            "avg_throughput": 40.0,
            "avg_latency_ms": 30.0,
            "avg_memory_mb": 900.0,
            "avg_power_watts": 8.0,
            "n": 1,
        },
    ]


def test_trend_weekly_buckets(loaded: Engine) -> None:
    # bert-base/cuda batch 1: Jan 6 = 90; week of Feb 10 holds Feb 16 (100); week of Feb 17 holds Feb 17..20
    # (100, 102, 98 after the first 100) and Feb 23 (80); week of Feb 24 holds Feb 24..27 (80, 82, 78).
    result = rows(trend("bert-base", bucket="week", hardware_type="cuda", batch_size=1), loaded)
    assert result == [
        {
            "bucket": pd.Timestamp("2025-01-06"),
            "model_name": "bert-base",
            "hardware_type": "cuda",
            "value": 90.0,
            "n": 1,
        },
        {
            "bucket": pd.Timestamp("2025-02-10"),
            "model_name": "bert-base",
            "hardware_type": "cuda",
            "value": 100.0,
            "n": 1,
        },
        {
            "bucket": pd.Timestamp("2025-02-17"),
            "model_name": "bert-base",
            "hardware_type": "cuda",
            "value": 96.0,
            "n": 5,
        },
        {
            "bucket": pd.Timestamp("2025-02-24"),
            "model_name": "bert-base",
            "hardware_type": "cuda",
            "value": 80.0,
            "n": 4,
        },
    ]


def test_trend_monthly_since_and_metric(loaded: Engine) -> None:
    result = rows(trend("bert-base", bucket="month", hardware_type="cuda", batch_size=1), loaded)
    assert [(r["bucket"], r["value"], r["n"]) for r in result] == [
        (pd.Timestamp("2025-01-01"), 90.0, 1),
        (pd.Timestamp("2025-02-01"), 90.0, 10),
    ]
    since = datetime(2025, 2, 1, tzinfo=UTC)
    latency = rows(trend("t5-small", metric="latency", bucket="month", since=since, hardware_type="cuda"), loaded)
    assert [(r["bucket"], r["value"], r["n"]) for r in latency] == [(pd.Timestamp("2025-02-01"), 11.5, 8)]


def test_trend_daily_all_models_skips_rows_without_the_metric(loaded: Engine) -> None:
    result = frame(trend(metric="latency", since=datetime(2025, 3, 1)), loaded)
    # Only edge-model has rows on/after Mar 1, and it has no latency.
    assert result.empty
    assert list(result.columns) == ["bucket", "model_name", "hardware_type", "value", "n"]
    daily = frame(trend(HOSTILE, bucket="day"), loaded)
    assert daily[["value", "n"]].values.tolist() == [[1.0, 1]]
    assert daily["bucket"].dtype.kind == "M"


def test_trend_validates_bucket_and_metric() -> None:
    with pytest.raises(ValueError, match="unknown bucket 'hour': expected one of day, week, month"):
        trend(bucket="hour")
    with pytest.raises(ValueError, match="unknown metric 'fps'"):
        trend(metric="fps")
