"""GitHub-flavoured Markdown output, for pasting into pull requests, issues and chat.

Tables are GFM pipe tables with numeric columns right-aligned. Cell text is escaped so data can never break the
table or inject markup: a ``|`` in a model name would otherwise start a new column, a newline would end the row,
and ``<script>`` would be swallowed by GitHub's HTML sanitiser and silently disappear.
"""

from __future__ import annotations

import re

import pandas as pd

from accel_orm.metrics import get_metric
from accel_orm.reports.document import MAX_TABLE_ROWS, ChangeSummary, Report, Section, SeriesChart
from accel_orm.reports.render._format import (
    NA_PLACEHOLDER,
    column_label,
    format_column,
    format_datetime,
    is_numeric_column,
    prepare_frame,
)

# Backslash first, so the backslashes added for the other characters are not escaped again. Brackets: no
# ``[x](javascript:...)`` link, ``![i](...)`` image or ``[x][ref]`` reference can form; ``<``: no ``<scheme:...>``
# autolink (nor HTML).
_ESCAPES = (
    ("\\", "\\\\"),
    ("|", "\\|"),
    ("<", "\\<"),
    (">", "\\>"),
    ("`", "\\`"),
    ("*", "\\*"),
    ("[", "\\["),
    ("]", "\\]"),
)
# GitHub also links bare ``https://...`` and ``www.`` text (its autolink extension); an escape inside each breaks
# the pattern and renders as the same text. (It links bare e-mail addresses as ``mailto:`` whatever is escaped:
# harmless, and left alone.)
_BARE_AUTOLINKS = (
    (re.compile(r"://"), r"\://"),
    (re.compile(r"(?i)\b(www)\."), r"\1\."),
)


