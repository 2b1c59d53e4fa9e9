"""A file holding result dicts already in the output format: one dict, or a JSON list of them.

This is how test seeds and hand-written corrections get into the database through the same path as runner output.
The dicts are passed through :func:`accel_orm.json_import.shapes.common.finalize_result` by :func:`parse_file`
like every other result (ISO-8601 UTC timestamps, lower-case hardware, no NaN/negative measures) and otherwise left as
written, so a finalized dict written to a file parses back equal to itself. Nothing is added, not even the
source file name: the author of a seed decides its details.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import REQUIRED_KEYS, ShapeOutput
from accel_orm.json_import.shapes.shape import Shape


def parse(data: Mapping[str, Any] | list[Any], _path: Path) -> ShapeOutput:
    """The dict itself, or every dict of the list, in order."""
    items = data if isinstance(data, list) else [data]
    results = [dict(item) for item in items if isinstance(item, Mapping)]
    if not results:
        return ShapeOutput([], skip_reason="seed file with no result dicts")
    return ShapeOutput(results)


def recognises(data: Any, _name: str) -> bool:
    """A result dict (the required keys as strings), or a non-empty JSON list of nothing but such dicts."""
    if isinstance(data, list):
        return bool(data) and all(_is_seed(item) for item in data)
    return _is_seed(data)


def _is_seed(data: Any) -> bool:
    return isinstance(data, Mapping) and all(isinstance(data.get(key), str) for key in REQUIRED_KEYS)


SHAPE = Shape("seed_results", recognises, parse=parse, lists=True)
