"""``direct_benchmark_*.json`` and ``benchmark_<model>_<hw>_<ts>.json``: one result per batch size."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accel_orm.json_import.shapes import ParsedFile, parse_file

DIRECT_TINY = "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json"
DIRECT_BASE = "benchmark_results/direct_benchmark_bert-base-uncased_cpu_20250306_174825.json"
DIRECT_T5 = "benchmark_results/direct_benchmark_google_t5-efficient-tiny_cpu_20250306_174558.json"


def _sorted_percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize(("relative", "batch"), [(DIRECT_TINY, "1"), (DIRECT_TINY, "2"), (DIRECT_BASE, "1")])
def test_direct_percentiles_from_ms_samples(
    fixture_root: Path, parsed: Callable[[str], ParsedFile], relative: str, batch: str
) -> None:
    entry = json.loads((fixture_root / relative).read_text())["batch_results"][batch]
    samples = entry["latencies_ms"]  # already milliseconds in this shape
    (result,) = [r for r in parsed(relative).results if r["performance"]["batch_size"] == int(batch)]
    performance = result["performance"]
    assert performance["average_latency_ms"] == pytest.approx(sum(samples) / len(samples))
    assert performance["average_latency_ms"] == pytest.approx(entry["avg_latency_ms"])
    for name, q in (("p50_latency_ms", 0.5), ("p90_latency_ms", 0.9), ("p99_latency_ms", 0.99)):
        assert performance[name] == pytest.approx(_sorted_percentile(samples, q))
    assert performance["throughput_items_per_second"] == pytest.approx(entry["throughput_items_per_second"])
    assert result["memory_usage"] == pytest.approx(entry["memory_mb"])
    assert datetime.fromisoformat(result["timestamp"]) == datetime.fromisoformat(entry["timestamp"]).replace(tzinfo=UTC)


def test_direct_failed_batch_is_a_failed_result(parsed: Callable[[str], ParsedFile]) -> None:
    (result,) = parsed(DIRECT_T5).results
    # the file says success: true at the top, but its only batch failed
    assert result["success"] is False
    assert result["status"] == "Failed"
    assert result["error_message"] == "You have to specify either decoder_input_ids or decoder_inputs_embeds"
    assert result["model_name"] == "google/t5-efficient-tiny"
    assert result["details"]["batch_size"] == 1
    assert "performance" not in result
    assert result["timestamp"] == "2025-03-06T17:45:58.617142+00:00"


@pytest.mark.parametrize(
    ("relative", "hardware", "expected"),
    [
        # (batch size, latency_ms, throughput, memory_usage_mb) read from each file
        ("benchmark_results/benchmark_bert_cpu_20250305_195714.json", "cpu", [(1, 20, 50, 115), (4, 50, 200, 160)]),
        ("benchmark_results/benchmark_bert_cuda_20250305_195715.json", "cuda", [(1, 12, 100, 110), (4, 18, 400, 140)]),
        (
            "benchmark_results/benchmark_bert_webgpu_20250305_195720.json",
            "webgpu",
            [(1, 15, 75, 112), (4, 30, 300, 148)],
        ),
        ("benchmark_results/benchmark_bert_webnn_20250305_195719.json", "webnn", [(1, 15, 75, 112), (4, 30, 300, 148)]),
    ],
)
def test_model_benchmark_values(
    parsed: Callable[[str], ParsedFile], relative: str, hardware: str, expected: list[tuple[int, int, int, int]]
) -> None:
    results = parsed(relative).results
    got = [
        (
            r["performance"]["batch_size"],
            r["performance"]["average_latency_ms"],
            r["performance"]["throughput_items_per_second"],
            r["memory_usage"],
        )
        for r in results
    ]
    assert got == expected
    for result in results:
        assert result["hardware_type"] == hardware  # "CPU"/"WebGPU" in the file's display label
        assert result["model_name"] == "bert-base-uncased"
        assert result["model_type"] == "bert"
        assert result["model_family"] == "embedding"
        assert result["test_type"] == "benchmark"
        assert result["success"] is True
        assert datetime.fromisoformat(result["timestamp"]).tzinfo is not None


def test_model_benchmark_failed_batch(tmp_path: Path, fixture_root: Path) -> None:
    raw = json.loads((fixture_root / "benchmark_results/benchmark_bert_cpu_20250305_195714.json").read_text())
    raw["batch_sizes"]["4"] = {"success": False, "error": "Timeout after 600 s", "command": "python ..."}
    path = tmp_path / "benchmark_bert_cpu_20250305_195714.json"
    path.write_text(json.dumps(raw))
    failed = parse_file(path).results[1]
    assert failed["success"] is False
    assert failed["error_message"] == "Timeout after 600 s"
    assert failed["details"]["batch_size"] == 4
    assert "performance" not in failed
