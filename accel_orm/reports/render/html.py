"""Self-contained HTML output: one file that opens anywhere, offline, and can be attached to an e-mail.

Everything is inline (CSS in a ``<style>`` element, PNG charts as ``data:image/png;base64`` URIs, the interactive
charts' library and data in ``<script>`` elements) and nothing is fetched from the network. Every string that
comes from data or from the report author goes through :func:`html.escape` (chart data is JSON with ``<``, ``>``
and ``&`` escaped, written into the page by ``textContent``), and a Content-Security-Policy ``<meta>`` blocks
every load and allows exactly the page's own scripts by SHA-256 hash (none at all when the report has no
interactive charts), so a model named ``<script>alert(1)</script>`` is displayed, never executed.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from accel_orm.metrics import get_metric
from accel_orm.reports.document import MAX_TABLE_ROWS, ChangeSummary, Report, Section, SeriesChart
from accel_orm.reports.render import interactive
from accel_orm.reports.render._format import (
    BAD_WHEN_TRUE,
    NA_PLACEHOLDER,
    PERCENT_COLUMNS,
    column_label,
    format_column,
    format_percent,
    is_missing,
    is_numeric_column,
    prepare_frame,
)
from accel_orm.reports.render.statuses import LIMITED, SUPPORTED, UNSUPPORTED, status_level

# Text cells naming a status get a coloured badge, so a compatibility matrix can be scanned at a glance.
# The badge keeps its text, so the meaning never depends on colour alone.
# Booleans ("yes"/"no") are not here: whether yes is good depends on the column (see _badge).
_BADGE_CLASSES = {SUPPORTED: "good", LIMITED: "warn", UNSUPPORTED: "bad"}
_DIRECTION_CLASSES = {"improvement": "good", "regression": "bad"}

_NUM_CLASS = ' class="num"'

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa;
  --accent: #0072b2; --hover: #eef4fb; --bad: #b42318; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg); line-height: 1.5;
  font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.report-header { padding: 14px 32px 10px; border-bottom: 3px solid var(--accent); background: #f6f8fa; }
header.report-header h1 { margin: 0 0 2px; font-size: 22px; line-height: 1.25; overflow-wrap: anywhere; }
header.report-header .meta { color: var(--muted); font-size: 13px; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 32px 40px; }
nav.toc { margin: 20px 0 4px; font-size: 14px; }
nav.toc ol { margin: 4px 0 0; padding-left: 22px; columns: 2 280px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { margin-top: 32px; }
section h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line);
  overflow-wrap: anywhere; }
section p { margin: 0 0 10px; max-width: 80ch; }
.table-wrap { overflow: auto; max-height: 75vh; border: 1px solid var(--line); border-radius: 6px;
  display: inline-block; max-width: 100%; vertical-align: top; }
table { border-collapse: collapse; width: auto; min-width: 40%; font-size: 13.5px; }
th, td { padding: 6px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #eaeef2; font-weight: 600; white-space: nowrap; z-index: 1; }
tbody tr:nth-child(even) { background: var(--stripe); }
tbody tr:hover { background: var(--hover); }
td { max-width: 48ch; overflow-wrap: anywhere; white-space: pre-line; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.na { color: #8c959f; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.good { background: #d8f0e6; color: #00583f; }
.badge.warn { background: #fdf3c4; color: #6b5300; }
.badge.bad { background: #fde8e7; color: var(--bad); }
.table-note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
figure { margin: 16px 0 0; }
figure img { display: block; max-width: min(100%, 960px); height: auto; border: 1px solid var(--line);
  border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
.what-changed { margin-top: 14px; }
.counts { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; margin-bottom: 10px; }
.count { padding: 6px 14px; border-radius: 8px; font-size: 15px; font-weight: 600; border: 1px solid var(--line); }
.count .n { font-size: 24px; margin-right: 4px; font-variant-numeric: tabular-nums; }
.count.bad { background: #fde8e7; color: var(--bad); border-color: #f4b7b2; }
.count.good { background: #dcf3e3; color: var(--good); border-color: #9fd6ae; }
.count.neutral { color: var(--muted); }
.basis { margin: 0; color: var(--muted); font-size: 13px; flex: 1 1 420px; max-width: none; }
.basis strong { color: var(--fg); }
.all-clear { font-size: 15px; }
tr.change.regression td.delta { color: var(--bad); font-weight: 600; }
tr.change.improvement td.delta { color: var(--good); font-weight: 600; }
.what-changed .table-wrap { max-height: none; display: block; }
.what-changed table { width: 100%; }
.what-changed td { padding: 4px 10px; white-space: nowrap; }
.delta.bad { color: var(--bad); font-weight: 600; }
.delta.good { color: var(--good); font-weight: 600; }
.changed-series { margin-top: 22px; }
.hint { color: var(--muted); font-size: 13px; max-width: none !important; }
.series-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.series-card { margin: 0; padding: 8px 8px 4px; border: 1px solid var(--line); border-radius: 6px; min-width: 0;
  display: flex; flex-direction: column; }
.series-card.regression { border-top: 3px solid var(--bad); }
.series-card.improvement { border-top: 3px solid var(--good); }
.series-card figcaption { margin: 0 0 4px; color: var(--fg); font-size: 13px; display: flex;
  justify-content: space-between; gap: 8px; flex-wrap: wrap; }
.series-title { font-weight: 600; overflow-wrap: anywhere; }
.series-metric { color: var(--muted); white-space: nowrap; }
.chart { position: relative; min-height: 170px; margin-top: auto; }
section.more { margin-top: 28px; }
details { margin: 0 0 8px; border: 1px solid var(--line); border-radius: 6px; padding: 0 12px; }
details > summary { cursor: pointer; padding: 8px 0; list-style-position: inside; }
details > summary h2 { display: inline; font-size: 16px; margin: 0; padding: 0; border: 0; }
details > summary .rows { color: var(--muted); font-size: 13px; margin-left: 8px; }
details[open] { padding-bottom: 12px; }
details[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: 10px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
  background: var(--stripe); padding: 1px 4px; border-radius: 4px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; border-top: 1px solid var(--line); }
@media print { .table-wrap { max-height: none; overflow: visible; } thead th { position: static; }
  header.report-header { background: none; } section { break-inside: avoid-page; } }
"""


