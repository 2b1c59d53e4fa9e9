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

from accel_orm.json_import.shapes.common import ShapeOutput


def parse(data: Mapping[str, Any] | list[Any], _path: Path) -> ShapeOutput:
    """The dict itself, or every dict of the list, in order."""
    items = data if isinstance(data, list) else [data]
    results = [dict(item) for item in items if isinstance(item, Mapping)]
    if not results:
        return ShapeOutput([], skip_reason="seed file with no result dicts")
    return ShapeOutput(results)
