"""Recognise which runner wrote a JSON document, from its content.

Several tools wrote files with the same name (three different things are called ``benchmark_results.json``), so
the content decides; the file name is consulted only to break a tie that the content cannot (an empty
compatibility matrix and an empty summary both have nothing but ``model_families: {}``). Each test is a small
predicate on the top-level keys, checked in a fixed order from the most specific shape to the most generic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes import pytest_benchmark
from accel_orm.json_import.shapes.common import REQUIRED_KEYS

# Shapes that carry results (each has a parser module).
DIRECT_BENCHMARK = "direct_benchmark"
MODEL_BENCHMARK = "model_benchmark"
RUNNER_RESULTS = "runner_results"
ORCHESTRATOR_RESULTS = "orchestrator_results"
COMPATIBILITY_MATRIX = "compatibility_matrix"
WEB_PLATFORM = "web_platform"
BROWSER_COMPARISON = "browser_comparison"
HF_PERFORMANCE = "hf_performance"
FUNCTIONALITY = "functionality"
BENCHMARK_PROGRESS = "benchmark_progress"
SEED_RESULTS = "seed_results"
PYTEST_BENCHMARK = "pytest_benchmark"

# Kinds of file that never carry results; recognised so they get a precise skip reason.
BENCHMARK_CONFIG = "benchmark_config"
BENCHMARK_MODELS = "benchmark_models"
BENCHMARK_SUMMARY = "benchmark_summary"

_CONFIG_KEYS = frozenset(
    {"warmup_iterations", "benchmark_iterations", "models_set", "verify_functionality", "timeout", "parallel"}
)


def detect_shape(data: Any, path: Path | None = None) -> str | None:
    """The shape or kind name of ``data`` (parsed JSON), or None when no known runner wrote it."""
    if isinstance(data, list):
        return SEED_RESULTS if data and all(_is_seed(item) for item in data) else None
    if not isinstance(data, Mapping):
        return None
    name = path.name.lower() if path is not None else ""
    for shape, predicate in _PREDICATES:
        if predicate(data, name):
            return shape
    return None


def _is_seed(data: Any) -> bool:
    return isinstance(data, Mapping) and all(isinstance(data.get(key), str) for key in REQUIRED_KEYS)


def _is_direct_benchmark(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_results"), Mapping) and "model" in data and "hardware" in data


def _is_model_benchmark(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_sizes"), Mapping) and ("hardware_key" in data or "hardware" in data)


def _is_config(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_sizes"), list) and bool(_CONFIG_KEYS & data.keys())


def _is_orchestrator(data: Mapping[str, Any], _name: str) -> bool:
    return "performance_benchmarks" in data or "functionality_verification" in data


def _is_runner(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("benchmarks"), Mapping) and ("system_info" in data or "hardware_info" in data)


def _is_functionality(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("stats"), Mapping) and ("model_results" in data or "detailed_results" in data)


def _is_progress(data: Mapping[str, Any], _name: str) -> bool:
    return "failed_benchmarks" in data or "completed_benchmarks" in data


def _is_summary(data: Mapping[str, Any], name: str) -> bool:
    families = data.get("model_families")
    if not isinstance(families, Mapping):
        return False
    if "performance_comparison" in data:
        return True
    if families:
        return all(isinstance(v, Mapping) and "models_tested" in v for v in families.values())
    return "summary" in name


def _is_matrix(data: Mapping[str, Any], _name: str) -> bool:
    families = data.get("model_families")
    if not isinstance(families, Mapping):
        return False
    if not families:
        return "hardware_types" in data
    return all(isinstance(v, Mapping) and "hardware_compatibility" in v for v in families.values())


def _is_web_platform(data: Mapping[str, Any], _name: str) -> bool:
    platform = data.get("platform")
    return (
        isinstance(platform, str)
        and platform.lower() in {"webgpu", "webnn"}
        and "model_name" in data
        and ("metrics" in data or "status" in data)
    )


def _is_browser_comparison(data: Mapping[str, Any], _name: str) -> bool:
    tests = data.get("tests")
    return isinstance(tests, list) and any(isinstance(t, Mapping) and "browser" in t for t in tests)


def _is_hf_performance(data: Mapping[str, Any], _name: str) -> bool:
    results = data.get("results")
    metadata = data.get("metadata")
    return (
        isinstance(results, Mapping)
        and isinstance(results.get("status"), Mapping)
        and isinstance(metadata, Mapping)
        and ("test_file" in metadata or "model" in metadata)
    )


def _is_model_list(data: Mapping[str, Any], _name: str) -> bool:
    return bool(data) and all(
        isinstance(v, Mapping) and "name" in v and ("family" in v or "modality" in v) for v in data.values()
    )


_PREDICATES: tuple[tuple[str, Callable[[Mapping[str, Any], str], bool]], ...] = (
    (SEED_RESULTS, lambda data, _name: _is_seed(data)),
    (PYTEST_BENCHMARK, lambda data, _name: pytest_benchmark.is_pytest_benchmark(data)),
    (DIRECT_BENCHMARK, _is_direct_benchmark),
    (MODEL_BENCHMARK, _is_model_benchmark),
    (BENCHMARK_CONFIG, _is_config),
    (ORCHESTRATOR_RESULTS, _is_orchestrator),
    (RUNNER_RESULTS, _is_runner),
    (FUNCTIONALITY, _is_functionality),
    (BENCHMARK_PROGRESS, _is_progress),
    (BENCHMARK_SUMMARY, _is_summary),
    (COMPATIBILITY_MATRIX, _is_matrix),
    (WEB_PLATFORM, _is_web_platform),
    (BROWSER_COMPARISON, _is_browser_comparison),
    (HF_PERFORMANCE, _is_hf_performance),
    (BENCHMARK_MODELS, _is_model_list),
)