_CHART_CSS = """
.chart-tip { position: absolute; z-index: 5; pointer-events: none; white-space: pre; background: #1f2328;
  color: #fff; font-size: 12px; line-height: 1.4; padding: 4px 8px; border-radius: 4px; }
.uplot { font-family: inherit; }
"""


def _e(text: object) -> str:
    """Escape for both element content and quoted attribute values."""
    return html.escape(str(text), quote=True)


def render_html(report: Report) -> str:
    """Render ``report`` as one self-contained HTML document (UTF-8 text).

    The first screen says what changed (counts since when, then each regression worst first with its signed
    percent change in colour); one interactive chart per changed series follows; every other section is folded
    in a closed ``<details>``. A report without a summary or series (``query`` output) is the plain list of
    sections, with a contents list when there are three or more. Numeric columns are right-aligned with tabular
    digits; tables hold at most the rows the section carries, with a note of what was left out.
    """
    generated_iso = report.generated_at.isoformat(timespec="seconds")
    chart_scripts = interactive.scripts() if report.series else []
    policy = _CSP + (
        f"; script-src {' '.join(interactive.script_hash(c) for c in chart_scripts)}" if chart_scripts else ""
    )
    css = _CSS + (interactive.stylesheet() + _CHART_CSS if chart_scripts else "")
    meta = [f'Generated <time datetime="{_e(generated_iso)}">{_e(_human_time(report.generated_at))}</time>']
    if report.subtitle:
        meta.append(_e(report.subtitle))
    if report.summary is None and not report.series:
        meta.append(f"{len(report.sections)} section{'s' if len(report.sections) != 1 else ''}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(policy)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        '<header class="report-header">',
        f"<h1>{_e(report.title)}</h1>",
        f'<div class="meta">{" · ".join(meta)}</div>',
        "</header>",
        "<main>",
    ]
    if report.summary is not None:
        parts.append(_render_summary(report.summary))
    if report.series:
        parts.append(_render_series(report.series))
    folded = report.summary is not None or bool(report.series)
    if len(report.sections) >= 3 and not folded:
        parts.append('<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>')
        parts.extend(f'<li><a href="#section-{i}">{_e(s.heading)}</a></li>' for i, s in enumerate(report.sections, 1))
        parts.append("</ol></nav>")
    if folded and report.sections:
        parts.append('<section class="more"><h2>Details</h2>')
    for index, section in enumerate(report.sections, 1):
        parts.append(_render_section(section, index))
    if folded and report.sections:
        parts.append("</section>")
    if not report.sections and not folded:
        parts.append('<p class="empty">This report has no sections.</p>')
    parts.extend(["</main>", f"<footer>accel_orm report · {_e(generated_iso)}</footer>"])
    if report.series:
        payload = {"panels": [interactive.panel_payload(c, f"chart-{i}") for i, c in enumerate(report.series, 1)]}
        parts.append(
            f'<script type="application/json" id="series-data">{interactive.json_for_script(payload)}</script>'
        )
        parts.extend(f"<script>{code}</script>" for code in chart_scripts)
    parts.extend(["</body>", "</html>"])
    return "\n".join(parts) + "\n"


