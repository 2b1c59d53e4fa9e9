"""Compatibility matrices, web platform results, browser comparisons, skill reports and progress logs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accel_orm.json_import.shapes import ParsedFile

from .conftest import RUN

OLD_MATRIX = "benchmark_results/hardware_compatibility_matrix.json"
AUDIO_MATRIX = f"{RUN}/performance/audio/20250305_202656/hardware_compatibility_matrix.json"
EMBEDDING_MATRIX = f"{RUN}/performance/embedding/20250305_195316/hardware_compatibility_matrix.json"
BROKEN_MATRIX = f"{RUN}/hardware_compatibility_matrix.json"
EMPTY_MATRIX = f"{RUN}/performance/vision/20250305_215047/hardware_compatibility_matrix.json"
HF = "performance_results/hf_bert_performance_20250228_001255.json"
FIREFOX = "firefox_webgpu_results/whisper_firefox_vs_chrome_1741232337.json"
PROGRESS = "benchmark_results/benchmark_progress_20250306_150303.json"


def test_matrix_entries_with_measurements_are_supported(parsed: Callable[[str], ParsedFile]) -> None:
    results = {r["model_name"]: r for r in parsed(EMBEDDING_MATRIX).results}
    assert set(results) == {"bert-base-uncased", "distilbert-base-uncased", "roberta-base"}
    bert = results["bert-base-uncased"]
    assert bert["test_type"] == "compatibility"
    assert bert["hardware_type"] == "cpu"
    assert bert["compatibility"] == {"status": "supported", "score": 1.0, "recommended": False}  # rating "medium"
    # mean_latency is seconds in the matrix (3.6025...); details carry it in ms
    assert bert["details"]["mean_latency_ms"] == pytest.approx(3602.502642737494)
    assert "performance" not in bert  # the runner file holds these measurements
    assert bert["timestamp"] == "2025-03-05T20:26:41.188032+00:00"


def test_matrix_entry_without_measurements_is_limited(parsed: Callable[[str], ParsedFile]) -> None:
    results = {r["model_name"]: r for r in parsed(AUDIO_MATRIX).results}
    assert results["openai/whisper-tiny"]["compatibility"]["status"] == "limited"
    assert results["openai/whisper-tiny"]["details"]["family_compatible"] is True
    assert results["facebook/wav2vec2-base"]["compatibility"]["status"] == "supported"
    old = parsed(OLD_MATRIX).results
    assert {(r["model_name"], r["hardware_type"]) for r in old} == {
        (m, hw) for m in ("gpt2", "t5-small", "google/flan-t5-small") for hw in ("cpu", "openvino")
    }
    assert {r["compatibility"]["status"] for r in old} == {"limited"}


def test_matrix_with_model_names_as_hardware_keys_is_skipped(parsed: Callable[[str], ParsedFile]) -> None:
    result = parsed(BROKEN_MATRIX)
    assert result.results == []
    assert "model names used as hardware keys" in (result.skip_reason or "")
    assert "bert-base-uncased" in (result.skip_reason or "")
    assert parsed(EMPTY_MATRIX).skip_reason == "compatibility matrix with no model families (empty)"


@pytest.mark.parametrize(
    ("relative", "model", "hardware", "latency", "throughput", "memory"),
    [
        ("web_platform_results/bert_webgpu_20250305_193336/result.json", "bert-base-uncased", "webgpu", 80, 100, 150),
        (
            "web_platform_results/bert_webnn_20250302_231100/result.json",
            "prajjwal1/bert-tiny",
            "webnn",
            120,
            66.67,
            150,
        ),
        (
            "web_platform_results/vit_webgpu_20250305_193350/result.json",
            "google/vit-base-patch16-224",
            "webgpu",
            80,
            100,
            250,
        ),
    ],
)
def test_web_platform_results(
    parsed: Callable[[str], ParsedFile],
    relative: str,
    model: str,
    hardware: str,
    latency: float,
    throughput: float,
    memory: float,
) -> None:
    (result,) = parsed(relative).results
    assert (result["model_name"], result["hardware_type"], result["test_type"]) == (model, hardware, "web_platform")
    assert result["success"] is True
    assert result["performance"]["average_latency_ms"] == latency
    assert result["performance"]["throughput_items_per_second"] == pytest.approx(throughput, abs=0.01)
    assert result["memory_usage"] == memory
    assert result["details"]["is_simulation"] is True
    assert (result["is_simulated"], result["modality"]) == (True, "vision" if "vit" in model else "text")
    assert datetime.fromisoformat(result["timestamp"]).utcoffset().total_seconds() == 0


def test_browser_comparison(parsed: Callable[[str], ParsedFile]) -> None:
    results = parsed(FIREFOX).results
    combos = {(r["details"]["browser"], r["details"]["compute_shaders"]) for r in results}
    assert combos == {("firefox", True), ("firefox", False), ("chrome", True), ("chrome", False)}
    firefox_cs = next(r for r in results if r["details"]["browser"] == "firefox" and r["details"]["compute_shaders"])
    assert firefox_cs["details"]["improvement_percentage"] == pytest.approx(51.32)
    assert firefox_cs["details"]["optimization_type"] == "compute_shaders"
    for result in results:
        assert result["hardware_type"] == "webgpu"
        assert result["model_name"] == "whisper"
        # no timestamp inside: the epoch in the file name, 1741232337 s
        assert datetime.fromisoformat(result["timestamp"]) == datetime(2025, 3, 6, 3, 38, 57, tzinfo=UTC)


def test_hf_skill_report(fixture_root: Path, parsed: Callable[[str], ParsedFile]) -> None:
    raw = json.loads((fixture_root / HF).read_text())
    result = parsed(HF)
    by_key = {(r["hardware_type"], r["test_type"]): r for r in result.results}
    assert set(by_key) == {
        ("cpu", "functionality"),
        ("cuda", "functionality"),
        ("cuda", "benchmark"),
        ("openvino", "functionality"),
        ("qualcomm", "functionality"),
    }
    benchmark = by_key[("cuda", "benchmark")]
    seconds = raw["results"]["status"]["cuda_benchmark"]["average_inference_time"]
    assert benchmark["performance"]["average_latency_ms"] == pytest.approx(seconds * 1000)  # 490.05 ms
    assert benchmark["device_name"] == "Quadro P4000"
    assert benchmark["memory_usage"] == pytest.approx(68.41064453125)
    qualcomm = by_key[("qualcomm", "functionality")]
    assert qualcomm["success"] is False
    assert "The size of tensor a (11) must match the size of tensor b (10)" in qualcomm["error_message"]
    assert qualcomm["details"]["implementation_type"] == "MOCK"
    assert by_key[("cuda", "functionality")]["details"]["is_simulation"] is True
    assert by_key[("cpu", "functionality")]["execution_time"] == pytest.approx(0.0009186267852783203)
    assert any(note.startswith("mps: not tested") for note in result.notes)
    assert {r["model_name"] for r in result.results} == {"bert"}


def test_progress_log_failures(parsed: Callable[[str], ParsedFile]) -> None:
    results = parsed(PROGRESS).results
    assert [(r["model_name"], r["model_type"]) for r in results] == [
        ("prajjwal1/bert-tiny", "bert"),
        ("facebook/deit-tiny-patch16-224", "vit"),
        ("openai/whisper-tiny", "whisper"),
    ]
    for result in results:
        assert result["success"] is False
        assert result["hardware_type"] == "cpu"
        assert "returned non-zero exit status 1" in result["error_message"]
    assert results[0]["timestamp"] == "2025-03-06T15:03:05.019406+00:00"
