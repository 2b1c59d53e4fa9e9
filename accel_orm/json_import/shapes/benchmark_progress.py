"""``benchmark_progress_<ts>.json``: the progress log of a batch of ``benchmark_hardware_models.py`` runs.

Shape: ``{timestamp, completed_benchmarks[], failed_benchmarks [{model_type, hardware_type, error, timestamp}],
skipped_benchmarks[], summary {total, completed, failed, skipped, completion_percentage}}``.

A progress log is mostly bookkeeping: completed runs wrote their measurements to the database named in the
command (``--db-path``), so ``completed_benchmarks`` holds no measurement and is not imported, and ``summary``
only counts. But ``failed_benchmarks`` is the only record of runs that died (exit status 1 before writing
anything), with their error text, so each entry becomes one failed ``benchmark`` result. The model's full name
is taken from the ``--model`` argument of the failed command quoted in the error (``prajjwal1/bert-tiny``); the
log's ``model_type`` ("bert") becomes ``model_type`` and is the name only when the command is not quoted. The
batch sizes in the command were never reached, so none is claimed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import (
    ShapeOutput,
    failed_fields,
    first_timestamp,
    source_details,
    timestamp_from_name,
)
from accel_orm.json_import.shapes.shape import Shape

_MODEL_ARGUMENT = re.compile(r"""['"]--model['"],\s*['"]([^'"]+)['"]""")


def parse(data: Mapping[str, Any], path: Path) -> ShapeOutput:
    """One failed result per failed benchmark; completed and skipped entries are only counted in notes."""
    run_timestamp = first_timestamp(data.get("timestamp"), timestamp_from_name(path.name))
    failed = [entry for entry in data.get("failed_benchmarks") or [] if isinstance(entry, Mapping)]
    results = [_failed_result(entry, path, run_timestamp, data.get("timestamp")) for entry in failed]
    notes = tuple(
        f"{len(data.get(key) or [])} {key} entries not imported (no measurements in a progress log)"
        for key in ("completed_benchmarks", "skipped_benchmarks")
        if data.get(key)
    )
    if not results:
        return ShapeOutput(
            [], skip_reason="progress log with no failed benchmarks, not results (nothing measured here)", notes=notes
        )
    return ShapeOutput(results, notes=notes)


def recognises(data: Mapping[str, Any], _name: str) -> bool:
    return "failed_benchmarks" in data or "completed_benchmarks" in data


SHAPE = Shape("benchmark_progress", recognises, parse=parse)


def _failed_result(entry: Mapping[str, Any], path: Path, run_timestamp: str | None, run_id: Any) -> dict[str, Any]:
    error = entry.get("error") if isinstance(entry.get("error"), str) else None
    quoted = _MODEL_ARGUMENT.search(error or "")
    model_type = entry.get("model_type")
    return {
        "model_name": quoted.group(1) if quoted else model_type,
        "hardware_type": entry.get("hardware_type"),
        "test_type": "benchmark",
        "model_type": model_type,
        "timestamp": first_timestamp(entry.get("timestamp")) or run_timestamp,
        **failed_fields(error),
        "details": source_details(path, run_timestamp=run_id, model_key=model_type, failure_scope="process"),
    }