FIRST_SCREEN_CHANGES = 12
"""Changes listed on the first screen; the rest are in the folded list of all changes below it."""

_CHANGE_TABLE_COLUMNS = (
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "metric",
    "before",
    "after",
    "percent_change",
    "z_score",
    "direction",
)


def _render_summary(summary: ChangeSummary) -> str:
    regressions, improvements = len(summary.regressions), len(summary.improvements)
    since = f" since {_human_time(summary.since)}" if summary.since is not None else ""
    parts = [
        '<section id="what-changed" class="what-changed" aria-label="What changed">',
        '<div class="counts">',
        f'<div class="count {"bad" if regressions else "neutral"}" id="regression-count">'
        f'<span class="n">{regressions}</span> regression{"s" if regressions != 1 else ""}</div>',
        f'<div class="count {"good" if improvements else "neutral"}" id="improvement-count">'
        f'<span class="n">{improvements}</span> improvement{"s" if improvements != 1 else ""}</div>',
        f'<p class="basis"><strong>{_e(since.strip().capitalize() or "Latest window")}</strong>: '
        f"{_e(summary.basis)}.</p>",
        "</div>",
    ]
    if summary.changes.empty:
        parts.append('<p class="all-clear">Nothing changed beyond the noise: no regressions, no improvements.</p>')
    else:
        shown = summary.changes.head(FIRST_SCREEN_CHANGES)
        parts.append(_changes_table(shown, table_id="changes-table"))
        left = len(summary.changes) - len(shown)
        if left:
            parts.append(
                f'<p class="table-note">{left:,} more change{"s" if left != 1 else ""} in '
                '<a href="#all-changes">all changes</a> below.</p>'
            )
    parts.append("</section>")
    if len(summary.changes) > FIRST_SCREEN_CHANGES:
        capped = summary.changes.head(MAX_TABLE_ROWS)
        parts.append('<details id="all-changes"><summary>All changes</summary>')
        parts.append(_changes_table(capped, table_id="all-changes-table"))
        parts.append(_cap_note(len(summary.changes) - len(capped), summary.full_command))
        parts.append("</details>")
    return "\n".join(parts)


