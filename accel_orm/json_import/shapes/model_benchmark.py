"""``benchmark_<model>_<hw>_<ts>.json``: one model key on one hardware key, one entry per batch size.

Shape: ``{model, model_key, model_category, model_path, hardware, hardware_key, timestamp, batch_sizes: {"<bs>":
{throughput, latency_ms, memory_usage_mb, success, command}}, compatible}``.

Each batch entry becomes one ``benchmark`` result. The model is named by ``model_path`` (the Hugging Face id the
command ran), because ``model`` is a display label ("BERT") shared by differently sized checkpoints; the key and
category become ``model_type`` and ``model_family``. Latency is already in milliseconds. There are no samples, so
no percentiles. ``memory_usage_mb`` is not said to be a peak and becomes ``memory_usage``. The file-level
``compatible`` flag is kept in details only: it is this run's opinion, not a compatibility-matrix verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    as_int,
    failed_fields,
    first_timestamp,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per entry of ``batch_sizes``."""
    batches = data.get("batch_sizes")
    if not isinstance(batches, Mapping) or not batches:
        return ShapeOutput([], skip_reason="model benchmark with no batch entries")
    base = _base(data, path)
    results = [_batch_result(base, key, entry) for key, entry in batches.items() if isinstance(entry, Mapping)]
    return ShapeOutput(results)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_sizes"), Mapping) and ("hardware_key" in data or "hardware" in data)


SHAPE = Shape("model_benchmark", recognises, parse=parse)


def _base(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    return {
        "model_name": data.get("model_path") or data.get("model"),
        "hardware_type": data.get("hardware_key") or data.get("hardware"),
        "test_type": "benchmark",
        "model_type": data.get("model_key"),
        "model_family": data.get("model_category"),
        "timestamp": first_timestamp(data.get("timestamp"), timestamp_from_name(path.name)),
        "details": source_details(
            path,
            model_label=data.get("model"),
            model_key=data.get("model_key"),
            model_category=data.get("model_category"),
            hardware_label=data.get("hardware"),
            compatible=data.get("compatible"),
        ),
    }


def _batch_result(base: Mapping[str, Any], key: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    batch_size = as_int(key)
    details = {**base["details"], "command": entry.get("command")}
    if entry.get("success") is False or "error" in entry:
        details["batch_size"] = batch_size
        return {**base, **failed_fields(entry.get("error")), "details": details}
    performance = {
        "batch_size": batch_size,
        "average_latency_ms": entry.get("latency_ms"),
        "throughput_items_per_second": entry.get("throughput"),
    }
    return {
        **base,
        **success_fields(),
        "memory_usage": entry.get("memory_usage_mb"),
        "performance": performance,
        "details": details,
    }
