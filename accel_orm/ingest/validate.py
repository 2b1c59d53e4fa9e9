"""Validate a chunk of result dicts column by column and flatten it into a :class:`ResultBatch`.

Working per column (one tight loop per field over the whole chunk) rather than per item keeps validation close
to the cost of merely flattening the dicts, which ingest has to do anyway. Every problem is recorded with its
path (``performance.average_latency_ms: must be a finite number >= 0, got -5.0``) against the item's index, so a
rejected batch can list all of them at once.
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import BigInteger

from accel_orm.ingest.fields import (
    HARDWARE_FIELDS,
    KNOWN_TOP_LEVEL_KEYS,
    MODEL_FIELDS,
    SECTIONS,
    TEST_FIELDS,
    TOP_LEVEL_FIELDS,
    Field,
    Kind,
)
from accel_orm.models import (
    COMPATIBILITY_STATUSES,
    HardwareCompatibility,
    HardwarePlatform,
    Model,
    PerformanceResult,
    PowerMetric,
    TestResult,
    TestRun,
)

_INF = math.inf
_MAX = sys.float_info.max
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SHOWN_VALUE_LENGTH = 60
# Epoch seconds outside this range are almost certainly milliseconds or garbage (1970-01-01 .. 2200-01-01).
_EPOCH_RANGE = (0.0, 7_258_118_400.0)

# Where each group of fields is stored: whole-number fields are range-checked against their column's SQL type.
_TABLES_BY_PREFIX = {
    "": (TestResult, Model, HardwarePlatform),
    "performance.": (PerformanceResult,),
    "power_metrics.": (PowerMetric,),
    "compatibility.": (HardwareCompatibility,),
    "run.": (TestRun,),
}


def _integer_maxima() -> dict[str, int]:
    maxima: dict[str, int] = {}
    for prefix, fields in (("", TOP_LEVEL_FIELDS), *((f"{name}.", f) for name, f in SECTIONS.items())):
        for key, spec in fields.items():
            if spec.kind is not Kind.COUNT:
                continue
            for entity in _TABLES_BY_PREFIX[prefix]:
                column = entity.__table__.c.get(spec.column)
                if column is not None:
                    maxima[prefix + key] = _INT64_MAX if isinstance(column.type, BigInteger) else _INT32_MAX
    return maxima


_INT32_MAX = 2**31 - 1


def count_maximum(path: str) -> int:
    """The largest whole number the column behind ``path`` (``performance.batch_size``) can hold."""
    return _COUNT_MAXIMA.get(path, _INT32_MAX)


Problems = dict[int, list[str]]  # position in the chunk -> problems of that item
# Built once: json.dumps with any non-default option builds a new encoder per call.
_encode_json = json.JSONEncoder(allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode


@dataclass
class ResultBatch:
    """Valid items of one chunk, flattened into columns (each list has one entry per kept item)."""

    positions: list[int]  # index of each kept item in the caller's whole input
    test: dict[str, list[Any] | pa.Array]  # the columnar path hands numbers on as Arrow arrays (SectionColumns)
    model: dict[str, list[Any]]
    hardware: dict[str, list[Any]]
    # Sub-dicts: ``rows`` says which kept items have one; columns hold one entry per such item.
    performance: SectionColumns
    power: SectionColumns
    compatibility: SectionColumns
    run: SectionColumns = field(default_factory=lambda: SectionColumns())

    def __len__(self) -> int:
        return len(self.positions)


@dataclass
class SectionColumns:
    rows: list[int] = field(default_factory=list)  # indexes into the batch's kept items
    # The columnar fast path hands numeric columns of the performance and power sections over as the Arrow
    # arrays it checked them on, so the writers need not convert them again.
    columns: dict[str, list[Any] | pa.Array] = field(default_factory=dict)


@dataclass
class ValidatedChunk:
    batch: ResultBatch
    problems: Problems  # keyed by index in the caller's whole input


def show(value: Any) -> str:
    """A value as it appears in messages: repr, shortened."""
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 3] + "..."


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- one checker per Kind: (values, path, problems) -> cleaned values -------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why text cannot be stored the same on both engines (PostgreSQL refuses NUL, UTF-8 has no lone surrogates)."""
    if "\x00" in value:
        return "must not contain NUL characters (\\x00), which PostgreSQL cannot store"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text: it holds a lone surrogate, which UTF-8 cannot encode"
    return None


