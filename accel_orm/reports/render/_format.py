"""Cell formatting shared by the human-readable renderers (Markdown and HTML).

Both outputs must show the same numbers the same way, so the rules live here once: missing values (None, NaN,
NaT, pd.NA) become a placeholder, floats get a fixed number of decimals with thousands separators, datetimes are
ISO 8601, and a non-default index (e.g. after ``groupby``) becomes ordinary leading columns so it is not lost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

NA_PLACEHOLDER = "—"

# Human headers for the columns the query module returns (its names are API and stay in JSON and CSV).
# Units go in the header, so cells hold bare numbers that line up.
COLUMN_LABELS: dict[str, str] = {
    "model_name": "Model",
    "model_family": "Family",
    "hardware_type": "Hardware",
    "device_name": "Device",
    "batch_size": "Batch",
    "sequence_length": "Seq len",
    "metric": "Metric",
    "before": "Before",
    "after": "After",
    "previous": "Before",
    "current": "After",
    "percent_change": "Δ %",
    "z_score": "z",
    "previous_n": "n before",
    "current_n": "n after",
    "previous_std": "σ before",
    "direction": "Change",
    "method": "Method",
    "change_timestamp": "Since",
    "run": "Run / commit",
    "is_regression": "Regression",
    "avg_throughput": "Throughput (items/s)",
    "avg_latency_ms": "Latency (ms)",
    "avg_memory_mb": "Memory (MB)",
    "avg_power_watts": "Power (W)",
    "last_tested": "Last tested",
    "table_name": "Table",
    "rows": "Rows",
    "models": "Models",
    "tests": "Tests",
    "successes": "Passed",
    "failures": "Failed",
    "success_rate": "Success",
    "timestamp": "Time",
    "test_type": "Test",
    "status": "Status",
    "error_message": "Error",
}
PERCENT_COLUMNS = frozenset({"percent_change"})
"""Columns already in percent: shown signed with one decimal and a % sign (``-22.1 %``)."""
FRACTION_COLUMNS = frozenset({"success_rate"})
"""Columns holding a 0..1 fraction: shown as a percentage (``99.0 %``)."""
BAD_WHEN_TRUE = frozenset({"is_regression"})
"""Boolean columns where *yes* is bad news (drawn red, never as a green badge)."""


def column_label(name: Hashable) -> str:
    """The header people read for a column: the human label when there is one, else the name itself."""
    text = str(name)
    return COLUMN_LABELS.get(text, text)


def format_percent(value: float, *, signed: bool, digits: int = 1) -> str:
    """``-22.1 %`` (signed) or ``99.0 %``; the sign is a real minus so it reads in a terminal and in HTML."""
    if math.isnan(value):
        return NA_PLACEHOLDER
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "−") + " %"


# Beyond this magnitude fixed-point output is unreadable ("100,000,000,000,000,000.00"), so use scientific form.
_SCIENTIFIC_ABOVE = 1e15


def flat_column_name(name: Hashable) -> str:
    """Join MultiIndex column tuples with " / " so pivoted frames keep every level in the header."""
    if isinstance(name, tuple):
        return " / ".join(str(part) for part in name if str(part) != "")
    return str(name)


def prepare_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with a meaningful index turned into columns and column names flattened to strings.

    An unnamed integer index (the default ``RangeIndex``, or what is left of it after filtering rows) carries no
    information and is dropped; any other index (model names after a ``groupby``, dates after a ``resample``) is
    data the reader needs to see.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    out = df
    index = df.index
    is_default_index = index.nlevels == 1 and index.name is None and pd.api.types.is_integer_dtype(index.dtype)
    if not is_default_index:
        names = [
            name if name is not None else ("index" if index.nlevels == 1 else f"level_{i}")
            for i, name in enumerate(index.names)
        ]
        taken = {flat_column_name(c) for c in df.columns}
        names = [_unique_name(flat_column_name(n), taken) for n in names]
        out = df.copy()
        out.index = out.index.set_names(names)
        out = out.reset_index()
    out = out.copy() if out is df else out
    out.columns = [flat_column_name(c) for c in out.columns]
    return out


def _unique_name(name: str, taken: set[str]) -> str:
    candidate = name
    suffix = 1
    while candidate in taken:
        candidate = f"{name}_{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


def is_numeric_column(series: pd.Series) -> bool:
    """True for columns that should be right-aligned: numbers, but not booleans (which read as words)."""
    dtype = series.dtype
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def is_missing(value: Any) -> bool:
    """``pd.isna`` for scalars only; containers (lists, dicts, arrays) are never "missing"."""
    if value is None:
        return True
    if isinstance(value, list | tuple | dict | set | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_float(value: float, digits: int) -> str:
    """Fixed-point with thousands separators; tiny non-zero values keep significant digits instead of "0.00"."""
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = abs(value)
    if magnitude >= _SCIENTIFIC_ABOVE:
        return f"{value:.{digits}e}"
    if value != 0 and magnitude < 0.5 * 10.0**-digits:
        # A 0.3 ms latency shown as "0.00" would read as "free"; show it as 0.0003 instead.
        return f"{value:.{max(digits, 2)}g}"
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text


def format_datetime(value: datetime | date) -> str:
    """One short form everywhere people read times: ``2026-11-30 14:05`` (UTC); date-only values stay dates.

    Minutes are enough for nightly results and the form never wraps in a table cell; JSON and CSV keep the full
    ISO 8601 value.
    """
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def format_scalar(value: Any, *, float_digits: int, na_rep: str = NA_PLACEHOLDER) -> str:
    """Format one value for display. Column-level decisions are made by :func:`format_column`."""
    if is_missing(value):
        return na_rep
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating | Decimal):
        return format_float(float(value), float_digits)
    if isinstance(value, datetime | date):
        return format_datetime(value)
    if isinstance(value, np.datetime64):
        return format_datetime(pd.Timestamp(value))
    if isinstance(value, pd.Timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict | list | tuple):
        # JSON columns such as test_results.details: show compact JSON rather than a Python repr.
        return json.dumps(value, default=str, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist(), default=str, ensure_ascii=False)
    return str(value)


def format_column(series: pd.Series, *, float_digits: int, na_rep: str = NA_PLACEHOLDER) -> list[str]:
    """Format a whole column, so every cell of one column uses the same representation.

    Two decisions need the whole column: a float column holding only whole numbers (an integer column that
    gained a NaN) shows no decimals, and a datetime column whose values are all midnight shows dates only.
    """
    if float_digits < 0:
        raise ValueError(f"float_digits must be >= 0, got {float_digits}")
    values = series.tolist()
    if series.name in PERCENT_COLUMNS or series.name in FRACTION_COLUMNS:
        scale, signed = (1.0, True) if series.name in PERCENT_COLUMNS else (100.0, False)
        return [
            na_rep
            if is_missing(v) or not isinstance(v, int | float | np.number)
            else format_percent(float(v) * scale, signed=signed)
            for v in values
        ]
    present = series.dropna()
    if pd.api.types.is_float_dtype(series.dtype) and len(present) > 0:
        finite = present[np.isfinite(present.to_numpy(dtype=float))]
        if len(finite) > 0 and bool((finite == finite.round()).all()) and bool((finite.abs() < 1e15).all()):
            return [na_rep if is_missing(v) else format_float(v, 0) for v in values]
    if pd.api.types.is_datetime64_any_dtype(series.dtype) and len(present) > 0:
        stamps = pd.DatetimeIndex(present)
        if bool((stamps == stamps.normalize()).all()) and stamps.tz is None:
            return [na_rep if is_missing(v) else pd.Timestamp(v).date().isoformat() for v in values]
    return [format_scalar(v, float_digits=float_digits, na_rep=na_rep) for v in values]
