"""Self-contained HTML output: one file that opens anywhere, offline, and can be attached to an e-mail.

Everything is inline (CSS in a ``<style>`` element, charts as ``data:image/png;base64`` URIs) and nothing is
fetched from the network. Every string that comes from data or from the report author goes through
:func:`html.escape`, and a Content-Security-Policy ``<meta>`` forbids scripts and remote loads as a second line
of defence, so a model named ``<script>alert(1)</script>`` is displayed, never executed.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import UTC, datetime, timedelta

import pandas as pd

from accel_orm.reports.document import Report, Section
from accel_orm.reports.render._format import NA_PLACEHOLDER, format_column, is_missing, is_numeric_column, prepare_frame
from accel_orm.reports.render.statuses import LIMITED, SUPPORTED, UNSUPPORTED, status_level

# Text cells naming a status get a coloured badge, so a compatibility matrix can be scanned at a glance.
# The badge keeps its text, so the meaning never depends on colour alone.
_BADGE_CLASSES = {SUPPORTED: "good", LIMITED: "warn", UNSUPPORTED: "bad"}

_NUM_CLASS = ' class="num"'

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa;
  --accent: #0072b2; --hover: #eef4fb; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg); line-height: 1.5;
  font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.report-header { padding: 28px 32px 20px; border-bottom: 4px solid var(--accent); background: #f6f8fa; }
header.report-header h1 { margin: 0 0 4px; font-size: 26px; line-height: 1.25; overflow-wrap: anywhere; }
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
.table-wrap { overflow: auto; max-height: 75vh; border: 1px solid var(--line); border-radius: 6px; }
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
.badge.bad { background: #fbe0d0; color: #8a3300; }
.table-note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
figure { margin: 16px 0 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; border-top: 1px solid var(--line); }
@media print { .table-wrap { max-height: none; overflow: visible; } thead th { position: static; }
  header.report-header { background: none; } section { break-inside: avoid-page; } }
"""


def _e(text: object) -> str:
    """Escape for both element content and quoted attribute values."""
    return html.escape(str(text), quote=True)


def render_html(report: Report) -> str:
    """Render ``report`` as one self-contained HTML document (UTF-8 text).

    The page has a header with the title and generation time, a contents list when there are three or more
    sections, then each section's prose, table and chart. Tables scroll inside their own box with a sticky header
    so wide or long frames do not stretch the page; numeric columns are right-aligned with tabular digits.
    """
    generated_iso = report.generated_at.isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="report-header">',
        f"<h1>{_e(report.title)}</h1>",
        f'<div class="meta">Generated <time datetime="{_e(generated_iso)}">'
        f"{_e(_human_time(report.generated_at))}</time>"
        f" · {len(report.sections)} section{'s' if len(report.sections) != 1 else ''}</div>",
        "</header>",
        "<main>",
    ]
    if len(report.sections) >= 3:
        parts.append('<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>')
        parts.extend(f'<li><a href="#section-{i}">{_e(s.heading)}</a></li>' for i, s in enumerate(report.sections, 1))
        parts.append("</ol></nav>")
    for index, section in enumerate(report.sections, 1):
        parts.append(_render_section(section, index))
    if not report.sections:
        parts.append('<p class="empty">This report has no sections.</p>')
    parts.extend(["</main>", f"<footer>accel_orm report · {_e(generated_iso)}</footer>", "</body>", "</html>"])
    return "\n".join(parts) + "\n"


def _render_section(section: Section, index: int) -> str:
    parts = [f'<section id="section-{index}">', f"<h2>{_e(section.heading)}</h2>"]
    if section.text:
        parts.extend(_paragraphs(section.text))
    if section.frame is not None:
        parts.append(frame_to_html(section.frame))
    if section.chart_png is not None:
        alt = section.chart_alt.strip() or section.heading
        data = base64.b64encode(section.chart_png).decode("ascii")
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">')
        if section.chart_alt.strip():
            parts.append(f"<figcaption>{_e(section.chart_alt.strip())}</figcaption>")
        parts.append("</figure>")
    if section.text is None and section.frame is None and section.chart_png is None:
        parts.append('<p class="empty">Nothing to show.</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines become ``<br>`` (after escaping, so they are ours)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b.strip()]
    return [f"<p>{'<br>'.join(_e(line) for line in block.splitlines())}</p>" for block in blocks]


def frame_to_html(df: pd.DataFrame, *, float_digits: int = 2, na_rep: str = NA_PLACEHOLDER) -> str:
    """Render ``df`` as an escaped ``<table>`` inside a scrolling wrapper, followed by a row/column count."""
    frame = prepare_frame(df)
    if len(frame.columns) == 0:
        return '<p class="empty">No data.</p>'
    numeric = [is_numeric_column(frame.iloc[:, i]) for i in range(len(frame.columns))]
    formatted = [
        format_column(frame.iloc[:, i], float_digits=float_digits, na_rep=na_rep) for i in range(len(frame.columns))
    ]
    raw = [frame.iloc[:, i].tolist() for i in range(len(frame.columns))]

    head = "".join(
        f'<th scope="col"{_NUM_CLASS if is_num else ""}>{_e(name)}</th>'
        for name, is_num in zip(frame.columns, numeric, strict=True)
    )
    rows: list[str] = []
    for r in range(len(frame)):
        cells = []
        for c, is_num in enumerate(numeric):
            text, value = formatted[c][r], raw[c][r]
            classes = ["num"] if is_num else []
            if is_missing(value):
                classes.append("na")
                body = _e(text)
            else:
                level = status_level(text) if not is_num else None
                status = _BADGE_CLASSES[level] if level else None
                body = f'<span class="badge {status}">{_e(text)}</span>' if status else _e(text)
            class_attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{class_attr}>{body}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = (
        f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table></div>"
    )
    n_rows, n_cols = len(frame), len(frame.columns)
    note = f"{n_rows:,} row{'s' if n_rows != 1 else ''} × {n_cols} column{'s' if n_cols != 1 else ''}"
    if n_rows == 0:
        note = f"No rows · {n_cols} column{'s' if n_cols != 1 else ''}"
    return f'{table}\n<p class="table-note">{note}</p>'


def _human_time(moment: datetime) -> str:
    """``2024-05-01 06:00 UTC`` — minutes are enough for a daily report; the exact time is in ``datetime=``."""
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0) or moment.tzinfo is UTC:
        return f"{text} UTC"
    return f"{text} {moment.strftime('%z')[:3]}:{moment.strftime('%z')[3:]}"
