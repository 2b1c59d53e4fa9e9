"""``benchmark_results.json`` written by the orchestrator (``run_model_benchmarks.py``): a whole run's record.

Shape: ``{timestamp, models {key: {name, family, size, modality}}, functionality_verification {hw: <functionality
block>}, performance_benchmarks {family: <runner document> | {status: "error", error}}, hardware_detected {hw:
bool}}``.

What real results it holds, and how each is imported (decided from the two files in the fixtures):

* ``performance_benchmarks[family]`` that is a whole runner document is a verbatim copy of the runner's own
  ``performance/<family>/<ts>/<ts>/benchmark_results.json`` (same timestamp, same measurements). When that
  original is below this file it is the one imported and the copy is skipped (noted), so each measurement is
  counted once. When the original is missing, the copy is imported with the runner parser
  (``details.embedded_in_orchestrator``) so nothing is lost.
* ``functionality_verification[hw]`` is likewise a copy of ``functionality/model_functionality_<ts>.json``; same
  rule.
* ``performance_benchmarks[family] = {status: "error", error}`` means the family's benchmark suite crashed before
  measuring anything (in the fixtures: a NameError/IndentationError in ``run_benchmark_suite.py``). Nothing
  else records these failures, so each becomes one failed ``benchmark`` result per model the run meant to
  benchmark in that family (from ``models``) and per hardware the run targeted, carrying the traceback. The
  targeted hardware is the ``hardware_types`` of the run's ``benchmark_config.json`` next to this file (same
  timestamp) when present, else the hardware of ``functionality_verification``, else the hardware flagged true
  in ``hardware_detected`` (what the orchestrator benchmarks by default); ``details.hardware_source`` says which.
  No batch size: the suite never got that far.

``models`` and ``hardware_detected`` themselves are run metadata, not results.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes import functionality, runner_results
from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    failed_fields,
    first_timestamp,
    is_known_hardware,
    load_json_quietly,
    mapping_at,
    model_facts,
    models_map,
    normalize_hardware,
    source_details,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

_FAILED_STATUSES = frozenset({"error", "failed"})


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """Failed family suites, plus embedded copies whose original file is not next to this one."""
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    models = models_map(data.get("models"))
    _functionality(data, path, models, results, notes)
    _performance(data, path, models, results, notes)
    if results:
        return ShapeOutput(results, notes=tuple(notes))
    reason = "orchestrator run record with no results of its own"
    if notes:
        reason += ": " + "; ".join(notes)
    return ShapeOutput([], skip_reason=reason, notes=tuple(notes))


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return "performance_benchmarks" in data or "functionality_verification" in data


SHAPE = Shape("orchestrator_results", recognises, parse=parse)


def _functionality(
    data: Mapping[str, Any],
    path: Path,
    models: Mapping[str, Mapping[str, Any]],
    results: list[dict[str, Any]],
    notes: list[str],
) -> None:
    blocks = mapping_at(data, "functionality_verification")
    if not blocks:
        return
    originals = _json_files(path.parent / "functionality", "*.json")
    for hardware, block in blocks.items():
        if not isinstance(block, Mapping) or not block:
            continue
        original = _find_equal(originals, functools.partial(operator.eq, block))
        if original is not None:
            notes.append(f"functionality_verification[{hardware!r}] is a copy of {_relative(original, path)}")
            continue
        results.extend(functionality.results_from_block(block, path, models, embedded_in_orchestrator=True))


def _performance(
    data: Mapping[str, Any],
    path: Path,
    models: Mapping[str, Mapping[str, Any]],
    results: list[dict[str, Any]],
    notes: list[str],
) -> None:
    blocks = mapping_at(data, "performance_benchmarks")
    if not blocks:
        return
    originals = _json_files(path.parent / "performance", "**/benchmark_results.json")
    for family, block in blocks.items():
        if not isinstance(block, Mapping):
            continue
        if isinstance(block.get("benchmarks"), Mapping):
            _runner_copy(str(family), block, path, originals, results, notes)
        elif str(block.get("status", "")).lower() in _FAILED_STATUSES:
            results.extend(_failed_family(data, path, models, str(family), block, notes))
        else:
            notes.append(f"performance_benchmarks[{family!r}] has neither measurements nor an error")


def _runner_copy(
    family: str,
    block: Mapping[str, Any],
    path: Path,
    originals: list[tuple[Path, Any]],
    results: list[dict[str, Any]],
    notes: list[str],
) -> None:
    def same_run(doc: Any) -> bool:
        return (
            isinstance(doc, Mapping)
            and doc.get("timestamp") == block.get("timestamp")
            and doc.get("benchmarks") == block.get("benchmarks")
        )

    original = _find_equal(originals, same_run)
    if original is not None:
        notes.append(f"performance_benchmarks[{family!r}] is a copy of {_relative(original, path)}")
        return
    results.extend(runner_results.results_from_runner(block, path, embedded_in_orchestrator=True))


def _failed_family(
    data: Mapping[str, Any],
    path: Path,
    models: Mapping[str, Mapping[str, Any]],
    family: str,
    block: Mapping[str, Any],
    notes: list[str],
) -> list[dict[str, Any]]:
    keys = [key for key, info in models.items() if info.get("family") == family]
    hardware, source = _target_hardware(data, path)
    if not keys or not hardware:
        notes.append(f"performance_benchmarks[{family!r}] failed but the run names no models or hardware for it")
        return []
    timestamp = first_timestamp(data.get("timestamp"), timestamp_from_name(path.parent.name))
    return [
        {
            **model_facts(key, models),
            "hardware_type": hw,
            "test_type": "benchmark",
            "timestamp": timestamp,
            **failed_fields(block.get("error")),
            "details": source_details(
                path, model_key=key, failure_scope="family", suite_status=block.get("status"), hardware_source=source
            ),
        }
        for key in keys
        for hw in hardware
    ]


def _target_hardware(data: Mapping[str, Any], path: Path) -> tuple[list[str], str | None]:
    """The hardware the run benchmarked, from the most to the least specific record of it."""
    config = load_json_quietly(path.parent / "benchmark_config.json")
    if isinstance(config, Mapping) and config.get("timestamp") == data.get("timestamp"):
        listed = _hardware_list(config.get("hardware_types"))
        if listed:
            return listed, "benchmark_config.json"
    verification = data.get("functionality_verification")
    if isinstance(verification, Mapping):
        listed = _hardware_list(list(verification))
        if listed:
            return listed, "functionality_verification"
    detected = data.get("hardware_detected")
    if isinstance(detected, Mapping):
        listed = _hardware_list([hw for hw, available in detected.items() if available is True])
        if listed:
            return listed, "hardware_detected"
    return [], None


def _hardware_list(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [normalize_hardware(v) or v for v in values if is_known_hardware(v)]


def _json_files(folder: Path, pattern: str) -> list[tuple[Path, Any]]:
    """Parsed JSON files under ``folder`` matching ``pattern``, loaded once per orchestrator file."""
    if not folder.is_dir():
        return []
    return [(candidate, load_json_quietly(candidate)) for candidate in sorted(folder.glob(pattern))]


def _find_equal(candidates: list[tuple[Path, Any]], matches: Callable[[Any], bool]) -> Path | None:
    for candidate, document in candidates:
        if matches(document):
            return candidate
    return None


def _relative(target: Path, path: Path) -> str:
    try:
        return target.relative_to(path.parent).as_posix()
    except ValueError:
        return target.as_posix()
