"""``benchmark_results.json`` written by the hardware benchmark runner (``hardware_benchmark_runner.py``).

Shape: ``{timestamp "YYYYMMDD_HHMMSS", system_info {..., cuda_devices[]}, hardware_info, [hardware_details],
benchmarks: {family: {model: {hw: {status, model_class, family, hardware, timestamp, model_load_time,
benchmark_results: {"batch_B_seq_S" | "batch_B_img_WxH" | "batch_B_audio_Ns" | "batch_B": {status, latencies[]
(seconds), avg_latency (s), throughput, total_time, iterations, [timeout, completed_iterations,
real_time_factor, tokens_per_second, max_memory_allocated (MB)]} | {status: "failed", error}},
performance_summary}}}}}``.

One ``benchmark`` result per configuration key, i.e. per (model, hardware, batch size, sequence length / image
size / audio length). Latency samples are seconds in this shape and are converted to milliseconds before the
average and percentiles are computed. ``total_time`` (seconds) becomes ``execution_time``. Image size and audio
length have no column of their own and go to ``details`` with the configuration key.

A configuration with ``status != "completed"`` is a failed result carrying its ``error`` (e.g. every whisper-tiny
configuration failed in warm-up). A model whose own status is a failure (``load_failed``, ``benchmark_failed``,
``failed``) and that has no configurations becomes one failed result without a batch size. Runs stopped by the
runner's timeout keep their partial samples and say ``timeout`` in details.

``performance_summary`` is not imported: it aggregates the same configurations across batch sizes. Device facts
come from ``system_info`` (see :func:`accel_orm.json_import.shapes.common.hardware_facts`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    as_int,
    as_number,
    failed_fields,
    first_timestamp,
    hardware_facts,
    latency_stats_ms,
    normalize_hardware,
    seconds_to_ms,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

_CONFIG_KEY = re.compile(r"^batch_(?P<batch>\d+)(?:_(?P<rest>.+))?$")
_SEQ = re.compile(r"^seq_(\d+)$")
_IMG = re.compile(r"^img_(\d+x\d+)$")
_AUDIO = re.compile(r"^audio_(\d+(?:\.\d+)?)s$")
_FAILED_MODEL_STATUSES = frozenset({"load_failed", "benchmark_failed", "failed", "error", "not_implemented"})
_EXTRA_DETAILS = ("iterations", "timeout", "completed_iterations", "real_time_factor", "tokens_per_second")


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per configuration of every (family, model, hardware) block."""
    results = results_from_runner(data, path)
    if not results:
        return ShapeOutput([], skip_reason="runner results with no benchmark configurations")
    return ShapeOutput(results)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("benchmarks"), Mapping) and ("system_info" in data or "hardware_info" in data)


SHAPE = Shape("runner_results", recognises, parse=parse)


def results_from_runner(data: Mapping[str, Any], path: Path, **extra_details: Any) -> list[dict[str, Any]]:
    """The results of a runner document; also used for the copies an orchestrator embeds (``extra_details``)."""
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, Mapping):
        return []
    context = _RunContext(data, path, extra_details)
    results: list[dict[str, Any]] = []
    for family, models in benchmarks.items():
        if not isinstance(models, Mapping):
            continue
        for model_name, per_hardware in models.items():
            if not isinstance(per_hardware, Mapping):
                continue
            for hardware, block in per_hardware.items():
                if isinstance(block, Mapping):
                    results.extend(_model_results(context, str(family), str(model_name), str(hardware), block))
    return results


class _RunContext:
    """File-level facts every result of one runner document shares."""

    def __init__(self, data: Mapping[str, Any], path: Path, extra_details: Mapping[str, Any]) -> None:
        self.path = path
        self.system_info = data.get("system_info") if isinstance(data.get("system_info"), Mapping) else None
        self.timestamp = first_timestamp(data.get("timestamp"), timestamp_from_name(path.name))
        self.run_timestamp = data.get("timestamp")
        self.extra_details = dict(extra_details)


