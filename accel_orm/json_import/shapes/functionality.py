"""``functionality/model_functionality_<ts>.json``: did each model's skill test run on each hardware?

Shape: ``{stats {timestamp, total_tests, failed_tests, hardware_platforms[], ...}, model_results {key: {hw:
bool}}, detailed_results [{model, hardware, success, return_code, stdout, stderr}]}``.

These are results, despite the README's first guess: each entry is the outcome of one (model, hardware) test
run, with the error text of the run. One ``functionality`` result per entry of ``detailed_results``; a model
that appears only in ``model_results`` (no detail) still gets a result, without error text. ``stderr`` is the
error message. In the files seen every failure is a SyntaxError/IndentationError inside the generated test
script itself, i.e. the test harness was broken, not the model; the result still records it as failed because
that is what happened, and ``details.return_code`` keeps the exit status.

The file names models by key (``"bert"``). The orchestrator that wrote it also wrote ``benchmark_config.json``
with the run's model list one folder up; it is read (never imported) to turn keys into full names and facts,
so these results name the same models as the orchestrator's. Without it, the key is the model name.

The orchestrator embeds this same block in its ``benchmark_results.json``; it imports the block only when this
file is absent, so the results are counted once (see :mod:`accel_orm.json_import.shapes.orchestrator_results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    failed_fields,
    first_timestamp,
    load_json_quietly,
    mapping_at,
    model_facts,
    models_map,
    source_details,
    success_fields,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One result per (model, hardware) test run of the file."""
    models = _neighbour_models(path)
    results = results_from_block(data, path, models)
    notes = () if models else ("no benchmark_config.json next to the run: model keys are used as model names",)
    if not results:
        return ShapeOutput([], skip_reason="functionality report with no test entries", notes=notes)
    return ShapeOutput(results, notes=notes)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("stats"), Mapping) and ("model_results" in data or "detailed_results" in data)


SHAPE = Shape("functionality", recognises, parse=parse)


def results_from_block(
    block: Mapping[str, Any], path: Path, models: Mapping[str, Mapping[str, Any]], **extra_details: Any
) -> list[dict[str, Any]]:
    """Results of one functionality block; shared with the orchestrator, which holds a copy of this block."""
    stats = mapping_at(block, "stats")
    timestamp = first_timestamp(stats.get("timestamp"), timestamp_from_name(path.name))
    results: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    detailed = block.get("detailed_results")
    for entry in detailed if isinstance(detailed, list) else []:
        if (
            isinstance(entry, Mapping)
            and isinstance(entry.get("model"), str)
            and isinstance(entry.get("hardware"), str)
        ):
            seen.add((entry["model"], entry["hardware"]))
            results.append(_detailed_result(entry, path, models, timestamp, extra_details))
    model_results = block.get("model_results")
    for key, per_hardware in model_results.items() if isinstance(model_results, Mapping) else []:
        for hardware, outcome in per_hardware.items() if isinstance(per_hardware, Mapping) else []:
            if (key, hardware) not in seen and isinstance(outcome, bool):
                results.append(_summary_result(key, hardware, outcome, path, models, timestamp, extra_details))
    return results


def _detailed_result(
    entry: Mapping[str, Any],
    path: Path,
    models: Mapping[str, Mapping[str, Any]],
    timestamp: str | None,
    extra_details: Mapping[str, Any],
) -> dict[str, Any]:
    key = entry["model"]
    details = source_details(path, model_key=key, return_code=entry.get("return_code"), **extra_details)
    if entry.get("stdout"):
        details["stdout"] = entry["stdout"]
    outcome = success_fields() if entry.get("success") is True else failed_fields(entry.get("stderr"))
    return {
        **model_facts(key, models),
        "hardware_type": entry["hardware"],
        "test_type": "functionality",
        "timestamp": timestamp,
        **outcome,
        "details": details,
    }


def _summary_result(
    key: str,
    hardware: str,
    outcome: bool,
    path: Path,
    models: Mapping[str, Mapping[str, Any]],
    timestamp: str | None,
    extra_details: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        **model_facts(key, models),
        "hardware_type": hardware,
        "test_type": "functionality",
        "timestamp": timestamp,
        **(success_fields() if outcome else failed_fields(None)),
        "details": source_details(path, model_key=key, **extra_details),
    }


def _neighbour_models(path: Path) -> dict[str, dict[str, Any]]:
    """The run's model list from the orchestrator's config (or results) one folder up, if present."""
    run_dir = path.parent.parent
    for name in ("benchmark_config.json", "benchmark_results.json"):
        neighbour = load_json_quietly(run_dir / name)
        if isinstance(neighbour, Mapping) and models_map(neighbour.get("models")):
            return models_map(neighbour.get("models"))
    return {}
