from __future__ import annotations

import base64
import json
from datetime import datetime

import numpy as np
import pandas as pd

from accel_orm.reports import Report, Section, render, render_json
from accel_orm.reports.render.jsonfmt import to_jsonable


def test_valid_json_with_iso_timestamps_and_nulls(results_frame: pd.DataFrame, generated_at) -> None:
    report = Report("r", [Section("Results", frame=results_frame, text="hello")], generated_at)
    text = render_json(report)
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["title"] == "r"
    assert datetime.fromisoformat(data["generated_at"]) == generated_at
    table = data["sections"][0]["table"]
    assert [c["name"] for c in table["columns"]] == list(results_frame.columns)
    rows = table["rows"]
    assert rows[0]["throughput"] == 1234.5678  # full precision, no display rounding
    assert rows[1]["throughput"] is None
    assert rows[0]["timestamp"] == "2024-05-01T06:00:00"
    assert rows[2]["timestamp"] is None
    assert rows[0]["notes"] is None
    assert rows[1]["ok"] is False
    assert rows[3]["batch_size"] == 32 and isinstance(rows[3]["batch_size"], int)
    assert data["sections"][0]["text"] == "hello"
    assert render(report, "json") == text


def test_numpy_and_special_values_are_converted() -> None:
    assert to_jsonable(np.int64(3)) == 3 and type(to_jsonable(np.int64(3))) is int
    assert type(to_jsonable(np.float32(1.5))) is float
    assert to_jsonable(np.bool_(True)) is True
    assert to_jsonable(float("inf")) is None
    assert to_jsonable(pd.NA) is None and to_jsonable(pd.NaT) is None
    assert to_jsonable(np.array([1, 2])) == [1, 2]
    assert to_jsonable({"a": np.float64("nan"), 1: [np.int32(2)]}) == {"a": None, "1": [2]}
    assert to_jsonable(pd.Timestamp("2024-01-01", tz="UTC")) == "2024-01-01T00:00:00+00:00"
    assert to_jsonable(np.datetime64("2024-01-01T12:00")) == "2024-01-01T12:00:00"


def test_nested_json_column_and_duplicate_names(generated_at) -> None:
    frame = pd.DataFrame([[{"optimization_type": "int8", "x": np.nan}, 1, 2]], columns=["details", "v", "v"])
    data = json.loads(render_json(Report("r", [Section("s", frame=frame)], generated_at)))
    row = data["sections"][0]["table"]["rows"][0]
    assert row == {"details": {"optimization_type": "int8", "x": None}, "v": 1, "v.1": 2}


def test_charts_included_or_omitted(png_bytes: bytes, generated_at) -> None:
    report = Report("r", [Section("c", chart_png=png_bytes, chart_alt="alt text")], generated_at)
    chart = json.loads(render_json(report))["sections"][0]["chart"]
    assert chart["alt"] == "alt text" and chart["media_type"] == "image/png"
    assert base64.b64decode(chart["data_base64"]) == png_bytes
    slim = json.loads(render_json(report, include_charts=False))["sections"][0]["chart"]
    assert "data_base64" not in slim and slim["alt"] == "alt text"


def test_tz_aware_column(generated_at) -> None:
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-05-01T06:00:00Z"])})
    data = json.loads(render_json(Report("r", [Section("s", frame=frame)], generated_at)))
    assert data["sections"][0]["table"]["rows"][0]["t"] == "2024-05-01T06:00:00+00:00"
