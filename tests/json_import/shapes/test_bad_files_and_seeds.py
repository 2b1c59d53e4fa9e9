"""Files that are not results never raise; seed files (already in the output format) round-trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accel_orm.json_import.shapes import parse_file, registry

SEED: dict[str, Any] = {
    "model_name": "bert-base-uncased",
    "hardware_type": "cuda",
    "test_type": "benchmark",
    "status": "Success",
    "success": True,
    "execution_time": 12.5,
    "memory_usage": 512.0,
    "timestamp": "2025-03-05T19:57:14.299984+00:00",
    "model_family": "embedding",
    "device_name": "Quadro P4000",
    "memory_capacity": 7.923583984375,
    "performance": {"batch_size": 4, "sequence_length": 128, "average_latency_ms": 18.0, "p99_latency_ms": 25.5},
    "power_metrics": {"power_watts_avg": 80.5, "temperature_celsius_peak": 71.0},
    "details": {"origin": "seed", "optimization_type": "fp16"},
}
SECOND: dict[str, Any] = {
    "model_name": "vit",
    "hardware_type": "webgpu",
    "test_type": "compatibility",
    "timestamp": "2025-03-06T00:00:00+00:00",
    "compatibility": {"status": "limited", "score": 0.5, "recommended": False},
}


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "benchmark_results.json"
    path.write_text('{"timestamp": "20250305_195301", "benchmarks": {')
    result = parse_file(path)
    assert result.results == [] and result.shape is None
    assert result.skip_reason is not None and result.skip_reason.startswith("not valid JSON:")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(content)
    result = parse_file(path)
    assert (result.results, result.shape, result.skip_reason) == ([], None, "empty file")


def test_binary_missing_and_directory(tmp_path: Path) -> None:
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert parse_file(binary).skip_reason.startswith("not valid JSON")
    assert parse_file(tmp_path / "absent.json").skip_reason.startswith("unreadable")
    assert parse_file(tmp_path).skip_reason.startswith("unreadable")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"foo": 1, "bar": [2]}, "unrecognised shape: top-level keys ['bar', 'foo']"),
        ([1, 2, 3], "unrecognised shape: a JSON list of 3 items that are not result dicts"),
        ("just text", "unrecognised shape: top-level JSON str"),
        (42, "unrecognised shape: top-level JSON int"),
        ([], "unrecognised shape: a JSON list of 0 items that are not result dicts"),
    ],
)
def test_unrecognised_shapes(tmp_path: Path, document: Any, reason: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(document))
    assert parse_file(path).skip_reason == reason


def test_unexpected_values_inside_a_known_shape_do_not_raise(tmp_path: Path) -> None:
    path = tmp_path / "direct_benchmark_x_cpu_20250306_174526.json"
    entry = {"latencies_ms": {"a": 1}, "avg_latency_ms": "fast", "throughput_items_per_second": [1]}
    path.write_text(json.dumps({"model": {"x": 1}, "hardware": "cpu", "batch_results": {"1": entry, "2": None}}))
    result = parse_file(path)
    assert result.results == []  # the model name is not a string: the result cannot be stored
    assert result.skip_reason == "direct_benchmark: no results in file"
    assert result.notes == ("result without model_name dropped",)


def test_parser_exception_becomes_skip_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_data: Any, _path: Path) -> Any:
        raise KeyError("batch_size")

    monkeypatch.setattr(registry, "SHAPES", {**registry.SHAPES, "direct_benchmark": broken})
    path = tmp_path / "direct.json"
    path.write_text(json.dumps({"model": "m", "hardware": "cpu", "batch_results": {}}))
    result = parse_file(path)
    assert result.shape == "direct_benchmark"
    assert result.skip_reason == "could not parse as direct_benchmark: KeyError: 'batch_size'"


def test_progress_log_without_failures_is_not_results(tmp_path: Path) -> None:
    path = tmp_path / "benchmark_progress_20250306_150303.json"
    path.write_text(
        json.dumps({"timestamp": "20250306_150303", "completed_benchmarks": [{"x": 1}], "failed_benchmarks": []})
    )
    result = parse_file(path)
    assert result.results == []
    assert result.skip_reason is not None and result.skip_reason.startswith("progress log")


def test_seed_single_dict_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED))
    result = parse_file(path)
    assert result.shape == "seed_results"
    assert result.results == [SEED]
    assert result.skip_reason is None


def test_seed_list_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps([SEED, SECOND]))
    assert parse_file(path).results == [SEED, SECOND]


def test_seed_is_normalised(tmp_path: Path) -> None:
    raw = {
        **SEED,
        "hardware_type": "CUDA",
        "timestamp": "20250305_195714",
        "performance": {"batch_size": 4, "average_latency_ms": float("nan"), "p99_latency_ms": -1.0},
        "memory_usage": float("inf"),
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(raw))  # writes NaN/Infinity literals, as Python's json does
    (result,) = parse_file(path).results
    assert result["hardware_type"] == "cuda"
    assert result["timestamp"] == "2025-03-05T19:57:14+00:00"
    assert result["performance"] == {"batch_size": 4}
    assert "memory_usage" not in result
    assert set(result["details"]["dropped_values"]) == {
        "memory_usage",
        "performance.average_latency_ms",
        "performance.p99_latency_ms",
    }
    json.dumps(result, allow_nan=False)


def test_seed_missing_required_key_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps([SEED, {**SECOND, "model_name": ""}]))
    result = parse_file(path)
    assert result.shape == "seed_results"
    assert result.results == [SEED]
    assert any("without model_name" in note for note in result.notes)
