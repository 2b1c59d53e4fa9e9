"""What a result dict may hold: every accepted key, which table column it feeds, and what values it accepts.

This table drives validation, flattening and writing alike, so adding a field is one line here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from accel_orm.models import COMPATIBILITY_STATUSES


class Kind(enum.Enum):
    """The value rules a field follows (see ``accel_orm.ingest.validate`` for the messages)."""

    TEXT = "text"  # a string, stored verbatim
    LOWER_TEXT = "lower_text"  # a string, stripped and lower-cased (hardware types)
    MEASURE = "measure"  # a finite number >= 0
    NUMBER = "number"  # any finite number (temperatures may be negative)
    COUNT = "count"  # a whole number >= 0
    FLAG = "flag"  # true or false
    TIME = "time"  # ISO-8601 text, datetime or epoch seconds; stored as naive UTC
    SCORE = "score"  # a finite number within 0..1
    COMPATIBILITY = "compatibility"  # supported | limited | unsupported
    PRECISIONS = "precisions"  # a string, or a list of strings joined with ","
    JSON_OBJECT = "json_object"  # a dict, stored as a JSON document


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # the key in the result dict (or in its sub-dict)
    kind: Kind
    column: str  # the table column it is stored in
    required: bool = False
    default: Any = None  # stored when the item gives no value


def _fields(*fields: Field) -> dict[str, Field]:
    return {field.key: field for field in fields}


# Top-level keys stored in test_results.
TEST_FIELDS = _fields(
    Field("test_type", Kind.TEXT, "test_type", required=True),
    Field("status", Kind.TEXT, "status"),
    Field("success", Kind.FLAG, "success"),
    Field("execution_time", Kind.MEASURE, "execution_time"),
    Field("memory_usage", Kind.MEASURE, "memory_usage"),
    Field("error_message", Kind.TEXT, "error_message"),
    Field("endpoint_type", Kind.TEXT, "endpoint_type"),
    Field("timestamp", Kind.TIME, "timestamp"),
    # The later tools' columns: simulated hardware (a result is real unless it says otherwise), and an error's
    # class and structured details.
    Field("is_simulated", Kind.FLAG, "is_simulated", default=False),
    Field("simulation_reason", Kind.TEXT, "simulation_reason"),
    Field("error_category", Kind.TEXT, "error_category"),
    Field("error_details", Kind.JSON_OBJECT, "error_details"),
)

# Top-level keys describing the model (models table; found or created by model_name).
MODEL_FIELDS = _fields(
    Field("model_name", Kind.TEXT, "model_name", required=True),
    Field("model_family", Kind.TEXT, "model_family"),
    Field("model_type", Kind.TEXT, "model_type"),
    Field("model_size", Kind.TEXT, "model_size"),
    Field("parameters_million", Kind.MEASURE, "parameters_million"),
    Field("modality", Kind.TEXT, "modality"),
)

# Top-level keys describing the hardware (hardware_platforms; found or created by type and device name).
HARDWARE_FIELDS = _fields(
    Field("hardware_type", Kind.LOWER_TEXT, "hardware_type", required=True),
    Field("device_name", Kind.TEXT, "device_name"),
    Field("compute_units", Kind.COUNT, "compute_units"),
    Field("memory_capacity", Kind.MEASURE, "memory_capacity"),
    Field("driver_version", Kind.TEXT, "driver_version"),
    Field("supported_precisions", Kind.PRECISIONS, "supported_precisions"),
    Field("max_batch_size", Kind.COUNT, "max_batch_size"),
)

PERFORMANCE_FIELDS = _fields(
    Field("batch_size", Kind.COUNT, "batch_size"),
    Field("sequence_length", Kind.COUNT, "sequence_length"),
    Field("average_latency_ms", Kind.MEASURE, "average_latency_ms"),
    Field("p50_latency_ms", Kind.MEASURE, "p50_latency_ms"),
    Field("p90_latency_ms", Kind.MEASURE, "p90_latency_ms"),
    Field("p99_latency_ms", Kind.MEASURE, "p99_latency_ms"),
    Field("throughput_items_per_second", Kind.MEASURE, "throughput_items_per_second"),
    Field("memory_peak_mb", Kind.MEASURE, "memory_peak_mb"),
    Field("power_watts", Kind.MEASURE, "power_watts"),
    Field("energy_efficiency_items_per_joule", Kind.MEASURE, "energy_efficiency_items_per_joule"),
    Field("test_timestamp", Kind.TIME, "test_timestamp"),
    # Part of the comparability key: results at different precisions or of different test cases never compare.
    Field("precision", Kind.TEXT, "precision"),
    Field("test_case", Kind.TEXT, "test_case"),
    # Absent here, a performance row takes its test result's simulation flags (INHERITED_FROM_RESULT).
    Field("is_simulated", Kind.FLAG, "is_simulated"),
    Field("simulation_reason", Kind.TEXT, "simulation_reason"),
    # The spread behind the value, so comparisons can judge noise (pytest-benchmark: stddev, iqr, rounds).
    Field("latency_stddev_ms", Kind.MEASURE, "latency_stddev_ms"),
    Field("latency_iqr_ms", Kind.MEASURE, "latency_iqr_ms"),
    Field("sample_count", Kind.COUNT, "sample_count"),
)

POWER_FIELDS = _fields(
    Field("power_watts_avg", Kind.MEASURE, "power_watts_avg"),
    Field("power_watts_peak", Kind.MEASURE, "power_watts_peak"),
    Field("temperature_celsius_avg", Kind.NUMBER, "temperature_celsius_avg"),
    Field("temperature_celsius_peak", Kind.NUMBER, "temperature_celsius_peak"),
    Field("battery_impact_mah", Kind.MEASURE, "battery_impact_mah"),
    Field("test_duration_seconds", Kind.MEASURE, "test_duration_seconds"),
    Field("estimated_runtime_hours", Kind.MEASURE, "estimated_runtime_hours"),
    Field("test_timestamp", Kind.TIME, "test_timestamp"),
)

COMPATIBILITY_FIELDS = _fields(
    Field("status", Kind.COMPATIBILITY, "compatibility_status"),
    Field("score", Kind.SCORE, "compatibility_score"),
    Field("recommended", Kind.FLAG, "recommended"),
)

# The run a result belongs to (test_runs; see accel_orm.runs). Either ``run_id`` of a recorded run, or facts
# describing a run; results of one call with equal facts share one run.
RUN_FIELDS = _fields(
    Field("run_id", Kind.COUNT, "run_id"),
    Field("test_name", Kind.TEXT, "test_name"),
    Field("test_type", Kind.TEXT, "test_type"),
    Field("started_at", Kind.TIME, "started_at"),
    Field("completed_at", Kind.TIME, "completed_at"),
    Field("execution_time_seconds", Kind.MEASURE, "execution_time_seconds"),
    Field("success", Kind.FLAG, "success"),
    Field("git_commit", Kind.TEXT, "git_commit"),
    Field("git_branch", Kind.TEXT, "git_branch"),
    Field("git_dirty", Kind.FLAG, "git_dirty"),
    Field("command_line", Kind.TEXT, "command_line"),
    Field("ci_provider", Kind.TEXT, "ci_provider"),
    Field("ci_job_url", Kind.TEXT, "ci_job_url"),
    Field("hostname", Kind.TEXT, "hostname"),
    Field("machine_fingerprint", Kind.TEXT, "machine_fingerprint"),
    Field("machine", Kind.JSON_OBJECT, "machine"),
    Field("metadata", Kind.JSON_OBJECT, "metadata"),
)

# The optional sub-dicts and the fields each accepts.
SECTIONS: dict[str, dict[str, Field]] = {
    "performance": PERFORMANCE_FIELDS,
    "power_metrics": POWER_FIELDS,
    "compatibility": COMPATIBILITY_FIELDS,
    "run": RUN_FIELDS,
}

TOP_LEVEL_FIELDS: dict[str, Field] = {**TEST_FIELDS, **MODEL_FIELDS, **HARDWARE_FIELDS}
# Keys with a meaning of their own; any other top-level key is kept in ``details``.
# Performance columns that, left unset, take their test result's value (both write paths apply it).
INHERITED_FROM_RESULT = ("is_simulated", "simulation_reason")
KNOWN_TOP_LEVEL_KEYS = frozenset(TOP_LEVEL_FIELDS) | frozenset(SECTIONS) | {"details", "test_date"}


# --- the rules the field table implies, for code that cleans values before ingest (json_import) -------------------

# Every sub-dict by name; "" is the top level of the result dict.
FIELDS_BY_SECTION: dict[str, dict[str, Field]] = {"": TOP_LEVEL_FIELDS, **SECTIONS}

NON_NEGATIVE_KINDS = frozenset({Kind.MEASURE, Kind.COUNT})  # finite numbers >= 0
FINITE_KINDS = frozenset({Kind.NUMBER})  # finite numbers of either sign
INTEGER_KINDS = frozenset({Kind.COUNT})  # whole numbers
# The closed range a SCORE lies in.
SCORE_RANGE = (0.0, 1.0)
# The values an enumerated kind accepts (the model constants are the source).
ENUM_VALUES: dict[Kind, tuple[str, ...]] = {Kind.COMPATIBILITY: COMPATIBILITY_STATUSES}
# Epoch seconds a TIME field accepts (1970-01-01 .. 2200-01-01); outside it a number is milliseconds or garbage.
EPOCH_SECONDS_WINDOW = (0.0, 7_258_118_400.0)


def keys_of_kind(kinds: frozenset[Kind]) -> dict[str, frozenset[str]]:
    """Per sub-dict ("" for the top level), the keys whose kind is one of ``kinds``."""
    return {
        section: frozenset(key for key, spec in fields.items() if spec.kind in kinds)
        for section, fields in FIELDS_BY_SECTION.items()
    }
