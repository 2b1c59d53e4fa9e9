"""``direct_benchmark_<model>_<hw>_<ts>.json``: one model on one device, one entry per batch size.

Shape: ``{model, hardware, success, batch_results: {"<bs>": {success, batch_size, avg_latency_ms,
throughput_items_per_second, memory_mb, latencies_ms[], device, timestamp} | {success: false, error}},
timestamp}``.

Each batch entry becomes one ``benchmark`` result. The per-batch ``success`` flag is authoritative: the
top-level flag says only that the script ran (the t5 file has ``success: true`` at the top and a failed batch).
Latency samples are already in milliseconds; average and percentiles are computed from them. ``memory_mb`` is not
said to be a peak, so it becomes the result's ``memory_usage`` and no ``memory_peak_mb`` is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    as_int,
    as_number,
    failed_fields,
    first_timestamp,
    latency_stats_ms,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per entry of ``batch_results``."""
    batches = data.get("batch_results")
    if not isinstance(batches, Mapping) or not batches:
        return ShapeOutput([], skip_reason="direct benchmark with no batch results")
    results = [_batch_result(data, key, entry, path) for key, entry in batches.items() if isinstance(entry, Mapping)]
    return ShapeOutput(results)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_results"), Mapping) and "model" in data and "hardware" in data


SHAPE = Shape("direct_benchmark", recognises, parse=parse)


def _batch_result(data: Mapping[str, Any], key: str, entry: Mapping[str, Any], path: Path) -> dict[str, Any]:
    batch_size = as_int(entry.get("batch_size", key))
    details = source_details(path, device=entry.get("device"))
    result: dict[str, Any] = {
        "model_name": data.get("model"),
        "hardware_type": data.get("hardware"),
        "test_type": "benchmark",
        "timestamp": first_timestamp(entry.get("timestamp"), data.get("timestamp"), timestamp_from_name(path.name)),
        "details": details,
    }
    if entry.get("success") is False or "error" in entry:
        details["batch_size"] = batch_size
        return {**result, **failed_fields(entry.get("error"))}
    performance: dict[str, Any] = {
        "batch_size": batch_size,
        "throughput_items_per_second": entry.get("throughput_items_per_second"),
    }
    samples = entry.get("latencies_ms")
    stats, dropped = latency_stats_ms(samples) if isinstance(samples, list) else ({}, 0)
    if stats and isinstance(samples, list):
        performance.update(stats)
        details["latency_samples"] = len(samples) - dropped
    else:
        performance["average_latency_ms"] = as_number(entry.get("avg_latency_ms"))
    if dropped:
        details["latency_samples_dropped"] = dropped
    return {**result, **success_fields(), "memory_usage": entry.get("memory_mb"), "performance": performance}