def _changes_table(changes: pd.DataFrame, *, table_id: str) -> str:
    columns = [c for c in _CHANGE_TABLE_COLUMNS if c in changes.columns]
    if "run" in changes.columns and changes["run"].notna().any():
        columns.append("run")
    elif "change_timestamp" in changes.columns and changes["change_timestamp"].nunique(dropna=False) > 1:
        columns.append("change_timestamp")  # one shared start is already named above the table
    frame = changes[columns].copy()
    if frame["sequence_length"].isna().all() if "sequence_length" in frame else False:
        frame = frame.drop(columns="sequence_length")
    frame["metric"] = [_metric_label(m) for m in frame["metric"]]
    directions = changes["direction"].tolist()
    body = frame_to_html(frame, row_classes=[f"change {d}" for d in directions], table_id=table_id, note=False)
    return body


def _metric_label(name: object) -> str:
    try:
        metric = get_metric(str(name))
    except ValueError:
        return str(name)
    return f"{metric.label} ({metric.unit})"


def _render_series(series: list[SeriesChart]) -> str:
    parts = [
        '<section id="changed-series" class="changed-series">',
        "<h2>Changed series</h2>",
        '<p class="hint">One chart per changed series (one model, device, batch size and sequence length; never '
        "averaged). Shaded: the window compared; dashed: where the windows start. Hover a point for its value, "
        "time, run and device; drag across a chart to zoom the time axis, double-click to reset.</p>",
        '<div class="series-grid">',
    ]
    for index, chart in enumerate(series, 1):
        change = (
            f'<span class="delta {"bad" if chart.direction == "regression" else "good"}">'
            f"{_e(_arrow(chart))} {_e(format_percent(chart.percent_change, signed=True))}</span>"
            if chart.percent_change is not None
            else ""
        )
        parts.append(
            f'<figure class="series-card {_e(chart.direction)}">'
            f'<figcaption><span class="series-title">{_e(chart.title)}</span>'
            f'<span class="series-metric">{_e(chart.metric_label)} ({_e(chart.unit)}) {change}</span></figcaption>'
            f'<div class="chart" id="chart-{index}" role="img" '
            f'aria-label="{_e(chart.metric_label)} over time for {_e(chart.title)}"></div></figure>'
        )
    parts.extend(["</div>", "</section>"])
    return "\n".join(parts)


def _arrow(chart: SeriesChart) -> str:
    """Which way the number moved (the colour says whether that is good): ▲ up, ▼ down."""
    return "▲" if (chart.percent_change or 0) > 0 else "▼"


def _render_section(section: Section, index: int) -> str:
    tag = "details" if section.folded else "section"
    heading = (
        f"<summary><h2>{_e(section.heading)}</h2>{_summary_hint(section)}</summary>"
        if section.folded
        else f"<h2>{_e(section.heading)}</h2>"
    )
    parts = [f'<{tag} id="section-{index}">', heading]
    if section.text:
        parts.extend(_paragraphs(section.text))
    if section.frame is not None:
        parts.append(frame_to_html(section.frame))
        if section.rows_left_out:
            parts.append(_cap_note(section.rows_left_out, section.full_command, shown=len(section.frame)))
    if section.chart_png is not None:
        alt = section.chart_alt.strip() or section.heading
        data = base64.b64encode(section.chart_png).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">')
        if section.chart_alt.strip():
            parts.append(f"<figcaption>{_e(section.chart_alt.strip())}</figcaption>")
        parts.append("</figure>")
    if section.text is None and section.frame is None and section.chart_png is None:
        parts.append('<p class="empty">Nothing to show.</p>')
    parts.append(f"</{tag}>")
    return "\n".join(parts)


def _summary_hint(section: Section) -> str:
    if section.frame is None:
        return ""
    total = section.total_rows if section.total_rows is not None else len(section.frame)
    shown = f"{len(section.frame):,} of " if total > len(section.frame) else ""
    return f'<span class="rows">{shown}{total:,} row{"s" if total != 1 else ""}</span>'


