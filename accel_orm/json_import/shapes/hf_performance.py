"""``performance_results/hf_<model>_performance_<ts>.json``: a skill test's per-platform status report.

Shape: ``{metadata {timestamp, test_file, model "hf_<type>", execution_time}, results {status {"init", "<platform>_
<step>": "Success (REAL)" | "Success (MOCK)" | "Error: ..." | "... not available" | {...}, "cuda_benchmark":
{average_inference_time (s), iterations, cuda_device, cuda_memory_used_mb}}, examples [{platform, timestamp,
elapsed_time (s), implementation_type, [is_simulated]}], metadata {model_name, ...}}}``.

One ``functionality`` result per platform that was tested: failed if any of its steps reports "Error"/"Failed"
(the text is the error message), successful if a step reports "Success". A platform whose only status is "not
available" was not tested and yields nothing. The matching example's ``elapsed_time`` (one inference, seconds)
becomes ``execution_time``; its ``is_simulated`` flag goes to details (the CUDA example says simulated although
its status says REAL). ``cuda_benchmark`` is a separate ``benchmark`` result: ``average_inference_time`` is
seconds and becomes ``average_latency_ms``; one iteration gives no percentiles; the batch size is not recorded.

The model is the skill's model type ("bert" from ``hf_bert``): the checkpoint was a temporary local folder
(``/tmp/bert_test_model``), kept in details as ``model_path``, which names no published model.
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
    normalize_hardware,
    seconds_to_ms,
    simulation_fields,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

# Status-key prefixes naming a platform, and the hardware type each stands for.
_PLATFORM_PREFIXES: dict[str, str] = {
    "cpu": "cpu",
    "cuda": "cuda",
    "rocm": "rocm",
    "openvino": "openvino",
    "apple": "mps",
    "mps": "mps",
    "qualcomm": "qualcomm",
    "webnn": "webnn",
    "webgpu": "webgpu",
}
_FAILURE_PREFIXES = ("error", "failed")


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """Functionality results per tested platform, plus the CUDA benchmark when present."""
    results_block = mapping_at(data, "results")
    status = mapping_at(results_block, "status")
    base = _base(data, results_block, path)
    examples = _examples_by_hardware(results_block.get("examples"))
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    for hardware, steps in _steps_by_hardware(status).items():
        outcome = _platform_result(base, hardware, steps, examples.get(hardware))
        if outcome is None:
            notes.append(f"{hardware}: not tested ({'; '.join(str(v) for v in steps.values())})")
        else:
            results.append(outcome)
        benchmark = steps.get("benchmark")
        if isinstance(benchmark, Mapping):
            results.append(_benchmark_result(base, hardware, benchmark))
    if not results:
        return ShapeOutput([], skip_reason="skill report with no tested platform", notes=tuple(notes))
    return ShapeOutput(results, notes=tuple(notes))


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    results = data.get("results")
    metadata = data.get("metadata")
    return (
        isinstance(results, Mapping)
        and isinstance(results.get("status"), Mapping)
        and isinstance(metadata, Mapping)
        and ("test_file" in metadata or "model" in metadata)
    )


SHAPE = Shape("hf_performance", recognises, parse=parse)


def _base(data: Mapping[str, Any], results_block: Mapping[str, Any], path: Path) -> dict[str, Any]:
    metadata = mapping_at(data, "metadata")
    inner = mapping_at(results_block, "metadata")
    skill = metadata.get("model") if isinstance(metadata.get("model"), str) else None
    model_type = skill.removeprefix("hf_") if skill else None
    return {
        "model_name": model_type,
        "model_type": model_type,
        "timestamp": first_timestamp(
            metadata.get("timestamp"), inner.get("test_timestamp"), timestamp_from_name(path.name)
        ),
        "details": source_details(
            path,
            skill=skill,
            test_file=metadata.get("test_file"),
            model_path=inner.get("model_name"),
            test_file_execution_time_s=as_number(metadata.get("execution_time")),
            torch_version=inner.get("torch_version"),
            transformers_version=inner.get("transformers_version"),
        ),
    }


def _steps_by_hardware(status: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"cuda": {"init": ..., "handler": ..., "benchmark": {...}}, ...}`` from the flat status keys."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in status.items():
        prefix, _, step = str(key).partition("_")
        hardware = _PLATFORM_PREFIXES.get(prefix.lower())
        if hardware is not None and step:
            grouped.setdefault(hardware, {})[step] = value
    return grouped


def _examples_by_hardware(examples: Any) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for example in examples if isinstance(examples, list) else []:
        if isinstance(example, Mapping):
            hardware = normalize_hardware(example.get("platform"))
            if hardware is not None:
                found.setdefault(hardware, example)
    return found


def _platform_result(
    base: Mapping[str, Any], hardware: str, steps: Mapping[str, Any], example: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    texts = [value.strip() for value in steps.values() if isinstance(value, str)]
    errors = [text for text in texts if text.lower().startswith(_FAILURE_PREFIXES)]
    successes = [text for text in texts if text.lower().startswith("success")]
    if not errors and not successes:
        return None
    implementations = sorted({text[text.find("(") + 1 : text.find(")")] for text in successes if "(" in text})
    details = {**base["details"], "steps": {k: v for k, v in steps.items() if isinstance(v, str)}}
    details["implementation_type"] = ",".join(implementations) or None
    result = {**base, "hardware_type": hardware, "test_type": "functionality", "details": details}
    if example is not None:
        details["is_simulation"] = example.get("is_simulated")
        result.update(simulation_fields(example.get("is_simulated"), "HF test example marked is_simulated"))
        details["example_implementation_type"] = example.get("implementation_type")
        result["execution_time"] = as_number(example.get("elapsed_time"))
        result["timestamp"] = first_timestamp(example.get("timestamp")) or base["timestamp"]
    result.update(failed_fields("; ".join(errors)) if errors else success_fields())
    return result


def _benchmark_result(base: Mapping[str, Any], hardware: str, benchmark: Mapping[str, Any]) -> dict[str, Any]:
    device = benchmark.get(f"{hardware}_device")
    return {
        **base,
        "hardware_type": hardware,
        "test_type": "benchmark",
        **success_fields(),
        "device_name": device if isinstance(device, str) else None,
        "memory_usage": benchmark.get(f"{hardware}_memory_used_mb"),
        "performance": {"average_latency_ms": seconds_to_ms(benchmark.get("average_inference_time"))},
        "details": {**base["details"], "iterations": benchmark.get("iterations")},
    }
