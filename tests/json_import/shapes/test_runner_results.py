"""The hardware benchmark runner's ``benchmark_results.json``: seconds to ms, percentiles, failures, devices."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from accel_orm.json_import.shapes import ParsedFile, parse_file

from .conftest import RUN

EMBEDDING = f"{RUN}/performance/embedding/20250305_195316/20250305_195321/benchmark_results.json"
AUDIO = f"{RUN}/performance/audio/20250305_202656/20250305_202703/benchmark_results.json"
MULTIMODAL = f"{RUN}/performance/multimodal/20250305_214809/20250305_214814/benchmark_results.json"
VISION = f"{RUN}/performance/vision/20250305_215047/20250305_215053/benchmark_results.json"


def _raw(fixture_root: Path, relative: str) -> dict[str, Any]:
    return json.loads((fixture_root / relative).read_text())


def _find(parsed: ParsedFile, model: str, config_key: str) -> dict[str, Any]:
    matches = [r for r in parsed.results if r["model_name"] == model and r["details"].get("config_key") == config_key]
    assert len(matches) == 1
    return matches[0]


def _percentile(samples: list[float], q: float) -> float:
    """Linear-interpolation percentile computed by hand from the sorted samples (independent of numpy)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize(
    ("relative", "model", "config_key"),
    [
        (EMBEDDING, "bert-base-uncased", "batch_1_seq_32"),
        (EMBEDDING, "roberta-base", "batch_8_seq_512"),
        (MULTIMODAL, "openai/clip-vit-base-patch32", "batch_4"),
        (VISION, "microsoft/resnet-50", "batch_8_img_384x384"),
        (AUDIO, "facebook/wav2vec2-base", "batch_8_audio_10s"),  # timed out after 8 iterations
    ],
)
def test_latency_samples_converted_to_ms_and_summarised(
    fixture_root: Path, parsed: Callable[[str], ParsedFile], relative: str, model: str, config_key: str
) -> None:
    raw = _raw(fixture_root, relative)
    family = next(iter(raw["benchmarks"]))
    config = raw["benchmarks"][family][model]["cpu"]["benchmark_results"][config_key]
    samples_ms = [seconds * 1000 for seconds in config["latencies"]]
    performance = _find(parsed(relative), model, config_key)["performance"]

    quantiles = statistics.quantiles(samples_ms, n=100, method="inclusive")
    assert performance["p50_latency_ms"] == pytest.approx(quantiles[49])
    assert performance["p90_latency_ms"] == pytest.approx(quantiles[89])
    assert performance["p99_latency_ms"] == pytest.approx(quantiles[98])
    assert performance["p90_latency_ms"] == pytest.approx(_percentile(samples_ms, 0.90))
    assert performance["average_latency_ms"] == pytest.approx(statistics.fmean(samples_ms))
    # the file's own average is in seconds: the result carries it x 1000
    assert performance["average_latency_ms"] == pytest.approx(config["avg_latency"] * 1000)
    assert performance["throughput_items_per_second"] == pytest.approx(config["throughput"])


def test_batch_and_sequence_from_config_key(parsed: Callable[[str], ParsedFile]) -> None:
    result = _find(parsed(EMBEDDING), "distilbert-base-uncased", "batch_4_seq_128")
    assert result["performance"]["batch_size"] == 4
    assert result["performance"]["sequence_length"] == 128
    vision = _find(parsed(VISION), "google/vit-base-patch16-224", "batch_1_img_384x384")
    assert vision["performance"]["batch_size"] == 1
    assert "sequence_length" not in vision["performance"]
    assert vision["details"]["image_size"] == "384x384"
    audio = _find(parsed(AUDIO), "facebook/wav2vec2-base", "batch_4_audio_30s")
    assert audio["details"]["audio_length_seconds"] == 30


def test_total_time_is_execution_time_in_seconds(fixture_root: Path, parsed: Callable[[str], ParsedFile]) -> None:
    raw = _raw(fixture_root, EMBEDDING)
    config = raw["benchmarks"]["embedding"]["roberta-base"]["cpu"]["benchmark_results"]["batch_1_seq_128"]
    assert _find(parsed(EMBEDDING), "roberta-base", "batch_1_seq_128")["execution_time"] == config["total_time"]


