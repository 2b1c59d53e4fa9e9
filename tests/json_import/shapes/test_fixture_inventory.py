"""Every real fixture file: its shape, how many results it yields, and the contract every result must meet.

The expected counts were derived by reading each JSON file by hand (the comment on each line shows how), not by
running the parser, so a parser that miscounts fails here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from accel_orm.json_import.shapes import SHAPES, ParsedFile

from .conftest import RUN

PERF = f"{RUN}/performance"

# relative path -> (shape, number of results). shape None = not a result file (skip_reason expected).
EXPECTED: dict[str, tuple[str | None, int]] = {
    # orchestrator, all 4 families status "error"; models: audio clap+wav2vec2, vision detr, text_generation llama,
    # multimodal llava+llava_next = 6 models; no config next to it, hardware_detected true: cpu, cuda, openvino
    # -> 6 x 3 failed results
    "benchmark_results/20250302_201346/benchmark_results.json": ("orchestrator_results", 18),
    # batch_sizes "1" and "4" -> 2 results each
    "benchmark_results/benchmark_bert_cpu_20250305_195714.json": ("model_benchmark", 2),
    "benchmark_results/benchmark_bert_cuda_20250305_195715.json": ("model_benchmark", 2),
    "benchmark_results/benchmark_bert_webgpu_20250305_195720.json": ("model_benchmark", 2),
    "benchmark_results/benchmark_bert_webnn_20250305_195719.json": ("model_benchmark", 2),
    # failed_benchmarks: bert, vit, whisper on cpu -> 3 failed results; completed/skipped empty
    "benchmark_results/benchmark_progress_20250306_150303.json": ("benchmark_progress", 3),
    f"{RUN}/benchmark_config.json": (None, 0),
    f"{RUN}/benchmark_config_audio.json": (None, 0),
    f"{RUN}/benchmark_config_embedding.json": (None, 0),
    f"{RUN}/benchmark_config_multimodal.json": (None, 0),
    f"{RUN}/benchmark_config_text_generation.json": (None, 0),
    f"{RUN}/benchmark_config_vision.json": (None, 0),
    # orchestrator: functionality_verification.cpu and the 4 runner documents are copies of files below it
    # (skipped); text_generation status "error" x models llama, qwen2, t5 x config hardware_types ["cpu"] = 3
    f"{RUN}/benchmark_results.json": ("orchestrator_results", 3),
    # detailed_results: 13 entries (clip, detr, bert, clap, llama, llava, qwen2, t5, llava_next, vit, wav2vec2,
    # xclip, whisper), all on cpu, all failed
    f"{RUN}/functionality/model_functionality_20250305_195309.json": ("functionality", 13),
    # only family-level "cpu" cells with empty benchmark_results; the other keys are model names
    f"{RUN}/hardware_compatibility_matrix.json": ("compatibility_matrix", 0),
    # whisper-tiny: 9 configs (batch 1/4/8 x audio 5/10/30 s), all failed; wav2vec2-base: 9 completed -> 18
    f"{PERF}/audio/20250305_202656/20250305_202703/benchmark_results.json": ("runner_results", 18),
    f"{PERF}/audio/20250305_202656/20250305_202703/benchmark_summary.json": (None, 0),
    f"{PERF}/audio/20250305_202656/benchmark_config.json": (None, 0),
    # audio/cpu benchmark_results: whisper-tiny (no means), wav2vec2-base (means) -> 2
    f"{PERF}/audio/20250305_202656/hardware_compatibility_matrix.json": ("compatibility_matrix", 2),
    # bert-base-uncased, distilbert-base-uncased, roberta-base x (batch 1/4/8 x seq 32/128/512) = 3 x 9 = 27
    f"{PERF}/embedding/20250305_195316/20250305_195321/benchmark_results.json": ("runner_results", 27),
    f"{PERF}/embedding/20250305_195316/20250305_195321/benchmark_summary.json": (None, 0),
    f"{PERF}/embedding/20250305_195316/benchmark_config.json": (None, 0),
    # embedding/cpu benchmark_results: 3 models with means -> 3
    f"{PERF}/embedding/20250305_195316/hardware_compatibility_matrix.json": ("compatibility_matrix", 3),
    # clip-vit-base-patch32 x batch_1/batch_4/batch_8 = 3
    f"{PERF}/multimodal/20250305_214809/20250305_214814/benchmark_results.json": ("runner_results", 3),
    f"{PERF}/multimodal/20250305_214809/20250305_214814/benchmark_summary.json": (None, 0),
    f"{PERF}/multimodal/20250305_214809/benchmark_config.json": (None, 0),
    f"{PERF}/multimodal/20250305_214809/hardware_compatibility_matrix.json": ("compatibility_matrix", 0),  # empty
    # vit-base, resnet-50, convnext-tiny x (batch 1/4/8 x img 224/384) = 3 x 6 = 18
    f"{PERF}/vision/20250305_215047/20250305_215053/benchmark_results.json": ("runner_results", 18),
    f"{PERF}/vision/20250305_215047/20250305_215053/benchmark_summary.json": (None, 0),
    f"{PERF}/vision/20250305_215047/benchmark_config.json": (None, 0),
    f"{PERF}/vision/20250305_215047/hardware_compatibility_matrix.json": ("compatibility_matrix", 0),  # empty
    "benchmark_results/benchmarks_20250305_195254/benchmark_models.json": (None, 0),
    # byte-identical to the matrix in 20250305_195301/
    "benchmark_results/benchmarks_20250305_195254/hardware_compatibility_matrix.json": ("compatibility_matrix", 0),
    # batch_results "1" -> 1
    "benchmark_results/direct_benchmark_bert-base-uncased_cpu_20250306_174825.json": ("direct_benchmark", 1),
    # batch_results "1" failed -> 1 failed result
    "benchmark_results/direct_benchmark_google_t5-efficient-tiny_cpu_20250306_174558.json": ("direct_benchmark", 1),
    # batch_results "1", "2" -> 2
    "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json": ("direct_benchmark", 2),
    # text_generation: cpu lists gpt2, t5-small, flan-t5-small; openvino lists the same 3; all else empty -> 6
    "benchmark_results/hardware_compatibility_matrix.json": ("compatibility_matrix", 6),
    # 4 tests: firefox/chrome x compute shaders on/off
    "firefox_webgpu_results/whisper_firefox_vs_chrome_1741232337.json": ("browser_comparison", 4),
    # functionality on cpu, cuda, openvino, qualcomm (apple "not available" -> none) + cuda_benchmark -> 5
    "performance_results/hf_bert_performance_20250228_001255.json": ("hf_performance", 5),
    "web_platform_results/bert_webgpu_20250305_193336/result.json": ("web_platform", 1),
    "web_platform_results/bert_webnn_20250302_231100/result.json": ("web_platform", 1),
    "web_platform_results/vit_webgpu_20250305_193350/result.json": ("web_platform", 1),
}

RESULT_KEYS = {
    "model_name",
    "hardware_type",
    "test_type",
    "status",
    "success",
    "execution_time",
    "memory_usage",
    "error_message",
    "endpoint_type",
    "details",
    "is_simulated",
    "simulation_reason",
    "modality",
    "timestamp",
    "model_family",
    "model_type",
    "model_size",
    "parameters_million",
    "device_name",
    "compute_units",
    "memory_capacity",
    "driver_version",
    "supported_precisions",
    "max_batch_size",
    "performance",
    "power_metrics",
    "compatibility",
}
PERFORMANCE_KEYS = {
    "batch_size",
    "sequence_length",
    "average_latency_ms",
    "p50_latency_ms",
    "p90_latency_ms",
    "p99_latency_ms",
    "throughput_items_per_second",
    "memory_peak_mb",
    "power_watts",
    "energy_efficiency_items_per_joule",
}
TEST_TYPES = {"benchmark", "web_platform", "compatibility", "functionality"}


def test_inventory_covers_every_fixture_file(fixture_root: Path) -> None:
    on_disk = {p.relative_to(fixture_root).as_posix() for p in fixture_root.rglob("*.json")}
    assert on_disk == set(EXPECTED), "a fixture file was added or removed: read it and update EXPECTED"
    assert len(on_disk) == 42  # + README.md = the 43 files of the folder


@pytest.mark.parametrize(("relative", "expected"), sorted(EXPECTED.items()), ids=lambda v: str(v))
def test_shape_and_count(parsed: Callable[[str], ParsedFile], relative: str, expected: tuple[str | None, int]) -> None:
    shape, count = expected
    result = parsed(relative)
    assert result.shape == shape
    assert len(result.results) == count
    if count == 0:
        assert result.skip_reason, "a file without results must say why"
    else:
        assert result.skip_reason is None


def test_total_results(parsed: Callable[[str], ParsedFile]) -> None:
    assert sum(len(parsed(relative).results) for relative in EXPECTED) == sum(c for _, c in EXPECTED.values()) == 138


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_every_result_meets_the_contract(parsed: Callable[[str], ParsedFile], relative: str) -> None:
    for result in parsed(relative).results:
        _check_result(result)


def test_known_shapes_are_exported() -> None:
    shapes = {shape for shape, _ in EXPECTED.values() if shape is not None}
    assert shapes | {"seed_results"} <= set(SHAPES)


def test_non_result_reasons_name_the_kind(parsed: Callable[[str], ParsedFile]) -> None:
    reasons = {relative: parsed(relative).skip_reason or "" for relative, (shape, _) in EXPECTED.items() if not shape}
    for relative, reason in reasons.items():
        name = Path(relative).name
        if name.startswith("benchmark_config"):
            assert reason.startswith("configuration file (benchmark_config), not results")
        elif name == "benchmark_summary.json":
            assert "summary" in reason and "twice" in reason and "imported instead" in reason
        else:
            assert name == "benchmark_models.json"
            assert reason.startswith("model list")


def _check_result(result: dict[str, Any]) -> None:
    assert set(result) <= RESULT_KEYS
    for key in ("model_name", "hardware_type", "test_type"):
        assert isinstance(result[key], str) and result[key]
    assert result["hardware_type"] == result["hardware_type"].lower()
    assert result["test_type"] in TEST_TYPES
    assert result["success"] is (result["status"] == "Success")
    if result["success"] is False and result["status"] == "Failed":
        assert "performance" not in result
    stamp = datetime.fromisoformat(result["timestamp"])
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0
    assert stamp.tzinfo is not None and stamp.astimezone(UTC) == stamp
    assert set(result.get("performance", {})) <= PERFORMANCE_KEYS
    for value in _numbers(result):
        assert math.isfinite(value)
    for section in ("performance", "power_metrics"):
        assert all(v >= 0 for v in result.get(section, {}).values())
    for key in ("execution_time", "memory_usage", "memory_capacity", "compute_units"):
        assert result.get(key, 0) >= 0
    assert "details" in result and result["details"]["source_file"]
    json.dumps(result, allow_nan=False)  # JSON-able, no NaN/inf anywhere


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return []
