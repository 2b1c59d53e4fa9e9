"""Interactive small multiples for the HTML report: uPlot, inlined, allowed by the page's policy by hash.

Why uPlot (measured with ``benchmarks/report_charts.py``: 12 series x 84 points, headless Chromium, the report's
Content-Security-Policy with inline scripts allowed only by SHA-256 hash and no ``'unsafe-eval'``; medians of
5-7 loads, the range of two runs on a shared 2-core machine):

=================================  =========  ===============  =========================================
candidate                          file size  render (median)  under the strict policy
=================================  =========  ===============  =========================================
Vega-Lite (vl-convert bundle)      930 KiB    —                does not draw: Vega compiles expressions
                                                               with ``Function`` (needs ``'unsafe-eval'``)
Vega-Lite + ``'unsafe-eval'``      930 KiB    523-1,635 ms     draws, but only by opening the policy up
Plotly (``include_plotlyjs``)      4,838 KiB  681-2,106 ms     draws
Bokeh (``INLINE``)                 3,986 KiB  904-3,038 ms     draws
uPlot 1.6.32 + our glue            105 KiB    100-203 ms       draws
hand-written SVG (no interaction)  37 KiB     58-103 ms        draws, but tooltips and zoom to write
=================================  =========  ===============  =========================================

uPlot is a maintained, MIT-licensed time-series chart library (51 KB minified) with the cursor, nearest-point
lookup and drag-to-zoom built in; what is ours is ~150 lines of glue (``assets/series_charts.js``: window
shading, tooltip, sizing). It ships inside the package (``assets/uPlot.iife.min.js``, licence in
``assets/uPlot.LICENSE``), so the report needs no extra Python dependency and works offline; to update it, replace
the two files from the npm package ``uplot`` and re-run the benchmark and the browser tests.

Data travels as JSON in a ``<script type="application/json">`` element (never executed, ``<`` ``>`` ``&``
escaped as ``\\u003c`` etc., so a model named ``</script>`` cannot end it); the glue writes text with
``textContent`` only.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
from datetime import datetime
from importlib import resources
from typing import Any

import pandas as pd

from accel_orm.reports.document import SeriesChart

UPLOT_VERSION = "1.6.32"


@functools.cache
def _asset(name: str) -> str:
    return resources.files("accel_orm.reports.render").joinpath("assets", name).read_text(encoding="utf-8")


def scripts() -> list[str]:
    """The inline scripts a page with charts carries, in order: the library, then the glue."""
    return [_asset("uPlot.iife.min.js"), _asset("series_charts.js")]


def stylesheet() -> str:
    return _asset("uPlot.min.css")


def script_hash(code: str) -> str:
    """The CSP source expression that allows exactly this inline script: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def json_for_script(payload: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so data can never close it."""
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _seconds(moment: datetime | pd.Timestamp) -> float:
    """Epoch seconds of a naive-UTC or aware moment (uPlot's time scale counts seconds)."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.timestamp()


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def panel_payload(chart: SeriesChart, element_id: str) -> dict[str, Any]:
    """One chart's data for the glue: times (s), values, run and device per point, window marks."""
    points = chart.points.dropna(subset=["timestamp", "value"])
    return {
        "id": element_id,
        "label": chart.metric_label,
        "unit": chart.unit,
        "direction": chart.direction,
        "t": [_seconds(t) for t in points["timestamp"]],
        "y": [float(v) for v in points["value"]],
        "run": [_text_or_none(v) for v in points["run"]],
        "device": [_text_or_none(v) for v in points["device_name"]],
        "marks": [{"t": _seconds(moment), "label": label} for moment, label in chart.marks],
        "current_from": None if chart.current_from is None else _seconds(chart.current_from),
        "previous_from": None if chart.previous_from is None else _seconds(chart.previous_from),
    }


def benchmark_body(panels: list[dict[str, Any]]) -> str:
    """The chart part of a page for ``benchmarks/report_charts.py``'s synthetic panels (same code path)."""
    payload = {
        "panels": [
            {
                "id": f"p{i}",
                "label": "Throughput",
                "unit": "items/s",
                "direction": "regression",
                "t": [t / 1000 for t in p["t"]],
                "y": p["y"],
                "run": [None] * len(p["t"]),
                "device": ["A100"] * len(p["t"]),
                "marks": [{"t": p["change_ms"] / 1000, "label": "after"}],
                "current_from": p["change_ms"] / 1000,
            }
            for i, p in enumerate(panels)
        ]
    }
    grid = "".join(
        f'<div style="display:inline-block;width:420px;margin:4px"><div class="panel" id="p{i}"></div></div>'
        for i in range(len(panels))
    )
    code = "".join(f"<script>{s}</script>" for s in scripts())
    return (
        f"<style>{stylesheet()} .chart-tip{{position:absolute}}</style>{grid}"
        f'<script type="application/json" id="series-data">{json_for_script(payload)}</script>{code}'
    )
