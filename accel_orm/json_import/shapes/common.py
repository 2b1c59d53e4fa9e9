"""Helpers shared by the shape parsers: timestamps, units, latency statistics and result clean-up.

The benchmark runners wrote timestamps in three notations (``YYYYMMDD_HHMMSS``, ISO-8601 without a zone, epoch
seconds) and latencies in seconds or milliseconds depending on the tool. Every parser funnels its values through
the functions here so that every result dict leaves the package in one convention: timestamps as ISO-8601 strings
in UTC, latencies in milliseconds, memory in MB, and no NaN, infinite or negative measure anywhere.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from accel_orm.ingest.fields import (
    ENUM_VALUES,
    EPOCH_SECONDS_WINDOW,
    FINITE_KINDS,
    INTEGER_KINDS,
    NON_NEGATIVE_KINDS,
    SCORE_RANGE,
    Kind,
    keys_of_kind,
)
from accel_orm.timestamps import aware_utc

logger = logging.getLogger(__name__)

REQUIRED_KEYS: tuple[str, ...] = ("model_name", "hardware_type", "test_type")

KNOWN_HARDWARE_TYPES: frozenset[str] = frozenset(
    {"cpu", "cuda", "rocm", "mps", "openvino", "qualcomm", "webgpu", "webnn", "tpu", "npu", "xla"}
)

# Spellings seen in the files (display names, vendor names) mapped to the canonical lower-case hardware type.
_HARDWARE_ALIASES: dict[str, str] = {
    "apple": "mps",
    "apple_silicon": "mps",
    "qnn": "qualcomm",
    "qualcomm_ai": "qualcomm",
    "amd": "rocm",
    "hip": "rocm",
}

COMPATIBILITY_STATUSES: tuple[str, ...] = ENUM_VALUES[Kind.COMPATIBILITY]

STATUS_SUCCESS = "Success"
STATUS_FAILED = "Failed"

_COMPACT_TS = re.compile(r"^(\d{8})_(\d{6})$")
_COMPACT_TS_IN_NAME = re.compile(r"(?<!\d)(\d{8}_\d{6})(?!\d)")
_EPOCH_IN_NAME = re.compile(r"(?<!\d)(\d{10})(?:\.\d+)?(?!\d)")
# Epoch values outside ingest's window are not timestamps but some other number (or milliseconds, see _from_epoch).
_EPOCH_MIN, _EPOCH_MAX = EPOCH_SECONDS_WINDOW

# The value rules per sub-dict ("" is the top level of the result dict), taken from the ingest field table so the
# importers drop exactly what ingest would reject: measures that may never be negative, numbers that must be
# finite but may be negative (a temperature in Celsius), and whole numbers.
_NON_NEGATIVE: dict[str, frozenset[str]] = keys_of_kind(NON_NEGATIVE_KINDS)
_FINITE_ONLY: dict[str, frozenset[str]] = keys_of_kind(FINITE_KINDS)
_INTEGER_FIELDS: frozenset[str] = frozenset().union(*keys_of_kind(INTEGER_KINDS).values())


@dataclass(frozen=True)
class ShapeOutput:
    """What a shape parser returns: the results, or why there are none, plus remarks worth reporting.

    ``notes`` carries decisions made while reading (e.g. "embedded copy skipped, the original file is next to
    it") so that a migration report can say why a file yielded fewer results than it seems to hold.
    """

    results: list[dict[str, Any]]
    skip_reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------------------


def mapping_at(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` when it is an object, else an empty one: the files leave blocks out or write null."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def as_number(value: Any) -> float | None:
    """``value`` as a float if it is a real number (or a numeric string), else None.

    Booleans are rejected on purpose: ``True`` is an ``int`` in Python but never a measurement in these files.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_int(value: Any) -> int | None:
    """``value`` as an int when it is an integral number (``"4"``, ``4.0``), else None."""
    number = as_number(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def seconds_to_ms(value: Any) -> float | None:
    """Convert seconds to milliseconds; None when the value is not a number."""
    number = as_number(value)
    return None if number is None else number * 1000.0


def latency_stats_ms(samples_ms: Iterable[Any]) -> tuple[dict[str, float], int]:
    """Average and p50/p90/p99 of latency samples already in milliseconds.

    Percentiles use numpy's default linear interpolation, so they can be recomputed by anyone from the stored
    samples. Samples that are not finite non-negative numbers are left out; their count is returned so the
    caller can note it in the result's details. Returns an empty dict when no valid sample remains.
    """
    valid: list[float] = []
    dropped = 0
    for sample in samples_ms:
        number = as_number(sample)
        if number is None or not math.isfinite(number) or number < 0:
            dropped += 1
            continue
        valid.append(number)
    if not valid:
        return {}, dropped
    p50, p90, p99 = np.percentile(np.asarray(valid, dtype=float), [50, 90, 99])
    stats = {
        "average_latency_ms": float(np.mean(valid)),
        "p50_latency_ms": float(p50),
        "p90_latency_ms": float(p90),
        "p99_latency_ms": float(p99),
    }
    return stats, dropped


# --------------------------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------------------------


def parse_timestamp(value: Any) -> datetime | None:
    """Read any timestamp notation found in the files as a timezone-aware UTC datetime.

    Accepts ``YYYYMMDD_HHMMSS``, ISO-8601 (with or without zone, ``Z`` allowed), epoch seconds (number or digit
    string) and datetimes. Naive times are taken as UTC: the runners wrote local wall-clock time without a zone,
    and UTC is the only assumption that keeps imports reproducible across machines. Returns None for anything
    else rather than guessing.
    """
    if isinstance(value, datetime):
        return aware_utc(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    compact = _COMPACT_TS.match(text)
    if compact:
        try:
            return datetime.strptime(text, "%Y%m%d_%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
        return _from_epoch(float(text))
    try:
        return aware_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def timestamp_from_name(name: str) -> datetime | None:
    """The run time encoded in a file or folder name (``..._20250305_195714.json``, ``..._1741232337.json``)."""
    compact = _COMPACT_TS_IN_NAME.findall(name)
    if compact:
        return parse_timestamp(compact[-1])
    epoch = _EPOCH_IN_NAME.findall(name)
    if epoch:
        return parse_timestamp(epoch[-1])
    return None


def iso_utc(value: Any) -> str | None:
    """``value`` (any accepted notation) as an ISO-8601 UTC string, or None when unreadable."""
    parsed = parse_timestamp(value)
    return None if parsed is None else parsed.isoformat()


def first_timestamp(*candidates: Any) -> str | None:
    """The first candidate that reads as a timestamp, as ISO-8601 UTC; lets parsers list fallbacks in order."""
    for candidate in candidates:
        text = iso_utc(candidate)
        if text is not None:
            return text
    return None


def _from_epoch(seconds: float) -> datetime | None:
    if not math.isfinite(seconds):
        return None
    if seconds > _EPOCH_MAX * 1000 or seconds < _EPOCH_MIN:
        return None
    if seconds > _EPOCH_MAX:  # epoch milliseconds
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, UTC)


# --------------------------------------------------------------------------------------------------------------
# Hardware
# --------------------------------------------------------------------------------------------------------------


def normalize_hardware(value: Any) -> str | None:
    """Canonical lower-case hardware type for a label such as ``"CUDA"``, ``"WebGPU"`` or ``"cuda:0"``."""
    if not isinstance(value, str) or not value.strip():
        return None
    label = value.strip().lower().replace("-", "_").replace(" ", "_")
    label = label.split(":", 1)[0]
    return _HARDWARE_ALIASES.get(label, label)


def is_known_hardware(value: Any) -> bool:
    """True when ``value`` names a hardware type (and not, say, a model name used as a key by mistake)."""
    return normalize_hardware(value) in KNOWN_HARDWARE_TYPES


def hardware_facts(hardware_type: str, system_info: Mapping[str, Any] | None) -> dict[str, Any]:
    """Device facts for ``hardware_type`` from a runner's ``system_info`` block.

    CUDA: the first CUDA device's name, total memory (GB) and streaming-multiprocessor count. CPU: physical core
    count and total system memory (GB); the runners recorded only the architecture ("x86_64") as processor, which
    is not a device name, so none is set. Other types get nothing: the files carry no facts about them.
    """
    if not isinstance(system_info, Mapping):
        return {}
    if hardware_type == "cuda":
        devices = system_info.get("cuda_devices")
        if not isinstance(devices, list) or not devices or not isinstance(devices[0], Mapping):
            return {}
        device = devices[0]
        memory = device.get("total_memory_gb", device.get("total_memory"))
        return {
            "device_name": device.get("name") if isinstance(device.get("name"), str) else None,
            "memory_capacity": as_number(memory),
            "compute_units": as_int(device.get("multi_processor_count")),
        }
    if hardware_type == "cpu":
        cores = system_info.get("cpu_count_physical", system_info.get("cpu_count_logical"))
        return {"compute_units": as_int(cores), "memory_capacity": as_number(system_info.get("total_memory_gb"))}
    return {}


# --------------------------------------------------------------------------------------------------------------
# Result dicts
# --------------------------------------------------------------------------------------------------------------


def source_details(path: Path, **extra: Any) -> dict[str, Any]:
    """The ``details`` every imported result starts with: where it came from."""
    return {"source_file": path.name, **extra}


def failed_fields(error: Any) -> dict[str, Any]:
    """The status fields of a failed result, with the file's error text (stripped) when it has one."""
    message = error.strip() if isinstance(error, str) else (None if error is None else str(error))
    return {"status": STATUS_FAILED, "success": False, "error_message": message or None}


def success_fields() -> dict[str, Any]:
    """The status fields of a successful result."""
    return {"status": STATUS_SUCCESS, "success": True}


def simulation_fields(flag: Any, reason: str) -> dict[str, Any]:
    """``is_simulated`` (and why) when a file says so; nothing when it does not say (the column defaults to false)."""
    if flag is True:
        return {"is_simulated": True, "simulation_reason": reason}
    if flag is False:
        return {"is_simulated": False}
    return {}


def finalize_result(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """Bring one result dict to the output contract, or return None when it lacks a required key.

    Drops keys whose value is None (also at the top of ``details``) and empty sub-dicts: unknown facts are
    omitted, never stored as null. Lower-cases the hardware type, writes the timestamp as ISO-8601 UTC, and
    removes NaN, infinite and negative measures, recording each removal under ``details["dropped_values"]`` so
    nothing disappears silently. Idempotent: finalizing a finalized dict returns an equal dict.
    """
    out: dict[str, Any] = {key: value for key, value in result.items() if value is not None}
    for key in REQUIRED_KEYS:
        if not isinstance(out.get(key), str) or not out[key].strip():
            return None
    out["hardware_type"] = normalize_hardware(out["hardware_type"])
    dropped: dict[str, str] = {}
    _clean_timestamp(out, dropped)
    _clean_measures(out, "", dropped)
    for section in ("performance", "power_metrics"):
        _clean_section(out, section, dropped)
    if "compatibility" in out:
        _clean_compatibility(out, dropped)
    details = _final_details(out.get("details"), dropped)
    if details:
        out["details"] = details
    else:
        out.pop("details", None)
    return out


def _clean_timestamp(out: dict[str, Any], dropped: dict[str, str]) -> None:
    if "timestamp" not in out:
        return
    stamp = iso_utc(out["timestamp"])
    if stamp is None:
        dropped["timestamp"] = repr(out.pop("timestamp"))
    else:
        out["timestamp"] = stamp


def _clean_section(out: dict[str, Any], section: str, dropped: dict[str, str]) -> None:
    if section not in out:
        return
    if not isinstance(out[section], Mapping):
        dropped[section] = repr(out.pop(section))
        return
    cleaned = {key: value for key, value in out[section].items() if value is not None}
    _clean_measures(cleaned, section, dropped)
    if cleaned:
        out[section] = cleaned
    else:
        out.pop(section)


def _final_details(value: Any, dropped: dict[str, str]) -> dict[str, Any] | None:
    details = _clean_details(value, "details", dropped)
    if isinstance(details, dict):
        details = {key: item for key, item in details.items() if item is not None}
    elif details is not None and details is not _DROP:  # a JSON object is required; keep a stray value
        details = {"raw_details": details}
    else:
        details = None
    if dropped:
        details = dict(details or {})
        earlier = details.get("dropped_values")
        details["dropped_values"] = {**(earlier if isinstance(earlier, dict) else {}), **dropped}
    return details


def _clean_measures(section: dict[str, Any], name: str, dropped: dict[str, str]) -> None:
    non_negative = _NON_NEGATIVE.get(name, frozenset())
    finite_only = _FINITE_ONLY.get(name, frozenset())
    for key in list(section):
        if key not in non_negative and key not in finite_only:
            continue
        raw = section[key]
        number = as_number(raw)
        label = f"{name}.{key}" if name else key
        if number is None or not math.isfinite(number) or (key in non_negative and number < 0):
            dropped[label] = repr(raw)
            section.pop(key)
            continue
        if key in _INTEGER_FIELDS:
            integral = as_int(number)
            if integral is None:
                dropped[label] = repr(raw)
                section.pop(key)
                continue
            section[key] = integral
        else:
            section[key] = number


def _clean_compatibility(out: dict[str, Any], dropped: dict[str, str]) -> None:
    if not isinstance(out["compatibility"], Mapping):
        dropped["compatibility"] = repr(out.pop("compatibility"))
        return
    cleaned = {key: value for key, value in out["compatibility"].items() if value is not None}
    if "status" in cleaned and cleaned["status"] not in COMPATIBILITY_STATUSES:
        dropped["compatibility.status"] = repr(cleaned.pop("status"))
    if "score" in cleaned:
        score = as_number(cleaned["score"])
        if score is None or not math.isfinite(score) or not SCORE_RANGE[0] <= score <= SCORE_RANGE[1]:
            dropped["compatibility.score"] = repr(cleaned.pop("score"))
        else:
            cleaned["score"] = score
    if cleaned:
        out["compatibility"] = cleaned
    else:
        out.pop("compatibility")


def _clean_details(value: Any, label: str, dropped: dict[str, str]) -> Any:
    """Drop non-finite floats anywhere in ``details`` and make tuples into lists, so it is plain JSON."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            cleaned = _clean_details(item, f"{label}.{key}", dropped)
            if cleaned is not _DROP:
                out[str(key)] = cleaned
        return out
    if isinstance(value, list | tuple):
        return [item for item in (_clean_details(v, label, dropped) for v in value) if item is not _DROP]
    if isinstance(value, float) and not math.isfinite(value):
        dropped[label] = repr(value)
        return _DROP
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_DROP = object()


# --------------------------------------------------------------------------------------------------------------
# Neighbouring files
# --------------------------------------------------------------------------------------------------------------


def load_json_quietly(path: Path) -> Any | None:
    """Parsed JSON of a neighbouring file, or None when it is missing or unreadable.

    Used only to look up context (the run's model list, whether an embedded copy has its original next to it);
    a broken neighbour must never make the file being imported fail.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        logger.debug("cannot read neighbour %s: %s", path, exc)
        return None


def models_map(value: Any) -> dict[str, dict[str, Any]]:
    """A run's ``models`` block ({key: {name, family, size, modality}}) keeping only well-formed entries."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): dict(info) for key, info in value.items() if isinstance(info, Mapping)}


def model_facts(key: str, models: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Model name and facts for a model key (``"bert"``) from a run's model list; the key itself when unlisted."""
    info = models.get(key, {})
    name = info.get("name")
    return {
        "model_name": name if isinstance(name, str) and name else key,
        "model_type": key,
        "model_family": info.get("family"),
        "model_size": info.get("size"),
    }
