"""JSON output, for dashboards and scripts that consume the same report the humans read.

The output is strict JSON (``allow_nan=False``): NaN, NaT, None, pd.NA and ±inf all become ``null`` because
``NaN``/``Infinity`` literals are rejected by most JSON parsers outside Python. numpy scalars and arrays become
plain numbers and lists, timestamps become ISO 8601 strings, and tables keep full precision (no rounding: rounding
is a presentation concern of the Markdown and HTML outputs).
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from accel_orm.reports.document import ChangeSummary, Report, Section, SeriesChart
from accel_orm.reports.render._format import is_missing, prepare_frame


def to_jsonable(value: Any) -> Any:
    """Convert one value (possibly nested) to something :func:`json.dumps` accepts without a ``default=``."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, pd.Timedelta | np.timedelta64):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str):
        return value
    return str(value)


def frame_to_records(df: pd.DataFrame) -> dict[str, Any]:
    """``{"columns": [{"name", "dtype"}], "rows": [{column: value}]}`` — records are what ``jq`` users expect."""
    frame = prepare_frame(df)
    names: list[str] = []
    taken: set[str] = set()
    for name in frame.columns:
        # Records need unique keys; pandas allows duplicate column names, so disambiguate like read_csv does.
        candidate, n = name, 1
        while candidate in taken:
            candidate = f"{name}.{n}"
            n += 1
        taken.add(candidate)
        names.append(candidate)
    columns = [{"name": n, "dtype": str(frame.iloc[:, i].dtype)} for i, n in enumerate(names)]
    data = [frame.iloc[:, i].tolist() for i in range(len(names))]
    rows = [{n: to_jsonable(data[c][r]) for c, n in enumerate(names)} for r in range(len(frame))]
    return {"columns": columns, "rows": rows}


def _section_to_dict(section: Section, include_charts: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"heading": section.heading, "text": section.text, "table": None, "chart": None}
    if section.frame is not None:
        out["table"] = frame_to_records(section.frame)
    if section.chart_png is not None:
        chart: dict[str, Any] = {"alt": section.chart_alt, "media_type": "image/png"}
        if include_charts:
            chart["data_base64"] = base64.b64encode(section.chart_png).decode("ascii")
        out["chart"] = chart
    return out


def _summary_to_dict(summary: ChangeSummary) -> dict[str, Any]:
    return {
        "since": to_jsonable(summary.since),
        "basis": summary.basis,
        "regressions": len(summary.regressions),
        "improvements": len(summary.improvements),
        "changes": frame_to_records(summary.changes),
    }


def _series_to_dict(chart: SeriesChart) -> dict[str, Any]:
    return {
        "title": chart.title,
        "metric": chart.metric_label,
        "unit": chart.unit,
        "direction": chart.direction,
        "percent_change": to_jsonable(chart.percent_change),
        "marks": [{"at": to_jsonable(moment), "label": label} for moment, label in chart.marks],
        "points": frame_to_records(chart.points),
    }


def report_to_dict(report: Report, *, include_charts: bool = True) -> dict[str, Any]:
    """The JSON document as Python data (useful for tests and for embedding a report in a larger payload).

    ``summary`` (what changed, or null) and ``series`` (the points of each changed series) carry the same
    content as the HTML report's first screen and charts.
    """
    out: dict[str, Any] = {"title": report.title, "generated_at": report.generated_at.isoformat()}
    out["summary"] = None if report.summary is None else _summary_to_dict(report.summary)
    out["series"] = [_series_to_dict(chart) for chart in report.series]
    out["sections"] = [_section_to_dict(s, include_charts) for s in report.sections]
    return out


def render_json(report: Report, *, include_charts: bool = True, indent: int | None = 2) -> str:
    """Render ``report`` as a strict JSON string.

    Charts are included as base64 PNG under ``sections[].chart.data_base64`` so the JSON is a complete copy of the
    report; pass ``include_charts=False`` to keep only their alt text when payload size matters.
    """
    return json.dumps(
        report_to_dict(report, include_charts=include_charts), indent=indent, ensure_ascii=False, allow_nan=False
    )
