"""A realistic synthetic benchmark history for the demo and the examples.

Models x hardware x days of nightly runs, with the texture real data has: per-hardware speed, noise, batch-size
scaling, browsers with shader optimisations, phones with power and thermal figures, combinations that never
work, occasional flaky failures, and a few injected changes in the last week (two regressions, one
improvement) that the regression query should find. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class DemoModel:
    name: str
    family: str
    model_type: str
    size: str
    parameters_million: float
    base_throughput: float  # items/s on a CPU at batch size 1


@dataclass(frozen=True)
class DemoHardware:
    hardware_type: str
    device_name: str | None
    speedup: float  # throughput multiple over the CPU
    memory_gb: float
    power_watts: float | None = None  # phones report power and thermals


MODELS = (
    DemoModel("bert-base-uncased", "text_embedding", "transformer", "base", 110.0, 95.0),
    DemoModel("t5-small", "text_generation", "transformer", "small", 60.5, 40.0),
    DemoModel("whisper-tiny", "audio", "transformer", "tiny", 39.0, 22.0),
    DemoModel("vit-base-patch16-224", "vision", "transformer", "base", 86.0, 55.0),
    DemoModel("clip-vit-base-patch32", "multimodal", "transformer", "base", 151.0, 30.0),
    DemoModel("llama-3.2-1b", "text_generation", "transformer", "large", 1240.0, 3.5),
)

HARDWARE = (
    DemoHardware("cpu", "Intel Xeon 8375C", 1.0, 64.0),
    DemoHardware("cuda", "NVIDIA A100-SXM4-40GB", 18.0, 40.0),
    DemoHardware("rocm", "AMD Instinct MI250", 14.0, 64.0),
    DemoHardware("mps", "Apple M2 Pro", 4.0, 32.0),
    DemoHardware("openvino", "Intel Xeon 8375C", 2.2, 64.0),
    DemoHardware("qualcomm", "Snapdragon 8 Gen 3", 1.6, 12.0, power_watts=4.2),
    DemoHardware("webgpu", "chrome", 2.5, 8.0),
    DemoHardware("webgpu", "firefox", 2.1, 8.0),
    DemoHardware("webnn", "edge", 1.8, 8.0),
)

# (model, hardware_type) pairs that never work, with the error a runner would report.
UNSUPPORTED = {
    ("llama-3.2-1b", "webnn"): "WebNN: operator 'RotaryEmbedding' is not supported",
    ("llama-3.2-1b", "qualcomm"): "QNN: model exceeds the 12 GB device memory",
    ("whisper-tiny", "webnn"): "WebNN: dynamic shapes are not supported for the audio encoder",
}
# (model, hardware_type, device) -> throughput multiple applied in the last week.
INJECTED_CHANGES: dict[tuple[str, str, str | None], float] = {
    ("bert-base-uncased", "cuda", "NVIDIA A100-SXM4-40GB"): 0.78,  # regression: a driver update
    ("whisper-tiny", "webgpu", "chrome"): 0.70,  # regression: a shader change
    ("vit-base-patch16-224", "rocm", "AMD Instinct MI250"): 1.25,  # improvement: a new kernel
}
WEB_OPTIMISATIONS = ("none", "compute_shaders", "shader_precompile", "parallel_loading")
OPTIMISATION_GAIN = {"none": 1.0, "compute_shaders": 1.22, "shader_precompile": 1.08, "parallel_loading": 1.04}
BATCH_SIZES = (1, 8)


def injected_changes() -> dict[tuple[str, str, str | None], float]:
    """What the demo plants, so callers can say what the regression query should find."""
    return dict(INJECTED_CHANGES)


def generate_history(
    *, days: int = 42, seed: int = 2026, end: datetime | None = None, runs_per_day: int = 2
) -> Iterator[dict[str, Any]]:
    """Yield result dicts (the ``store_test_results`` format) for ``days`` days ending at ``end`` (default now)."""
    rng = random.Random(seed)
    end = (end or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    change_from = end - timedelta(days=7)
    for day in range(days):
        for run in range(runs_per_day):
            moment = start + timedelta(days=day, hours=2 + run * 12)
            for model in MODELS:
                for hardware in HARDWARE:
                    for batch_size in BATCH_SIZES:
                        yield _result(rng, model, hardware, batch_size, moment, moment >= change_from)


def _result(
    rng: random.Random, model: DemoModel, hardware: DemoHardware, batch_size: int, moment: datetime, late: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "model_name": model.name,
        "model_family": model.family,
        "model_type": model.model_type,
        "model_size": model.size,
        "parameters_million": model.parameters_million,
        "hardware_type": hardware.hardware_type,
        "device_name": hardware.device_name,
        "memory_capacity": hardware.memory_gb,
        "test_type": "benchmark",
        "endpoint_type": "local",
        "timestamp": moment,
        "details": {"precision": "fp16" if hardware.speedup > 3 else "fp32", "runner": "nightly"},
    }
    error = UNSUPPORTED.get((model.name, hardware.hardware_type))
    if error is None and rng.random() < 0.01:
        error = "RuntimeError: benchmark timed out after 600 s"
    if error is not None:
        status = "unsupported" if (model.name, hardware.hardware_type) in UNSUPPORTED else "limited"
        result.update(
            success=False,
            status="Failed",
            error_message=error,
            compatibility={"status": status, "score": 0.0 if status == "unsupported" else 0.6, "recommended": False},
        )
        return result

    throughput = model.base_throughput * hardware.speedup * batch_size**0.75
    if hardware.hardware_type in ("webgpu", "webnn"):
        optimisation = rng.choice(WEB_OPTIMISATIONS)
        result["details"]["optimization_type"] = optimisation
        throughput *= OPTIMISATION_GAIN[optimisation]
    if late:
        throughput *= INJECTED_CHANGES.get((model.name, hardware.hardware_type, hardware.device_name), 1.0)
    throughput *= rng.gauss(1.0, 0.03)
    latency_ms = batch_size / throughput * 1000
    memory_mb = model.parameters_million * (2.2 if hardware.speedup > 3 else 4.1) + 180 * batch_size
    performance: dict[str, Any] = {
        "batch_size": batch_size,
        "sequence_length": 128 if model.family.startswith("text") else None,
        "average_latency_ms": latency_ms,
        "p50_latency_ms": latency_ms * 0.97,
        "p90_latency_ms": latency_ms * 1.12,
        "p99_latency_ms": latency_ms * rng.uniform(1.25, 1.6),
        "throughput_items_per_second": throughput,
        "memory_peak_mb": memory_mb * rng.gauss(1.0, 0.02),
    }
    result.update(
        success=True,
        status="Success",
        execution_time=latency_ms * 50 / 1000,
        memory_usage=memory_mb,
        performance=performance,
        compatibility={
            "status": "supported",
            "score": round(min(1.0, 0.6 + hardware.speedup / 40), 2),
            "recommended": hardware.speedup >= 4,
        },
    )
    if hardware.power_watts is not None:
        watts = hardware.power_watts * rng.gauss(1.0, 0.05)
        performance["power_watts"] = watts
        performance["energy_efficiency_items_per_joule"] = throughput / watts
        result["power_metrics"] = {
            "power_watts_avg": watts,
            "power_watts_peak": watts * rng.uniform(1.3, 1.6),
            "temperature_celsius_avg": rng.uniform(36, 44),
            "temperature_celsius_peak": rng.uniform(45, 56),
            "battery_impact_mah": watts * 300 / 3.85 / 3.6,
            "test_duration_seconds": 300.0,
            "estimated_runtime_hours": 18.5 / watts,
        }
    return result
