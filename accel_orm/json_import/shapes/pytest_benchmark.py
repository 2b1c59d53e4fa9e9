"""``pytest --benchmark-json=FILE`` and ``--benchmark-autosave`` files (``.benchmarks/<machine>/NNNN_<commit>.json``).

Shape: ``{machine_info {node, system, release, python_version, machine, cpu {brand_raw, count, ...}},
commit_info {id, time, dirty, project, branch}, benchmarks [{name, fullname, group, params, extra_info, options,
stats {min, max, mean, stddev, rounds, median, iqr, q1, q3, ops, iterations, [data]}}], datetime, version}``.

Each file is one run (commit, branch, dirty, the machine); each benchmark one result at the file's ``datetime``:

- ``stats`` (seconds) -> ``average_latency_ms`` (mean), ``p50_latency_ms`` (median), ``throughput_items_per_second``
  (ops); ``p90``/``p99`` from the raw samples when the file has them (``stats.data``);
- the noise a comparison needs: ``latency_stddev_ms`` (stddev), ``latency_iqr_ms`` (iqr), ``sample_count``
  (rounds); min, max, quartiles, outlier counts and iterations go to ``details["pytest_benchmark"]``. The raw
  samples are summarised (p90, p99, their count), not stored: comparisons judge noise from stddev and rounds
  (Welch's t), and keeping 200 samples per benchmark made imports ~3x slower for nothing read later;
- ``extra_info`` keys that name accel_orm fields (``model_name``, ``hardware_type``, ``device_name``,
  ``batch_size``, ``sequence_length``, ``precision``) fill those fields; other keys stay in details. Otherwise the
  benchmark's name is the model name, its ``fullname`` the test case, the hardware ``cpu`` with the file's CPU
  model as device name.

pytest-benchmark writes ``"unknown"``, ``"(unknown)"`` or ``"unversioned"`` for commit and branch outside a git
checkout: those are no commit and no branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    as_number,
    first_timestamp,
    mapping_at,
    source_details,
    success_fields,
)
from accel_orm.json_import.shapes.shape import Shape
from accel_orm.runs.machine import fingerprint

TEST_TYPE = "benchmark"
_UNKNOWN = frozenset({"", "unknown", "(unknown)", "unversioned", "none"})
# extra_info keys stored as result fields: top-level ones and performance ones.
_TOP_LEVEL_EXTRA = ("model_name", "hardware_type", "device_name")
_PERFORMANCE_EXTRA = ("batch_size", "sequence_length", "precision")


def is_pytest_benchmark(data: Mapping[str, Any]) -> bool:
    return (
        isinstance(data.get("benchmarks"), list)
        and isinstance(data.get("machine_info"), Mapping)
        and ("commit_info" in data or "datetime" in data)
    )


def _known(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip().lower() not in _UNKNOWN else None


def _ms(seconds: Any) -> float | None:
    number = as_number(seconds)
    return number * 1000.0 if number is not None else None


def _machine(info: Mapping[str, Any]) -> dict[str, Any]:
    cpu = mapping_at(info, "cpu")
    machine: dict[str, Any] = {
        "hostname": info.get("node"),
        "system": info.get("system"),
        "release": info.get("release"),
        "architecture": info.get("machine"),
        "cpu_model": cpu.get("brand_raw"),
        "cpu_count": cpu.get("count"),
        "memory_gb": None,
        "gpus": [],
        "python": info.get("python_version"),
    }
    return machine


def _run(data: Mapping[str, Any], started_at: str | None) -> dict[str, Any]:
    commit = mapping_at(data, "commit_info")
    machine = _machine(data["machine_info"])
    dirty = commit.get("dirty")
    return {
        "test_name": "pytest-benchmark",
        "test_type": TEST_TYPE,
        "started_at": started_at,
        "git_commit": _known(commit.get("id")),
        "git_branch": _known(commit.get("branch")),
        "git_dirty": dirty if isinstance(dirty, bool) else None,
        "hostname": machine["hostname"],
        "machine_fingerprint": fingerprint(machine),
        "machine": machine,
        "metadata": {
            "source": "pytest-benchmark",
            "pytest_benchmark_version": data.get("version"),
            "project": commit.get("project"),
            "commit_time": commit.get("time"),
        },
    }


def _samples_ms(stats: Mapping[str, Any]) -> np.ndarray:
    data = stats.get("data")
    if not isinstance(data, list):
        return np.empty(0)
    values = np.asarray([as_number(value) for value in data], dtype=float)
    return values[np.isfinite(values)] * 1000.0


def _result(benchmark: Mapping[str, Any], cpu_model: Any, timestamp: str | None, run: dict[str, Any]) -> dict[str, Any]:
    stats = mapping_at(benchmark, "stats")
    extra = mapping_at(benchmark, "extra_info")
    samples = _samples_ms(stats)
    performance: dict[str, Any] = {
        "average_latency_ms": _ms(stats.get("mean")),
        "p50_latency_ms": _ms(stats.get("median")),
        "throughput_items_per_second": as_number(stats.get("ops")),
        "latency_stddev_ms": _ms(stats.get("stddev")),
        "latency_iqr_ms": _ms(stats.get("iqr")),
        "sample_count": stats.get("rounds"),
        "test_case": benchmark.get("fullname") or benchmark.get("name"),
        **{key: extra[key] for key in _PERFORMANCE_EXTRA if key in extra},
    }
    if len(samples) >= 2:
        p90, p99 = np.percentile(samples, [90, 99])
        performance["p90_latency_ms"], performance["p99_latency_ms"] = float(p90), float(p99)
    hardware = extra.get("hardware_type", "cpu")
    summary = {
        key: stats.get(key) for key in ("min", "max", "q1", "q3", "iqr_outliers", "stddev_outliers", "iterations")
    }
    summary.update(
        group=benchmark.get("group"),
        params=benchmark.get("params"),
        unit="s",
        samples=len(samples) or None,
    )
    return {
        "model_name": extra.get("model_name", benchmark.get("name")),
        "hardware_type": hardware,
        "device_name": extra.get("device_name", cpu_model if str(hardware).lower() == "cpu" else None),
        "test_type": TEST_TYPE,
        "timestamp": timestamp,
        "execution_time": as_number(stats.get("total")),
        **success_fields(),
        "performance": performance,
        "run": run,
        "details": {
            "pytest_benchmark": summary,
            "extra_info": {
                key: value for key, value in extra.items() if key not in _TOP_LEVEL_EXTRA + _PERFORMANCE_EXTRA
            }
            or None,
        },
    }


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per benchmark, all in the file's run."""
    timestamp = first_timestamp(data.get("datetime"))
    run = _run(data, timestamp)
    cpu_model = run["machine"]["cpu_model"]
    results = []
    for benchmark in data["benchmarks"]:
        if isinstance(benchmark, Mapping):
            result = _result(benchmark, cpu_model, timestamp, run)
            result["details"] = source_details(path, **result["details"])
            results.append(result)
    skip = None if results else "pytest-benchmark file with no benchmarks"
    return ShapeOutput(results, skip_reason=skip)


SHAPE = Shape("pytest_benchmark", lambda data, _name: is_pytest_benchmark(data), parse=parse)
