"""The orchestrator's run record and the functionality report it copies: real results, each counted once."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from accel_orm.json_import.shapes import ParsedFile, parse_file

from .conftest import RUN

OLD_RUN = "benchmark_results/20250302_201346/benchmark_results.json"
ORCHESTRATOR = f"{RUN}/benchmark_results.json"
FUNCTIONALITY = f"{RUN}/functionality/model_functionality_20250305_195309.json"


def test_crashed_suite_gives_failed_results_per_model_and_hardware(
    fixture_root: Path, parsed: Callable[[str], ParsedFile]
) -> None:
    raw = json.loads((fixture_root / OLD_RUN).read_text())
    result = parsed(OLD_RUN)
    expected_pairs = {
        (info["name"], hw) for info in raw["models"].values() for hw in ("cpu", "cuda", "openvino")
    }  # hardware_detected: cpu, cuda, openvino true; mps, rocm false
    assert {(r["model_name"], r["hardware_type"]) for r in result.results} == expected_pairs
    for failed in result.results:
        family = failed["model_family"]
        assert failed["success"] is False
        assert failed["status"] == "Failed"
        assert failed["test_type"] == "benchmark"
        assert failed["error_message"] == raw["performance_benchmarks"][family]["error"].strip()
        assert "NameError: name 'false' is not defined" in failed["error_message"]
        assert failed["details"]["hardware_source"] == "hardware_detected"
        assert failed["timestamp"] == "2025-03-02T20:13:46+00:00"
        assert "performance" not in failed
    llava = next(r for r in result.results if r["model_type"] == "llava_next")
    assert llava["model_name"] == "llava-hf/llava-v1.6-mistral-7b"
    assert llava["model_size"] == "base"


def test_in_place_orchestrator_imports_only_what_no_other_file_holds(parsed: Callable[[str], ParsedFile]) -> None:
    result = parsed(ORCHESTRATOR)
    assert {r["model_name"] for r in result.results} == {
        "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
        "Qwen/Qwen2-0.5B-Instruct",
        "google/t5-efficient-tiny",
    }
    for failed in result.results:
        assert failed["hardware_type"] == "cpu"
        assert failed["details"]["hardware_source"] == "benchmark_config.json"
        assert "IndentationError: expected an indented block after 'with' statement" in failed["error_message"]
    copies = [note for note in result.notes if "is a copy of" in note]
    assert len(copies) == 5  # functionality_verification.cpu + embedding, audio, multimodal, vision
    assert any("functionality/model_functionality_20250305_195309.json" in note for note in copies)


def test_orchestrator_alone_imports_its_embedded_copies(fixture_root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "benchmark_results.json"
    shutil.copy(fixture_root / ORCHESTRATOR, copy)
    result = parse_file(copy)
    by_type = Counter(r["test_type"] for r in result.results)
    # functionality: 13 models; runner copies: 27 + 18 + 3 + 18 = 66; text_generation failures: 3 models x cpu
    assert by_type == {"functionality": 13, "benchmark": 66 + 3}
    embedded = [r for r in result.results if r["details"].get("embedded_in_orchestrator")]
    assert len(embedded) == 13 + 66
    failed_family = [r for r in result.results if r["details"].get("failure_scope") == "family"]
    assert {r["details"]["hardware_source"] for r in failed_family} == {"functionality_verification"}


def test_original_and_copies_together_count_each_result_once(
    fixture_root: Path, parsed: Callable[[str], ParsedFile]
) -> None:
    run_files = [p.relative_to(fixture_root).as_posix() for p in (fixture_root / RUN).rglob("*.json")]
    keys = Counter(
        (r["test_type"], r["model_name"], r["hardware_type"], r["details"].get("config_key"), r["timestamp"])
        for relative in run_files
        for r in parsed(relative).results
        if r["test_type"] != "compatibility"
    )
    assert keys and max(keys.values()) == 1


def test_functionality_failures_carry_stderr(fixture_root: Path, parsed: Callable[[str], ParsedFile]) -> None:
    raw = json.loads((fixture_root / FUNCTIONALITY).read_text())
    result = parsed(FUNCTIONALITY)
    assert len(result.results) == raw["stats"]["total_tests"] == 13
    stderr_by_key = {entry["model"]: entry["stderr"].strip() for entry in raw["detailed_results"]}
    for test in result.results:
        assert test["test_type"] == "functionality"
        assert test["hardware_type"] == "cpu"
        assert test["success"] is False
        assert test["status"] == "Failed"
        assert test["error_message"] == stderr_by_key[test["details"]["model_key"]]
        assert test["details"]["return_code"] == 1
        assert test["timestamp"] == "2025-03-05T19:53:09+00:00"
    bert = next(r for r in result.results if r["model_type"] == "bert")
    # the key is resolved with the run's benchmark_config.json one folder up
    assert bert["model_name"] == "prajjwal1/bert-tiny"
    assert bert["model_family"] == "embedding"
    assert "SyntaxError" in next(r for r in result.results if r["model_type"] == "xclip")["error_message"]


def test_functionality_without_its_run_keeps_model_keys(fixture_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "functionality" / "model_functionality_20250305_195309.json"
    target.parent.mkdir()
    shutil.copy(fixture_root / FUNCTIONALITY, target)
    result = parse_file(target)
    assert len(result.results) == 13
    assert "bert" in {r["model_name"] for r in result.results}
    assert any("model keys are used as model names" in note for note in result.notes)