def test_failed_configurations_keep_their_error(parsed: Callable[[str], ParsedFile]) -> None:
    whisper = [r for r in parsed(AUDIO).results if r["model_name"] == "openai/whisper-tiny"]
    assert len(whisper) == 9
    for result in whisper:
        assert result["success"] is False
        assert result["status"] == "Failed"
        assert result["error_message"] == "Warmup failed: 'dict' object has no attribute 'input_features'"
        assert "performance" not in result
    batch_sizes = sorted(r["details"]["batch_size"] for r in whisper)
    assert batch_sizes == [1, 1, 1, 4, 4, 4, 8, 8, 8]


def test_timed_out_runs_keep_partial_samples(parsed: Callable[[str], ParsedFile]) -> None:
    result = _find(parsed(AUDIO), "facebook/wav2vec2-base", "batch_4_audio_30s")
    assert result["success"] is True
    assert result["details"]["timeout"] is True
    assert result["details"]["completed_iterations"] == 9
    assert result["details"]["latency_samples"] == 9


def test_timestamps_parsed_as_utc(parsed: Callable[[str], ParsedFile]) -> None:
    result = _find(parsed(EMBEDDING), "bert-base-uncased", "batch_1_seq_32")
    # the model block says "2025-03-05T19:53:21.748271" (no zone): taken as UTC
    assert datetime.fromisoformat(result["timestamp"]) == datetime(2025, 3, 5, 19, 53, 21, 748271, tzinfo=UTC)
    assert result["details"]["run_timestamp"] == "20250305_195321"


def test_cpu_facts_from_system_info(parsed: Callable[[str], ParsedFile]) -> None:
    result = _find(parsed(VISION), "facebook/convnext-tiny-224", "batch_1_img_224x224")
    assert result["hardware_type"] == "cpu"
    assert result["compute_units"] == 4  # cpu_count_physical
    assert result["memory_capacity"] == pytest.approx(62.214195251464844)  # total_memory_gb
    assert "device_name" not in result  # system_info names only the architecture ("x86_64")


def test_cuda_facts_from_system_info(fixture_root: Path, tmp_path: Path) -> None:
    """The fixtures ran on cpu only; the same document moved to cuda must pick up the Quadro from system_info."""
    raw = _raw(fixture_root, MULTIMODAL)
    block = raw["benchmarks"]["multimodal"]["openai/clip-vit-base-patch32"].pop("cpu")
    block["hardware"] = "cuda"
    block["benchmark_results"]["batch_1"]["max_memory_allocated"] = 612.5
    raw["benchmarks"]["multimodal"]["openai/clip-vit-base-patch32"]["cuda"] = block
    path = tmp_path / "benchmark_results.json"
    path.write_text(json.dumps(raw))

    results = parse_file(path).results
    assert len(results) == 3
    first = next(r for r in results if r["details"]["config_key"] == "batch_1")
    assert first["hardware_type"] == "cuda"
    assert first["device_name"] == "Quadro P4000"
    assert first["memory_capacity"] == pytest.approx(7.923583984375)
    assert first["compute_units"] == 14
    assert first["details"]["cuda_version"] == "12.4"
    assert first["performance"]["memory_peak_mb"] == 612.5


def test_failed_model_without_configurations(tmp_path: Path) -> None:
    document = {
        "timestamp": "20250305_195321",
        "system_info": {},
        "benchmarks": {
            "embedding": {
                "x/model": {"cuda": {"status": "load_failed", "error": "CUDA out of memory", "hardware": "cuda"}}
            }
        },
    }
    path = tmp_path / "benchmark_results.json"
    path.write_text(json.dumps(document))
    (result,) = parse_file(path).results
    assert result["success"] is False
    assert result["error_message"] == "CUDA out of memory"
    assert result["timestamp"] == "2025-03-05T19:53:21+00:00"


def test_bad_samples_are_dropped_not_stored(tmp_path: Path) -> None:
    document = {
        "timestamp": "20250305_195321",
        "system_info": {},
        "benchmarks": {
            "vision": {
                "m": {
                    "cpu": {
                        "status": "completed",
                        "benchmark_results": {
                            "batch_2": {
                                "status": "completed",
                                "latencies": [0.1, -0.2, 0.3],
                                "throughput": -5.0,
                                "total_time": 0.4,
                            }
                        },
                    }
                }
            }
        },
    }
    path = tmp_path / "benchmark_results.json"
    path.write_text(json.dumps(document))
    (result,) = parse_file(path).results
    assert result["performance"]["average_latency_ms"] == pytest.approx(200.0)
    assert result["details"]["latency_samples_dropped"] == 1
    assert "throughput_items_per_second" not in result["performance"]
    assert result["details"]["dropped_values"] == {"performance.throughput_items_per_second": "-5.0"}
