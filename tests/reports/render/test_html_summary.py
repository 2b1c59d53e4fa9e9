"""The summary page's HTML without a browser: policy, embedded code, escaping, caps, colour by meaning."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest

from accel_orm.reports import Report, Section, render_html
from accel_orm.reports.build import CHANGE_COLUMNS
from accel_orm.reports.document import MAX_TABLE_ROWS, ChangeSummary, SeriesChart, capped
from accel_orm.reports.render.markdown import render_markdown

NOW = datetime(2026, 11, 30, 12, 0)
XSS = "</script><script>alert(1)</script>"


def _changes(n_regressions: int, n_improvements: int = 0, model: str = "bert") -> pd.DataFrame:
    rows = [
        {
            "model_name": f"{model}-{i}",
            "hardware_type": "cuda",
            "device_name": "A100",
            "batch_size": 8,
            "sequence_length": None,
            "metric": "throughput",
            "before": 100.0,
            "after": 100.0 - 10 - i if direction == "regression" else 120.0,
            "percent_change": -10.0 - i if direction == "regression" else 20.0,
            "direction": direction,
            "method": "zscore",
            "z_score": 5.0,
            "change_timestamp": pd.Timestamp(NOW - timedelta(days=7)),
            "run": None,
        }
        for i, direction in enumerate(["regression"] * n_regressions + ["improvement"] * n_improvements)
    ]
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _chart(title: str = "bert · cuda (A100) · batch 8", device: str = "A100") -> SeriesChart:
    points = pd.DataFrame(
        {
            "timestamp": [NOW - timedelta(days=d) for d in range(14, 0, -1)],
            "value": [100.0] * 7 + [80.0] * 7,
            "device_name": [device] * 14,
            "run": [None] * 14,
        }
    )
    marks = [(NOW - timedelta(days=14), "before"), (NOW - timedelta(days=7), "after")]
    return SeriesChart(title, "Throughput", "items/s", points, "regression", -20.0, marks, marks[1][0], marks[0][0])


def _scripts(document: str) -> list[tuple[str, str]]:
    return re.findall(r"<script([^>]*)>(.*?)</script>", document, re.DOTALL)


def _policy(document: str) -> str:
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', document)
    assert found
    return found.group(1).replace("&#x27;", "'")


def test_policy_allows_exactly_the_embedded_scripts_by_hash() -> None:
    document = render_html(Report("t", summary=ChangeSummary(_changes(2), NOW, "basis"), series=[_chart()]))
    policy = _policy(document)
    assert "default-src 'none'" in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    allowed = set(directives["script-src"].split())
    assert "'unsafe-eval'" not in allowed and "'unsafe-inline'" not in allowed and "*" not in policy
    executable = [body for attrs, body in _scripts(document) if 'type="application/json"' not in attrs]
    assert len(executable) == 2  # the chart library and our glue, nothing else
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in executable}
    assert hashes == allowed
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", document, re.IGNORECASE)


def test_a_report_without_charts_carries_no_code_at_all() -> None:
    document = render_html(Report("t", summary=ChangeSummary(_changes(0), NOW, "basis")))
    assert "<script" not in document and "script-src" not in _policy(document)
    assert "Nothing changed beyond the noise" in document
    assert '<span class="n">0</span> regressions' in document


def test_chart_data_cannot_close_its_script_element() -> None:
    chart = _chart(title=XSS, device=XSS)
    document = render_html(Report(XSS, summary=ChangeSummary(_changes(1, model=XSS), NOW, XSS), series=[chart]))
    assert "<script>alert(1)" not in document
    (data,) = [body for attrs, body in _scripts(document) if 'id="series-data"' in attrs]
    payload = json.loads(data)
    assert payload["panels"][0]["device"][0] == XSS  # intact once parsed
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in document  # caption and table cells escaped


def test_first_screen_lists_regressions_worst_first_in_red_with_signed_percentages() -> None:
    changes = _changes(3, 1)
    document = render_html(Report("t", summary=ChangeSummary(changes, NOW, "the basis"), series=[_chart()]))
    table = document.split('id="changes-table"')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="change (\w+)">(.*?)</tr>', table)
    assert [kind for kind, _ in rows] == ["regression"] * 3 + ["improvement"]
    deltas = [re.search(r'<td class="num delta">([^<]*)</td>', body).group(1) for _, body in rows]
    assert deltas == ["−10.0 %", "−11.0 %", "−12.0 %", "+20.0 %"]  # in the order given: build sorts
    assert '<th scope="col" class="num">Δ %</th>' in table and '<th scope="col" class="num">z</th>' in table
    assert "tr.change.regression td.delta { color: var(--bad)" in document and "--bad: #b42318" in document
    assert '<span class="badge bad">regression</span>' in table
    assert '<span class="badge good">improvement</span>' in table
    assert "Since 2026-11-30 12:00" in document


def test_a_flagged_regression_is_never_a_green_badge() -> None:
    frame = pd.DataFrame({"is_regression": [True, False], "recommended": [True, False]})
    document = render_html(Report("t", [Section("s", frame=frame)]))
    assert '<span class="badge bad">yes</span>' in document
    assert "badge good" not in document


def test_capped_tables_say_what_was_left_out_and_how_to_see_it() -> None:
    big = pd.DataFrame({"model_name": [f"m{i}" for i in range(450)], "success_rate": [0.995] * 450})
    section = capped("Performance", big, full_command="accel-orm query --report performance --format csv", folded=True)
    assert len(section.frame) == MAX_TABLE_ROWS and section.rows_left_out == 250
    document = render_html(Report("t", [section]))
    assert document.count("<tr>") == MAX_TABLE_ROWS + 1  # header row + capped body
    assert "Showing the first 200 rows; 250 more rows not shown" in document
    assert "<code>accel-orm query --report performance --format csv</code>" in document
    assert (
        '<details id="section-1">\n<summary><h2>Performance</h2><span class="rows">200 of 450 rows</span>' in document
    )
    assert '<td class="num">99.5 %</td>' in document
    markdown = render_markdown(Report("t", [section]))
    assert "_Showing the first 200 rows; 250 more rows not shown; all of them: `accel-orm query" in markdown
    assert markdown.count("| m") == MAX_TABLE_ROWS


def test_all_changes_beyond_the_first_screen_are_folded_below_it() -> None:
    document = render_html(Report("t", summary=ChangeSummary(_changes(15), NOW, "b", "accel-orm query --regressions")))
    first = document.split('id="changes-table"')[1].split("</table>")[0]
    assert first.count('<tr class="change regression">') == 12
    assert "3 more changes in" in document and '<details id="all-changes">' in document


@pytest.mark.parametrize("bad", [{"direction": "sideways"}, {"points": pd.DataFrame({"timestamp": []})}])
def test_series_chart_rejects_what_it_cannot_draw(bad: dict) -> None:
    base = _chart()
    values = {**base.__dict__, **bad}
    with pytest.raises(ValueError, match="SeriesChart"):
        SeriesChart(**values)
