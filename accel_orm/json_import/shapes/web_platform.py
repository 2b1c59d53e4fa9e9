"""``web_platform_results/<model>_<platform>_<ts>/result.json``: one model on WebGPU or WebNN.

Shape: ``{model_key, model_name, platform webgpu|webnn, status, test_file, browser_opened, headless, timestamp,
platform_support {...}, implementation_type, is_simulation, modality, metrics {inference_time_ms, load_time_ms,
memory_mb, throughput_items_per_second}}``.

One ``web_platform`` result per file. ``inference_time_ms`` is the average latency (already ms); ``load_time_ms``
has no column and goes to details. ``is_simulation`` is copied to details as found: every fixture says
``is_simulation: true`` next to ``implementation_type: "REAL_WEBGPU"``/``"REAL_WEBNN"``, and the numbers are
round (80 ms, 150 MB), so consumers must be able to filter simulated runs out: the flag also sets the
``is_simulated`` column (with the reason the file gives), which comparisons and regression detection exclude by
default, and ``modality`` fills ``models.modality``. The batch size is not recorded, so none is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    failed_fields,
    first_timestamp,
    mapping_at,
    simulation_fields,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

_SUCCESS = frozenset({"success", "succeeded", "completed", "passed", "ok"})


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """The single result of a web platform run."""
    metrics = mapping_at(data, "metrics")
    succeeded = str(data.get("status", "")).lower() in _SUCCESS
    result: dict[str, Any] = {
        "model_name": data.get("model_name"),
        "hardware_type": data.get("platform"),
        "test_type": "web_platform",
        "model_type": data.get("model_key"),
        "timestamp": first_timestamp(
            data.get("timestamp"), timestamp_from_name(path.parent.name), timestamp_from_name(path.name)
        ),
        **(success_fields() if succeeded else failed_fields(data.get("error") or data.get("error_message"))),
        "memory_usage": metrics.get("memory_mb"),
        **simulation_fields(data.get("is_simulation"), "web platform result marked is_simulation"),
        "modality": data.get("modality") if isinstance(data.get("modality"), str) else None,
        "details": source_details(
            path,
            source_dir=path.parent.name,
            model_key=data.get("model_key"),
            modality=data.get("modality"),
            is_simulation=data.get("is_simulation"),
            implementation_type=data.get("implementation_type"),
            load_time_ms=metrics.get("load_time_ms"),
            browser=data.get("browser"),
            browser_opened=data.get("browser_opened"),
            headless=data.get("headless"),
            test_file=data.get("test_file"),
            platform_support=data.get("platform_support"),
            raw_status=data.get("status"),
        ),
    }
    if succeeded:
        result["performance"] = {
            "average_latency_ms": metrics.get("inference_time_ms"),
            "throughput_items_per_second": metrics.get("throughput_items_per_second"),
        }
    return ShapeOutput([result])


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    platform = data.get("platform")
    return (
        isinstance(platform, str)
        and platform.lower() in {"webgpu", "webnn"}
        and "model_name" in data
        and ("metrics" in data or "status" in data)
    )


SHAPE = Shape("web_platform", recognises, parse=parse)
