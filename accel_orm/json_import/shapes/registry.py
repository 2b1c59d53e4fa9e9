"""``parse_file``: one JSON file in, its result dicts (or the reason there are none) out.

Importing a folder of runner output must never stop at the first odd file, so :func:`parse_file` turns every
problem with a file's *content* (unreadable, not UTF-8, empty, invalid JSON, unknown shape, a parser tripping on
an unexpected value) into a ``skip_reason`` instead of an exception. It touches no database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from accel_orm.json_import.shapes import (
    benchmark_progress,
    browser_comparison,
    compatibility_matrix,
    detect,
    direct_benchmark,
    functionality,
    hf_performance,
    model_benchmark,
    non_results,
    orchestrator_results,
    pytest_benchmark,
    runner_results,
    seed_results,
    web_platform,
)
from accel_orm.json_import.shapes.common import REQUIRED_KEYS, ShapeOutput, finalize_result

logger = logging.getLogger(__name__)

Parser = Callable[[Any, Path], ShapeOutput]

SHAPES: Mapping[str, Parser] = MappingProxyType(
    {
        detect.DIRECT_BENCHMARK: direct_benchmark.parse,
        detect.MODEL_BENCHMARK: model_benchmark.parse,
        detect.RUNNER_RESULTS: runner_results.parse,
        detect.ORCHESTRATOR_RESULTS: orchestrator_results.parse,
        detect.COMPATIBILITY_MATRIX: compatibility_matrix.parse,
        detect.WEB_PLATFORM: web_platform.parse,
        detect.BROWSER_COMPARISON: browser_comparison.parse,
        detect.HF_PERFORMANCE: hf_performance.parse,
        detect.FUNCTIONALITY: functionality.parse,
        detect.BENCHMARK_PROGRESS: benchmark_progress.parse,
        detect.SEED_RESULTS: seed_results.parse,
        detect.PYTEST_BENCHMARK: pytest_benchmark.parse,
    }
)
"""Every shape that can carry results, mapped to its parser ``(parsed_json, path) -> ShapeOutput``."""


@dataclass(frozen=True)
class ParsedFile:
    """The outcome of reading one file.

    ``shape`` is None when the file is not a result file at all (unreadable, invalid, unrecognised, or a known
    non-result kind such as a config); ``skip_reason`` is set whenever ``results`` is empty and says why.
    ``notes`` lists decisions taken while reading (e.g. an embedded copy skipped because its original is
    imported), so that a file yielding fewer results than it seems to hold is explained.
    """

    path: Path
    shape: str | None
    results: list[dict[str, Any]]
    skip_reason: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def parse_file(path: str | Path) -> ParsedFile:
    """Read ``path`` and return its result dicts in the output contract, or why it has none. Never raises for
    bad content."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return ParsedFile(path, None, [], f"unreadable: {exc.strerror or exc}")
    return parse_bytes(path, raw)


def parse_bytes(path: Path, raw: bytes) -> ParsedFile:
    """:func:`parse_file` of bytes already read from ``path`` (a migration parses the very bytes it hashed)."""
    data, problem = _load(raw)
    if problem is not None:
        return ParsedFile(path, None, [], problem)
    shape = detect.detect_shape(data, path)
    if shape in non_results.REASONS:
        return ParsedFile(path, None, [], non_results.REASONS[shape](data, path))
    parser = SHAPES.get(shape) if shape is not None else None
    if parser is None:
        return ParsedFile(path, None, [], _unrecognised(data))
    try:
        output = parser(data, path)
    except Exception as exc:  # a parser must not stop a migration: report the file instead
        logger.warning("cannot parse %s as %s", path, shape, exc_info=True)
        return ParsedFile(path, shape, [], f"could not parse as {shape}: {type(exc).__name__}: {exc}")
    return _finish(path, shape, output)


def _load(raw: bytes) -> tuple[Any, str | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})"
    if not text.strip():
        return None, "empty file"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        return None, f"not valid JSON: {exc}"


def _finish(path: Path, shape: str, output: ShapeOutput) -> ParsedFile:
    results: list[dict[str, Any]] = []
    notes = list(output.notes)
    for raw in output.results:
        finalized = finalize_result(raw)
        if finalized is None:
            missing = [key for key in REQUIRED_KEYS if not (isinstance(raw.get(key), str) and raw[key].strip())]
            notes.append(f"result without {', '.join(missing)} dropped")
            continue
        results.append(finalized)
    skip_reason = output.skip_reason if not results else None
    if not results and skip_reason is None:
        skip_reason = f"{shape}: no results in file"
    return ParsedFile(path, shape, results, skip_reason, tuple(notes))


def _unrecognised(data: Any) -> str:
    if isinstance(data, Mapping):
        return f"unrecognised shape: top-level keys {sorted(str(key) for key in data)[:20]}"
    if isinstance(data, list):
        return f"unrecognised shape: a JSON list of {len(data)} items that are not result dicts"
    return f"unrecognised shape: top-level JSON {type(data).__name__}"
