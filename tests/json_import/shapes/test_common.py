"""Timestamp notations, latency statistics and result clean-up shared by every parser."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta, timezone

import pytest

from accel_orm.json_import.shapes.common import (
    finalize_result,
    latency_stats_ms,
    normalize_hardware,
    parse_timestamp,
    timestamp_from_name,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20250305_195301", datetime(2025, 3, 5, 19, 53, 1, tzinfo=UTC)),
        ("2025-03-05T19:57:13.297083", datetime(2025, 3, 5, 19, 57, 13, 297083, tzinfo=UTC)),
        ("2025-03-05T21:57:13+02:00", datetime(2025, 3, 5, 19, 57, 13, tzinfo=UTC)),
        ("2025-03-05T19:57:13Z", datetime(2025, 3, 5, 19, 57, 13, tzinfo=UTC)),
        (1741232337, datetime(2025, 3, 6, 3, 38, 57, tzinfo=UTC)),
        ("1741232337", datetime(2025, 3, 6, 3, 38, 57, tzinfo=UTC)),
        (1741232337000, datetime(2025, 3, 6, 3, 38, 57, tzinfo=UTC)),
        (datetime(2025, 3, 5, 12, 0, tzinfo=timezone(timedelta(hours=-5))), datetime(2025, 3, 5, 17, 0, tzinfo=UTC)),
        ("yesterday", None),
        ("20251399_000000", None),
        (True, None),
        # One epoch window with ingest (1970-01-01 .. 2200-01-01); beyond it, milliseconds up to the same bound.
        (12, datetime(1970, 1, 1, 0, 0, 12, tzinfo=UTC)),
        (-12, None),
        (7_258_118_400_001, None),
        (None, None),
    ],
)
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


def test_timestamp_from_name() -> None:
    assert timestamp_from_name("benchmark_bert_cpu_20250305_195714.json") == datetime(
        2025, 3, 5, 19, 57, 14, tzinfo=UTC
    )
    assert timestamp_from_name("whisper_firefox_vs_chrome_1741232337.json") == datetime(
        2025, 3, 6, 3, 38, 57, tzinfo=UTC
    )
    assert timestamp_from_name("result.json") is None


def test_latency_stats_match_inclusive_quantiles() -> None:
    samples = [12.0, 3.5, 7.25, 40.0, 9.0, 11.0, 2.0]
    stats, dropped = latency_stats_ms([*samples, float("nan"), -1, "x"])
    quantiles = statistics.quantiles(samples, n=100, method="inclusive")
    assert dropped == 3
    assert stats["average_latency_ms"] == pytest.approx(statistics.fmean(samples))
    assert stats["p50_latency_ms"] == pytest.approx(statistics.median(samples))
    assert stats["p90_latency_ms"] == pytest.approx(quantiles[89])
    assert stats["p99_latency_ms"] == pytest.approx(quantiles[98])
    assert latency_stats_ms([]) == ({}, 0)


@pytest.mark.parametrize(
    ("label", "expected"), [("CUDA", "cuda"), ("WebGPU", "webgpu"), ("cuda:0", "cuda"), ("apple", "mps")]
)
def test_normalize_hardware(label: str, expected: str) -> None:
    assert normalize_hardware(label) == expected


def test_finalize_is_idempotent_and_drops_bad_values() -> None:
    raw = {
        "model_name": "m",
        "hardware_type": "ROCm",
        "test_type": "benchmark",
        "timestamp": "20250101_000000",
        "execution_time": -3,
        "performance": {"batch_size": 2.0, "sequence_length": 1.5, "average_latency_ms": None},
        "compatibility": {"status": "great", "score": 1.5, "recommended": True},
        "details": {"x": float("inf"), "y": None, "z": (1, 2)},
        "device_name": None,
    }
    once = finalize_result(raw)
    assert once is not None
    assert once["hardware_type"] == "rocm"
    assert once["timestamp"] == "2025-01-01T00:00:00+00:00"
    assert "execution_time" not in once and "device_name" not in once
    assert once["performance"] == {"batch_size": 2}
    assert once["compatibility"] == {"recommended": True}
    assert once["details"]["z"] == [1, 2]
    assert set(once["details"]["dropped_values"]) == {
        "execution_time",
        "performance.sequence_length",
        "compatibility.status",
        "compatibility.score",
        "details.x",
    }
    assert finalize_result(once) == once
    assert finalize_result({"model_name": "m", "hardware_type": "cpu"}) is None
