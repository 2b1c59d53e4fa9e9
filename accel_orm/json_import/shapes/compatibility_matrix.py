"""``hardware_compatibility_matrix.json``: which model ran on which hardware, per model family.

Shape: ``{timestamp, hardware_types[], model_families: {family: {hardware_compatibility: {hw: {compatible,
performance_rating, [error], benchmark_results: [{model_name, timestamp, [mean_latency (s), mean_throughput,
max_memory]}]}}}}}``.

How the runner fills it (``hardware_benchmark_runner._update_compatibility_matrix``) decides what it can tell:

* ``compatible`` and ``performance_rating`` are per *family* and hardware, and unreliable per model:
  ``compatible`` is overwritten by whichever model of the family ran last, and the rating of ``cpu`` is always
  "medium" (the baseline). They are kept in ``details`` as ``family_compatible`` / ``performance_rating``.
* An entry in ``benchmark_results`` is appended exactly when that model's run on that hardware finished
  (runner status "completed"); it carries means only when at least one configuration produced measurements.

So one ``compatibility`` result is emitted per (model entry, hardware), judged by the model's own entry:

* entry with a positive ``mean_throughput`` or ``mean_latency`` -> ``supported``, score 1.0, success True;
* entry without measurements (the run finished but every configuration failed, e.g. whisper-tiny) ->
  ``limited``, score 0.5, success False.

``recommended`` is True only for a supported model whose family rating is "high". The means are aggregates of the
runner's own results, which are imported from the runner file, so they go to ``details`` (latency converted to
ms) and no ``performance`` sub-dict is emitted: they would count the same measurements twice.

Family-level entries without model entries name no model and cannot become results. Keys that are not hardware
types are skipped and noted: the orchestrator's matrices list model names where hardware types belong (a bug of
the writer), always with ``compatible: false`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    STATUS_SUCCESS,
    ShapeOutput,
    as_number,
    first_timestamp,
    is_known_hardware,
    normalize_hardware,
    seconds_to_ms,
    source_details,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

STATUS_LIMITED = "Limited"


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One compatibility result per model entry under a real hardware type."""
    families = data.get("model_families")
    if not isinstance(families, Mapping) or not families:
        return ShapeOutput([], skip_reason="compatibility matrix with no model families (empty)")
    matrix_timestamp = first_timestamp(data.get("timestamp"), timestamp_from_name(path.name))
    results: list[dict[str, Any]] = []
    not_hardware: list[str] = []
    for family, block in families.items():
        cells = block.get("hardware_compatibility") if isinstance(block, Mapping) else None
        for key, cell in cells.items() if isinstance(cells, Mapping) else []:
            if not is_known_hardware(key):
                not_hardware.append(str(key))
                continue
            if isinstance(cell, Mapping):
                results.extend(_cell_results(str(family), normalize_hardware(key) or key, cell, path, matrix_timestamp))
    notes = (f"keys that are not hardware types skipped: {sorted(set(not_hardware))}",) if not_hardware else ()
    if results:
        return ShapeOutput(results, notes=notes)
    reason = "compatibility matrix with no per-model entries (only family-level verdicts, which name no model)"
    if not_hardware:
        reason += f"; model names used as hardware keys: {sorted(set(not_hardware))}"
    return ShapeOutput([], skip_reason=reason, notes=notes)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    families = data.get("model_families")
    if not isinstance(families, Mapping):
        return False
    if not families:
        return "hardware_types" in data
    return all(isinstance(v, Mapping) and "hardware_compatibility" in v for v in families.values())


SHAPE = Shape("compatibility_matrix", recognises, parse=parse)


def _cell_results(
    family: str, hardware: str, cell: Mapping[str, Any], path: Path, matrix_timestamp: str | None
) -> list[dict[str, Any]]:
    entries = cell.get("benchmark_results")
    if not isinstance(entries, list):
        return []
    return [
        _entry_result(family, hardware, cell, entry, path, matrix_timestamp)
        for entry in entries
        if isinstance(entry, Mapping) and isinstance(entry.get("model_name"), str) and entry["model_name"]
    ]


def _entry_result(
    family: str,
    hardware: str,
    cell: Mapping[str, Any],
    entry: Mapping[str, Any],
    path: Path,
    matrix_timestamp: str | None,
) -> dict[str, Any]:
    rating = cell.get("performance_rating")
    measured = any((as_number(entry.get(key)) or 0) > 0 for key in ("mean_throughput", "mean_latency"))
    if measured:
        compatibility = {"status": "supported", "score": 1.0, "recommended": rating == "high"}
    else:
        compatibility = {"status": "limited", "score": 0.5, "recommended": False}
    details = source_details(
        path,
        family_compatible=cell.get("compatible"),
        performance_rating=rating,
        family_error=cell.get("error"),
        mean_latency_ms=seconds_to_ms(entry.get("mean_latency")),
        mean_throughput_items_per_second=as_number(entry.get("mean_throughput")),
        max_memory=entry.get("max_memory"),
        has_measurements=measured,
    )
    return {
        "model_name": entry["model_name"],
        "hardware_type": hardware,
        "test_type": "compatibility",
        "model_family": family,
        "timestamp": first_timestamp(entry.get("timestamp")) or matrix_timestamp,
        "status": STATUS_SUCCESS if measured else STATUS_LIMITED,
        "success": measured,
        "compatibility": compatibility,
        "details": details,
    }