def _model_results(
    context: _RunContext, family: str, model_name: str, hardware: str, block: Mapping[str, Any]
) -> list[dict[str, Any]]:
    base = _base(context, family, model_name, hardware, block)
    configs = block.get("benchmark_results")
    if isinstance(configs, Mapping) and configs:
        return [_config_result(base, key, cfg) for key, cfg in configs.items() if isinstance(cfg, Mapping)]
    if str(block.get("status", "")).lower() in _FAILED_MODEL_STATUSES or "error" in block:
        return [{**base, **failed_fields(block.get("error") or f"runner status {block.get('status')!r}")}]
    return []


def _base(
    context: _RunContext, family: str, model_name: str, hardware: str, block: Mapping[str, Any]
) -> dict[str, Any]:
    hardware_type = normalize_hardware(block.get("hardware") or hardware) or hardware
    details = source_details(
        context.path,
        run_timestamp=context.run_timestamp,
        model_class=block.get("model_class"),
        model_load_time_s=as_number(block.get("model_load_time")),
        runner_status=block.get("status"),
        **context.extra_details,
    )
    if hardware_type == "cuda" and context.system_info:
        details["cuda_version"] = context.system_info.get("cuda_version")
    return {
        "model_name": block.get("model_name") or model_name,
        "hardware_type": hardware_type,
        "test_type": "benchmark",
        "model_family": block.get("family") or family,
        "timestamp": first_timestamp(block.get("timestamp")) or context.timestamp,
        **hardware_facts(hardware_type, context.system_info),
        "details": details,
    }


def _config_result(base: Mapping[str, Any], key: str, config: Mapping[str, Any]) -> dict[str, Any]:
    shape = _config_shape(key)
    details = {**base["details"], "config_key": key, **shape["details"]}
    if config.get("status") != "completed":
        details.update(batch_size=shape["batch_size"], sequence_length=shape["sequence_length"])
        details["config_status"] = config.get("status")
        error = config.get("error") or f"configuration status {config.get('status')!r}"
        return {**base, **failed_fields(error), "details": details}
    performance: dict[str, Any] = {
        "batch_size": shape["batch_size"],
        "sequence_length": shape["sequence_length"],
        "throughput_items_per_second": config.get("throughput"),
        "memory_peak_mb": config.get("max_memory_allocated"),
    }
    performance.update(_latency(config, details))
    for name in _EXTRA_DETAILS:
        details[name] = config.get(name)
    details["max_memory_reserved_mb"] = config.get("max_memory_reserved")
    return {
        **base,
        **success_fields(),
        "execution_time": config.get("total_time"),
        "performance": performance,
        "details": details,
    }


def _latency(config: Mapping[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    """Latency statistics in ms: from the samples (seconds) when present, else the file's average."""
    samples = config.get("latencies")
    if isinstance(samples, list) and samples:
        stats, dropped = latency_stats_ms(seconds_to_ms(s) for s in samples)
        if dropped:
            details["latency_samples_dropped"] = dropped
        if stats:
            details["latency_samples"] = len(samples) - dropped
            return stats
    return {"average_latency_ms": seconds_to_ms(config.get("avg_latency"))}


def _config_shape(key: str) -> dict[str, Any]:
    """Batch size, sequence length and other input facts encoded in a key such as ``batch_4_seq_128``."""
    match = _CONFIG_KEY.match(key)
    if not match:
        return {"batch_size": None, "sequence_length": None, "details": {}}
    rest = match.group("rest") or ""
    sequence = _SEQ.match(rest)
    image = _IMG.match(rest)
    audio = _AUDIO.match(rest)
    details: dict[str, Any] = {}
    if image:
        details["image_size"] = image.group(1)
    elif audio:
        details["audio_length_seconds"] = as_number(audio.group(1))
    elif rest and not sequence:
        details["input_variant"] = rest
    return {
        "batch_size": as_int(match.group("batch")),
        "sequence_length": as_int(sequence.group(1)) if sequence else None,
        "details": details,
    }