def _check_text(values: list[Any], path: str, problems: Problems) -> list[Any]:
    for i, value in enumerate(values):
        if value is None:
            continue
        if type(value) is not str:
            problems.setdefault(i, []).append(f"{path}: must be a string, got {_type_name(value)} {show(value)}")
        elif (problem := text_problem(value)) is not None:
            problems.setdefault(i, []).append(f"{path}: {problem}, got {show(value)}")
    return values


def _check_lower_text(values: list[Any], path: str, problems: Problems) -> list[Any]:
    cleaned = _check_text(values, path, problems)
    return [value.strip().lower() if type(value) is str else value for value in cleaned]


def _check_real(
    values: list[Any], path: str, problems: Problems, low: float, high: float, expectation: str
) -> list[Any]:
    """Numbers within [low, high]. Plain int/float take the fast path; other reals (numpy scalars) become float."""
    cleaned = values
    for i, value in enumerate(values):
        kind = type(value)
        # NaN fails every comparison and inf lies outside any finite bound, so both fall through to a problem.
        # Ints beyond 64 bits take the slow path: they become floats (Arrow refuses them as float64 input).
        plain = kind is float or (kind is int and _INT64_MIN <= value <= _INT64_MAX)
        if value is None or (plain and low <= value <= high):
            continue
        if kind is not bool and isinstance(value, numbers.Real) and low <= _as_float(value) <= high:
            if cleaned is values:
                cleaned = list(values)
            cleaned[i] = float(value)
            continue
        problems.setdefault(i, []).append(f"{path}: must be {expectation}, got {show(value)}")
    return cleaned


def _as_float(value: Any) -> float:
    """``float(value)``, with NaN for a number too large for a float (it then fails every range check)."""
    try:
        return float(value)
    except OverflowError:
        return math.nan


def _check_measure(values: list[Any], path: str, problems: Problems) -> list[Any]:
    return _check_real(values, path, problems, 0.0, _MAX, "a finite number >= 0")


def _check_number(values: list[Any], path: str, problems: Problems) -> list[Any]:
    return _check_real(values, path, problems, -_MAX, _MAX, "a finite number")


def _check_score(values: list[Any], path: str, problems: Problems) -> list[Any]:
    return _check_real(values, path, problems, 0.0, 1.0, "a finite number between 0 and 1")


def _check_count(values: list[Any], path: str, problems: Problems) -> list[Any]:
    """Whole numbers >= 0 that fit the column's SQL integer type (``count_maximum``)."""
    cleaned = values
    highest = count_maximum(path)
    for i, value in enumerate(values):
        kind = type(value)
        if value is None or (kind is int and 0 <= value <= highest):
            continue
        integral = kind is not bool and isinstance(value, numbers.Integral)
        whole_float = isinstance(value, float) and value.is_integer()
        whole = int(value) if (integral or whole_float) and value >= 0 else None
        if whole is None:
            problems.setdefault(i, []).append(f"{path}: must be a whole number >= 0, got {show(value)}")
        elif whole > highest:
            problems.setdefault(i, []).append(
                f"{path}: must be a whole number >= 0 and <= {highest} (the column's integer range), got {show(value)}"
            )
        else:
            if cleaned is values:
                cleaned = list(values)
            cleaned[i] = whole
    return cleaned


def _check_flag(values: list[Any], path: str, problems: Problems) -> list[Any]:
    for i, value in enumerate(values):
        if value is not None and type(value) is not bool:
            problems.setdefault(i, []).append(f"{path}: must be true or false, got {show(value)}")
    return values


def _check_compatibility(values: list[Any], path: str, problems: Problems) -> list[Any]:
    cleaned = [value.strip().lower() if type(value) is str else value for value in values]
    for i, value in enumerate(cleaned):
        if value is not None and value not in COMPATIBILITY_STATUSES:
            allowed = ", ".join(COMPATIBILITY_STATUSES)
            problems.setdefault(i, []).append(f"{path}: must be one of {allowed}, got {show(values[i])}")
    return cleaned