def escape_cell(text: str) -> str:
    """Make ``text`` safe inside one GFM table cell: escape markup, turn line breaks into ``<br>``.

    Data never becomes a link, an image or HTML: cell values come from result files and databases that anyone
    may have written to (a model named ``[docs](javascript:...)`` must show as that text, not as a live link).
    """
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    for pattern, escaped in _BARE_AUTOLINKS:
        text = pattern.sub(escaped, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text.replace("\n", "<br>")


def escape_inline(text: str) -> str:
    """Escape a heading or title: the same as a cell, but line breaks become spaces (headings are one line)."""
    return " ".join(escape_cell(text).replace("<br>", " ").split())


def frame_to_markdown(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    float_digits: int = 2,
    na_rep: str = NA_PLACEHOLDER,
) -> str:
    """Render ``df`` as a GFM pipe table (with an optional ``### title`` line above it).

    Floats get ``float_digits`` decimals, missing values show as ``na_rep`` (an em dash by default, so a gap is
    visibly a gap rather than an empty cell that looks like a rendering bug), datetimes are ISO 8601, and a
    non-default index is shown as leading columns. A frame without rows still renders its header, followed by a
    "No rows." note, so readers can tell "nothing matched" from "section missing".
    """
    frame = prepare_frame(df)
    parts: list[str] = []
    if title:
        parts.append(f"### {escape_inline(title)}\n")
    if len(frame.columns) == 0:
        parts.append("_No data._\n")
        return "\n".join(parts)

    headers = [escape_inline(column_label(c)) or " " for c in frame.columns]
    numeric = [is_numeric_column(frame.iloc[:, i]) for i in range(len(frame.columns))]
    columns = [
        [escape_cell(cell) for cell in format_column(frame.iloc[:, i], float_digits=float_digits, na_rep=na_rep)]
        for i in range(len(frame.columns))
    ]
    widths = [max([len(headers[i]), 3, *(len(cell) for cell in columns[i])]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if is_num else cell.ljust(width)
            for cell, width, is_num in zip(cells, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    separator = (
        "| "
        + " | ".join(("-" * (w - 1) + ":") if is_num else "-" * w for w, is_num in zip(widths, numeric, strict=True))
        + " |"
    )
    rows = [line(headers), separator]
    rows.extend(line([col[r] for col in columns]) for r in range(len(frame)))
    parts.append("\n".join(rows) + "\n")
    if len(frame) == 0:
        parts.append("_No rows._\n")
    return "\n".join(parts)


def render_markdown(report: Report) -> str:
    """Render a whole :class:`Report` as one Markdown document, in the HTML report's order.

    What changed comes first (the counts, since when, and the changes worst first), then the changed series
    (named; their charts are in the HTML report), then every section. Tables never show more rows than the
    section carries and say how many were left out and which command prints them all. Markdown embeds nothing
    binary: a PNG chart appears as a quoted note with its alt text. Section ``text`` is passed through unchanged
    so authors may use Markdown in it.
    """
    lines = [f"# {escape_inline(report.title)}", "", f"_Generated {_format_generated_at(report)}_"]
    if report.subtitle:
        lines[-1] += f" · {escape_inline(report.subtitle)}"
    lines.append("")
    if report.summary is not None:
        lines.extend(_summary_lines(report.summary))
    if report.series:
        lines.extend(_series_lines(report.series))
    for section in report.sections:
        lines.extend(_section_lines(section))
    return "\n".join(lines).rstrip("\n") + "\n"


_CHANGE_COLUMNS = (
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
    "run",
)


def _summary_lines(summary: ChangeSummary) -> list[str]:
    regressions, improvements = len(summary.regressions), len(summary.improvements)
    since = f" since {format_datetime(summary.since)} UTC" if summary.since is not None else ""
    lines = [
        "## What changed",
        "",
        f"**{regressions} regression{'s' if regressions != 1 else ''}** and {improvements} "
        f"improvement{'s' if improvements != 1 else ''}{since}: {escape_inline(summary.basis)}.",
        "",
    ]
    for title, frame in (("Regressions", summary.regressions), ("Improvements", summary.improvements)):
        if frame.empty:
            continue
        shown = frame.head(MAX_TABLE_ROWS)
        table = shown[[c for c in _CHANGE_COLUMNS if c in shown.columns]]
        table = table.drop(columns=[c for c in ("run", "sequence_length") if c in table and table[c].isna().all()])
        table = table.assign(metric=[_metric_label(m) for m in table["metric"]])
        lines.extend([f"### {title} (worst first)" if title == "Regressions" else f"### {title}", ""])
        lines.append(frame_to_markdown(table).rstrip("\n"))
        lines.append("")
        lines.extend(_cap_lines(len(frame) - len(shown), summary.full_command))
    if summary.changes.empty:
        lines.extend(["Nothing changed beyond the noise.", ""])
    return lines


def _metric_label(name: object) -> str:
    try:
        metric = get_metric(str(name))
    except ValueError:
        return str(name)
    return f"{metric.label} ({metric.unit})"


def _series_lines(series: list[SeriesChart]) -> list[str]:
    """The charts themselves are in the HTML report; the tables above already list every changed series."""
    count = len(series)
    return [
        f"_{count} chart{'s' if count != 1 else ''} of the changed series (one per model, device, batch size and "
        "sequence length) are in the HTML report: `accel-orm report --format html --output report.html`._",
        "",
    ]


def _section_lines(section: Section) -> list[str]:
    lines = [f"## {escape_inline(section.heading)}", ""]
    if section.text:
        lines.extend([section.text.strip(), ""])
    if section.frame is not None:
        lines.extend([frame_to_markdown(section.frame).rstrip("\n"), ""])
        lines.extend(_cap_lines(section.rows_left_out, section.full_command, shown=len(section.frame)))
    if section.chart_png is not None:
        alt = escape_inline(section.chart_alt) if section.chart_alt.strip() else "Chart"
        lines.extend([f"> **Chart:** {alt} _(the chart itself is in the HTML report / PNG output)_", ""])
    return lines


def _cap_lines(left_out: int, command: str | None, *, shown: int | None = None) -> list[str]:
    if left_out <= 0:
        return []
    text = f"{left_out:,} more row{'s' if left_out != 1 else ''} not shown"
    if shown is not None:
        text = f"Showing the first {shown:,} rows; {text}"
    return [f"_{text}" + (f"; all of them: `{command}`_" if command else "_"), ""]


def _format_generated_at(report: Report) -> str:
    return report.generated_at.isoformat(timespec="seconds")
