"""``firefox_webgpu_results/<model>_firefox_vs_chrome_<epoch>.json``: one model on WebGPU in several browsers.

Shape: ``{model, tests: [{success, model, browser, compute_shaders, performance {improvement_percentage},
name}]}``.

One ``web_platform`` result per test, on ``webgpu`` (the folder and the compute-shader option are WebGPU's; a
test may name another ``platform``). The file holds no latency or throughput, only an improvement percentage
against an unstated baseline, so there is no ``performance`` sub-dict; browser, compute shaders (as
``optimization_type``) and the improvement go to details. The file has no timestamp inside: the epoch seconds
in its name are the run time. The model is named only by its key ("whisper").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    as_number,
    failed_fields,
    first_timestamp,
    mapping_at,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per browser/configuration test."""
    tests = [test for test in data.get("tests", []) if isinstance(test, Mapping)]
    timestamp = first_timestamp(data.get("timestamp"), timestamp_from_name(path.name))
    results = [_test_result(data, test, path, timestamp) for test in tests]
    if not results:
        return ShapeOutput([], skip_reason="browser comparison with no tests")
    return ShapeOutput(results)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    tests = data.get("tests")
    return isinstance(tests, list) and any(isinstance(t, Mapping) and "browser" in t for t in tests)


SHAPE = Shape("browser_comparison", recognises, parse=parse)


def _test_result(data: Mapping[str, Any], test: Mapping[str, Any], path: Path, timestamp: str | None) -> dict[str, Any]:
    performance = mapping_at(test, "performance")
    compute_shaders = test.get("compute_shaders")
    outcome = success_fields() if test.get("success") is True else failed_fields(test.get("error"))
    return {
        "model_name": test.get("model") or data.get("model"),
        "hardware_type": test.get("platform") or "webgpu",
        "test_type": "web_platform",
        "model_type": test.get("model") or data.get("model"),
        "timestamp": first_timestamp(test.get("timestamp")) or timestamp,
        **outcome,
        "details": source_details(
            path,
            test_name=test.get("name"),
            browser=test.get("browser"),
            compute_shaders=compute_shaders,
            optimization_type="compute_shaders" if compute_shaders is True else None,
            improvement_percentage=as_number(performance.get("improvement_percentage")),
            timestamp_source="file_name" if data.get("timestamp") is None else "file",
        ),
    }