def _check_json_object(values: list[Any], path: str, problems: Problems) -> list[Any]:
    """A dict -> its JSON text (the form the bulk writers load); anything else is a problem."""
    cleaned = list(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.setdefault(i, []).append(f"{path}: must be a JSON object (dict), got {_type_name(value)}")
            continue
        try:
            cleaned[i] = _encode_json(value)
        except (TypeError, ValueError) as error:
            problems.setdefault(i, []).append(f"{path}: not JSON-serialisable ({error})")
    return cleaned


def _check_precisions(values: list[Any], path: str, problems: Problems) -> list[Any]:
    cleaned = list(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        if type(value) is not str:
            if not (isinstance(value, list | tuple) and all(type(item) is str for item in value)):
                problems.setdefault(i, []).append(f"{path}: must be a string or a list of strings, got {show(value)}")
                continue
            cleaned[i] = ",".join(value)
        if (problem := text_problem(cleaned[i])) is not None:
            problems.setdefault(i, []).append(f"{path}: {problem}, got {show(value)}")
    return cleaned


def _check_time(values: list[Any], path: str, problems: Problems) -> list[Any]:
    """ISO-8601 text, datetime or epoch seconds -> naive UTC datetime (None stays None: the caller defaults).

    Text without an offset is taken as UTC; offsets are converted. ``datetime.fromisoformat`` (Python 3.11+)
    reads the ISO forms harnesses write, including ``Z``, and keeps pandas out of writer processes.
    """
    cleaned: list[Any] = list(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        try:
            moment = _as_utc(value)
        except OverflowError:  # e.g. 0001-01-01 00:00+05:00 would be in year 0 in UTC
            problems.setdefault(i, []).append(f"{path}: {show(value)} is out of range once converted to UTC")
            continue
        if moment is None:
            expected = "an ISO-8601 time" if type(value) is str else "an ISO-8601 time, a datetime or epoch seconds"
            problems.setdefault(i, []).append(f"{path}: must be {expected}, got {show(value)}")
        else:
            cleaned[i] = moment
    return cleaned


def _as_utc(value: Any) -> datetime | None:
    kind = type(value)
    if kind is str:
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if kind is bool or not isinstance(value, numbers.Real):
        return None
    # A Python int is compared as it is (float() of a huge one would overflow); any other number as a float,
    # since numpy compares a float16 with the window's 7e9 by casting the window to float16 (a RuntimeWarning).
    seconds = value if isinstance(value, int) else _as_float(value)
    low, high = _EPOCH_RANGE
    if low <= seconds <= high:
        return datetime.fromtimestamp(float(seconds), UTC).replace(tzinfo=None)
    return None


def result_times(items: Iterable[Any], now: datetime) -> Iterator[datetime]:
    """Each dict item's ``timestamp`` as the naive UTC time validation stores (``now`` where it is missing).

    A quick look, not a check: values validation would refuse are skipped (the store reports them).
    """
    for item in items:
        if not isinstance(item, dict):
            continue
        value = item.get("timestamp")
        try:
            moment = now if value is None else _as_utc(value)
        except OverflowError:  # out of range once in UTC: refused by validation, so never written
            continue
        if moment is not None:
            yield moment


_COUNT_MAXIMA = _integer_maxima()

Checker = Callable[[list[Any], str, Problems], list[Any]]
CHECKERS: dict[Kind, Checker] = {
    Kind.TEXT: _check_text,
    Kind.LOWER_TEXT: _check_lower_text,
    Kind.MEASURE: _check_measure,
    Kind.NUMBER: _check_number,
    Kind.COUNT: _check_count,
    Kind.FLAG: _check_flag,
    Kind.TIME: _check_time,
    Kind.SCORE: _check_score,
    Kind.COMPATIBILITY: _check_compatibility,
    Kind.PRECISIONS: _check_precisions,
    Kind.JSON_OBJECT: _check_json_object,
}


def keys_in_use(dicts: Sequence[dict[str, Any]]) -> set[str]:
    """Every key any of ``dicts`` has: one C-level pass, so fields nobody sends cost no scan at all."""
    return set().union(*map(dict.keys, dicts)) if dicts else set()


def _check_fields(
    dicts: Sequence[dict[str, Any]], fields: dict[str, Field], prefix: str, problems: Problems, present: set[str]
) -> dict[str, list[Any]]:
    """Extract and check every field of ``fields`` from ``dicts``; returns column -> values."""
    columns: dict[str, list[Any]] = {}
    absent: list[Any] = [None] * len(dicts)
    for key, spec in fields.items():
        if key not in present:
            if spec.required:
                problems_for_missing = [f"{prefix}{key}: required, missing"]
                for i in range(len(dicts)):
                    problems.setdefault(i, []).extend(problems_for_missing)
            columns[spec.column] = list(absent) if spec.default is None else [spec.default] * len(dicts)
            continue
        values = [d.get(key) for d in dicts]
        if spec.required:
            for i, value in enumerate(values):
                if value is None or (type(value) is str and not value.strip()):
                    what = "missing" if value is None else "empty"
                    problems.setdefault(i, []).append(f"{prefix}{key}: required, {what}")
        checked = CHECKERS[spec.kind](values, prefix + key, problems)
        if spec.default is not None:
            checked = [spec.default if value is None else value for value in checked]
        columns[spec.column] = checked
    return columns


_DERIVED_STATUS = {True: "Success", False: "Failed"}
_SUCCESS_WORDS = {
    "success": True,
    "succeeded": True,
    "passed": True,
    "ok": True,
    "failed": False,
    "failure": False,
    "error": False,
    "fail": False,
}


def derive_status_and_success(test: dict[str, list[Any]]) -> None:
    """Fill a missing status from ``success`` and a missing ``success`` from a recognisable status word."""
    statuses, successes = test["status"], test["success"]
    for i, (status, success) in enumerate(zip(statuses, successes, strict=True)):
        if status is None and type(success) is bool:
            statuses[i] = _DERIVED_STATUS[success]
        elif success is None and type(status) is str:
            successes[i] = _SUCCESS_WORDS.get(status.strip().lower())


def details_column(
    items: Sequence[dict[str, Any]], problems: Problems, section_extras: dict[int, dict[str, Any]]
) -> list[str | None]:
    """The ``details`` JSON text of each item: its ``details`` plus any unknown top-level keys, kept not dropped."""
    encoded: list[str | None] = []
    for i, item in enumerate(items):
        details = item.get("details")
        unknown = item.keys() - KNOWN_TOP_LEVEL_KEYS
        extras = section_extras.get(i)
        if details is None and not unknown and not extras:
            encoded.append(None)
            continue
        if details is not None and not isinstance(details, dict):
            problems.setdefault(i, []).append(f"details: must be a JSON object (dict), got {_type_name(details)}")
            encoded.append(None)
            continue
        merged = dict(details or {})
        for key in unknown:
            merged.setdefault(key, item[key])
        if extras:
            merged.update(extras)
        try:
            text = _encode_json(merged)
        except (TypeError, ValueError) as error:
            problems.setdefault(i, []).append(f"details: not JSON-serialisable ({error})")
            encoded.append(None)
            continue
        if json_text_may_be_unstorable(text):
            bad = unstorable_text_in(merged, "details")
            if bad is not None:
                problems.setdefault(i, []).append(bad)
                encoded.append(None)
                continue
        encoded.append(text)
    return encoded


def json_text_may_be_unstorable(text: str) -> bool:
    """A quick look at encoded JSON: could it hold a NUL character or a lone surrogate? (False means surely not.)

    The encoder escapes NUL as ``\\u0000`` and leaves lone surrogates as they are, so a substring test and
    one UTF-8 encode answer for a whole chunk's text at once.
    """
    if "\\u0000" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable_text_in(value: Any, path: str) -> str | None:
    """The first key or string inside ``value`` that neither engine can store alike, as a problem line."""
    if isinstance(value, str):
        problem = text_problem(value)
        return None if problem is None else f"{path}: {problem}, got {show(value)}"
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (problem := text_problem(key)) is not None:
                return f"{path}: a key {problem}, got {show(key)}"
            if (found := unstorable_text_in(item, f"{path}.{key}")) is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := unstorable_text_in(item, f"{path}[{index}]")) is not None:
                return found
    return None


def _sections(
    items: Sequence[dict[str, Any]], problems: Problems
) -> tuple[dict[str, SectionColumns], dict[int, dict[str, Any]]]:
    """Check each optional sub-dict; unknown keys inside one are kept in details as ``<section>_extra``."""
    sections: dict[str, SectionColumns] = {}
    extras: dict[int, dict[str, Any]] = {}
    for name, fields in SECTIONS.items():
        rows: list[int] = []
        dicts: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            sub = item.get(name)
            if sub is None:
                continue
            if not isinstance(sub, dict):
                problems.setdefault(i, []).append(f"{name}: must be an object (dict), got {_type_name(sub)}")
                continue
            rows.append(i)
            dicts.append(sub)
            unknown = sub.keys() - fields.keys()
            if unknown:
                extras.setdefault(i, {})[f"{name}_extra"] = {key: sub[key] for key in sorted(unknown)}
        section_problems: Problems = {}
        columns = _check_fields(dicts, fields, f"{name}.", section_problems, keys_in_use(dicts))
        for position, messages in section_problems.items():
            problems.setdefault(rows[position], []).extend(messages)
        sections[name] = SectionColumns(rows=rows, columns=columns)
    return sections, extras


def validate_chunk(items: Sequence[Any], offset: int, *, now: datetime | None = None) -> ValidatedChunk:
    """Validate ``items`` (the caller's items ``offset .. offset+len``) and flatten the valid ones into columns.

    A clean chunk takes the columnar fast path; a chunk it is not sure about is checked item by item here, which
    is what words every problem.
    """
    from accel_orm.ingest.columnar import flatten_clean_chunk  # the fast path builds on this module's rules

    stamp = now or datetime.now(UTC).replace(tzinfo=None)
    batch = flatten_clean_chunk(items, now=stamp)
    if batch is not None:
        batch.positions = [offset + i for i in batch.positions]
        return ValidatedChunk(batch=batch, problems={})
    return validate_chunk_per_item(items, offset, now=stamp)


def validate_chunk_per_item(items: Sequence[Any], offset: int, *, now: datetime | None = None) -> ValidatedChunk:
    """The per-item checker: every problem of every item, with its path, keyed by the item's index."""
    problems: Problems = {}
    not_dicts: Problems = {}
    dicts: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            dicts.append(item)
        else:
            not_dicts[i] = [f"must be a dict (a test result), got {_type_name(item)}"]
            dicts.append({})

    present = keys_in_use(dicts)
    test = _check_fields(dicts, TEST_FIELDS, "", problems, present)
    model = _check_fields(dicts, MODEL_FIELDS, "", problems, present)
    hardware = _check_fields(dicts, HARDWARE_FIELDS, "", problems, present)
    # A blank device name is no device name: both identify the same hardware row.
    hardware["device_name"] = [None if type(d) is str and not d.strip() else d for d in hardware["device_name"]]
    sections, extras = _sections(dicts, problems)
    test["details"] = details_column(dicts, problems, extras)
    derive_status_and_success(test)

    problems.update(not_dicts)  # an item that is no dict has no fields worth listing as missing

    stamp = now or datetime.now(UTC).replace(tzinfo=None)
    test["timestamp"] = [moment or stamp for moment in test["timestamp"]]

    batch = ResultBatch(
        positions=[offset + i for i in range(len(dicts))],
        test=test,
        model=model,
        hardware=hardware,
        performance=sections["performance"],
        power=sections["power_metrics"],
        compatibility=sections["compatibility"],
        run=sections["run"],
    )
    if problems:
        batch = _without(batch, set(problems))
    return ValidatedChunk(batch=batch, problems={offset + i: messages for i, messages in problems.items()})


def _take(values: list[Any] | pa.Array, positions: list[int]) -> list[Any] | pa.Array:
    if isinstance(values, pa.Array):
        return values.take(pa.array(positions, type=pa.int64()))
    return [values[p] for p in positions]


def _without(batch: ResultBatch, rejected: set[int]) -> ResultBatch:
    """The batch minus the rejected item positions (section rows re-indexed to the kept items)."""
    keep = [i for i in range(len(batch)) if i not in rejected]
    new_index = {old: new for new, old in enumerate(keep)}

    def take(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {name: [values[i] for i in keep] for name, values in columns.items()}

    def take_section(section: SectionColumns) -> SectionColumns:
        kept = [(position, row) for position, row in enumerate(section.rows) if row in new_index]
        positions = [p for p, _ in kept]
        return SectionColumns(
            rows=[new_index[row] for _, row in kept],
            columns={name: _take(values, positions) for name, values in section.columns.items()},
        )

    return ResultBatch(
        positions=[batch.positions[i] for i in keep],
        test=take(batch.test),
        model=take(batch.model),
        hardware=take(batch.hardware),
        performance=take_section(batch.performance),
        power=take_section(batch.power),
        compatibility=take_section(batch.compatibility),
        run=take_section(batch.run),
    )


# Public name for the per-field checks, for dicts validated outside a result (a run given as ``run=...``).
check_fields = _check_fields