def _cap_note(left_out: int, command: str | None, *, shown: int | None = None) -> str:
    if left_out <= 0:
        return ""
    text = f"{left_out:,} more row{'s' if left_out != 1 else ''} not shown"
    if shown is not None:
        text = f"Showing the first {shown:,} rows; {text}"
    command_html = f"; all of them: <code>{_e(command)}</code>" if command else ""
    return f'<p class="table-note cap-note">{_e(text)}{command_html}.</p>'


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines become ``<br>`` (after escaping, so they are ours)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b.strip()]
    return [f"<p>{'<br>'.join(_e(line) for line in block.splitlines())}</p>" for block in blocks]


def frame_to_html(
    df: pd.DataFrame,
    *,
    float_digits: int = 2,
    na_rep: str = NA_PLACEHOLDER,
    row_classes: list[str] | None = None,
    table_id: str | None = None,
    note: bool = True,
) -> str:
    """Render ``df`` as an escaped ``<table>`` inside a scrolling wrapper, followed by a row/column count.

    Headers are the human labels of :data:`~accel_orm.reports.render._format.COLUMN_LABELS` (``Δ %``, ``z``,
    units included); percent columns show signed percentages, coloured by ``row_classes`` (``change regression``
    rows are red, ``change improvement`` rows green).
    """
    frame = prepare_frame(df)
    if len(frame.columns) == 0:
        return '<p class="empty">No data.</p>'
    numeric = [is_numeric_column(frame.iloc[:, i]) for i in range(len(frame.columns))]
    formatted = [
        format_column(frame.iloc[:, i], float_digits=float_digits, na_rep=na_rep) for i in range(len(frame.columns))
    ]
    raw = [frame.iloc[:, i].tolist() for i in range(len(frame.columns))]
    names = [str(c) for c in frame.columns]

    head = "".join(
        f'<th scope="col"{_NUM_CLASS if is_num else ""}>{_e(column_label(name))}</th>'
        for name, is_num in zip(names, numeric, strict=True)
    )
    rows: list[str] = []
    for r in range(len(frame)):
        cells = []
        for c, is_num in enumerate(numeric):
            text, value = formatted[c][r], raw[c][r]
            classes = ["num"] if is_num else []
            if names[c] in PERCENT_COLUMNS:
                classes.append("delta")
            if is_missing(value):
                classes.append("na")
                body = _e(text)
            else:
                status = _badge(names[c], value, text) if not is_num else None
                body = f'<span class="badge {status}">{_e(text)}</span>' if status else _e(text)
            class_attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{class_attr}>{body}</td>")
        row_class = f' class="{_e(row_classes[r])}"' if row_classes else ""
        rows.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    id_attr = f' id="{_e(table_id)}"' if table_id else ""
    table = (
        f'<div class="table-wrap"><table{id_attr}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table></div>"
    )
    if not note:
        return table
    n_rows, n_cols = len(frame), len(frame.columns)
    count = f"{n_rows:,} row{'s' if n_rows != 1 else ''} × {n_cols} column{'s' if n_cols != 1 else ''}"
    if n_rows == 0:
        count = f"No rows · {n_cols} column{'s' if n_cols != 1 else ''}"
    return f'{table}\n<p class="table-note">{count}</p>'


def _badge(column: str, value: object, text: str) -> str | None:
    """The badge class of a text cell, or None. Booleans get one only where their meaning is known: a flagged
    regression (``is_regression = yes``) is bad news and red; a plain yes/no elsewhere is just a word."""
    if isinstance(value, bool | np.bool_):
        return "bad" if column in BAD_WHEN_TRUE and bool(value) else None
    direction = _DIRECTION_CLASSES.get(text.strip().lower())
    if direction is not None:
        return direction
    level = status_level(text)
    return _BADGE_CLASSES[level] if level else None


def _human_time(moment: datetime) -> str:
    """``2024-05-01 06:00 UTC`` — minutes are enough for a daily report; the exact time is in ``datetime=``."""
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0) or moment.tzinfo is UTC:
        return f"{text} UTC"
    return f"{text} {moment.strftime('%z')[:3]}:{moment.strftime('%z')[3:]}"
