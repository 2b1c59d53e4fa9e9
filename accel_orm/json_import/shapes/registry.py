"""``parse_file``: one JSON file in, its result dicts (or the reason there are none) out.

Importing a folder of runner output must never stop at the first odd file, so :func:`parse_file` turns every
problem with a file's *content* (unreadable, not UTF-8, empty, invalid JSON, unknown shape, a parser tripping on
an unexpected value) into a ``skip_reason`` instead of an exception. It touches no database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from accel_orm.json_import.shapes import (
    benchmark_progress,
    browser_comparison,
    compatibility_matrix,
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
from accel_orm.json_import.shapes.shape import Parser, Shape

logger = logging.getLogger(__name__)

# Every known kind of file, ONE line each, in the order they are tried: from the most specific content to the
# most generic. Several tools wrote files with the same name (three different things are called
# ``benchmark_results.json``), so the content decides; a shape consults the file name only to break a tie the
# content cannot (an empty compatibility matrix and an empty summary both hold nothing but ``model_families: {}``).
REGISTERED: tuple[Shape, ...] = (
    seed_results.SHAPE,
    pytest_benchmark.SHAPE,
    direct_benchmark.SHAPE,
    model_benchmark.SHAPE,
    non_results.BENCHMARK_CONFIG,
    orchestrator_results.SHAPE,
    runner_results.SHAPE,
    functionality.SHAPE,
    benchmark_progress.SHAPE,
    non_results.BENCHMARK_SUMMARY,
    compatibility_matrix.SHAPE,
    web_platform.SHAPE,
    browser_comparison.SHAPE,
    hf_performance.SHAPE,
    non_results.BENCHMARK_MODELS,
)

SHAPES: Mapping[str, Parser] = MappingProxyType(
    {shape.name: shape.parse for shape in REGISTERED if shape.parse is not None}
)
"""Every shape that can carry results, mapped to its parser ``(parsed_json, path) -> ShapeOutput``."""


def detect_shape(data: Any, path: Path | None = None) -> Shape | None:
    """The first registered shape that recognises ``data`` (parsed JSON), or None when no known tool wrote it."""
    is_list = isinstance(data, list)
    if not is_list and not isinstance(data, Mapping):
        return None
    name = path.name.lower() if path is not None else ""
    for shape in REGISTERED:
        if (shape.lists or not is_list) and shape.recognises(data, name):
            return shape
    return None


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
    shape = detect_shape(data, path)
    if shape is None:
        return ParsedFile(path, None, [], _unrecognised(data))
    if shape.skip_reason is not None:
        return ParsedFile(path, None, [], shape.skip_reason(data, path))
    parser = SHAPES[shape.name]  # looked up here, so a test can swap a parser
    try:
        output = parser(data, path)
    except Exception as exc:  # a parser must not stop a migration: report the file instead
        logger.warning("cannot parse %s as %s", path, shape.name, exc_info=True)
        return ParsedFile(path, shape.name, [], f"could not parse as {shape.name}: {type(exc).__name__}: {exc}")
    return _finish(path, shape.name, output)


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
