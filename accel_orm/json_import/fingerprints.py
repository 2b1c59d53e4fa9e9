"""Result fingerprints: the same measurement is stored once, whichever file (or copy of a file) it arrives in.

A fingerprint is the SHA-256 of the result dict as canonical JSON (sorted keys, no whitespace), so a file that
was re-saved with other indentation or key order yields the same fingerprints. Provenance is left out of it:
``details.source_file`` names the file a result was read from, and a copy under another name holds the same
measurement. The fingerprint is stored in ``test_results.details['import_fingerprint']``, where it can be looked
up with plain SQL too (``details->>'import_fingerprint'``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from accel_orm.models import TestResult

FINGERPRINT_KEY = "import_fingerprint"
# details keys that say where a result came from rather than what was measured.
PROVENANCE_KEYS = frozenset({"source_file", FINGERPRINT_KEY})
_LOOKUP_CHUNK = 5_000


def result_fingerprint(result: dict[str, Any]) -> str:
    """SHA-256 (hex) of the result's canonical JSON, provenance left out."""
    details = result.get("details")
    if isinstance(details, dict) and not PROVENANCE_KEYS.isdisjoint(details):
        result = {**result, "details": {k: v for k, v in details.items() if k not in PROVENANCE_KEYS}}
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_fingerprint(result: dict[str, Any], fingerprint: str) -> dict[str, Any]:
    """A copy of ``result`` whose details carry its fingerprint (the parser's dict is left untouched)."""
    details = result.get("details")
    merged = dict(details) if isinstance(details, dict) else {}
    merged[FINGERPRINT_KEY] = fingerprint
    return {**result, "details": merged}


def fingerprint_column(dialect_name: str) -> ColumnElement[str]:
    """``details->>'import_fingerprint'`` as each engine spells it.

    PostgreSQL: JSONB ``->>`` with a literal key (the form an expression index on it would match). DuckDB:
    ``json_extract_string``, which reads the JSON column without a cast.
    """
    if dialect_name == "postgresql":
        return type_coerce(TestResult.details, JSONB)[FINGERPRINT_KEY].astext
    return func.json_extract_string(TestResult.details, f"$.{FINGERPRINT_KEY}")


def stored_fingerprints(connection: Connection, fingerprints: Iterable[str]) -> set[str]:
    """Which of ``fingerprints`` are already in test_results."""
    wanted = sorted(set(fingerprints))
    column = fingerprint_column(connection.dialect.name)
    found: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[start : start + _LOOKUP_CHUNK]
        found.update(connection.execute(select(column).where(column.in_(part))).scalars().all())
    return found
