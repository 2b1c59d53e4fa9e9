"""GitHub-flavoured Markdown output, for pasting into pull requests, issues and chat.

Tables are GFM pipe tables with numeric columns right-aligned. Cell text is escaped so data can never break the
table or inject markup: a ``|`` in a model name would otherwise start a new column, a newline would end the row,
and ``<script>`` would be swallowed by GitHub's HTML sanitiser and silently disappear.
"""

from __future__ import annotations

import re

import pandas as pd

from accel_orm.reports.document import Report
from accel_orm.reports.render._format import NA_PLACEHOLDER, format_column, is_numeric_column, prepare_frame

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

    headers = [escape_inline(str(c)) or " " for c in frame.columns]
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
    """Render a whole :class:`Report` as one Markdown document.

    Markdown embeds nothing binary: a chart appears as a quoted note with its alt text, pointing readers to the
    HTML report (or the PNG) for the picture. Section ``text`` is passed through unchanged so authors may use
    Markdown in it.
    """
    lines = [f"# {escape_inline(report.title)}", "", f"_Generated {_format_generated_at(report)}_", ""]
    for section in report.sections:
        lines.append(f"## {escape_inline(section.heading)}")
        lines.append("")
        if section.text:
            lines.append(section.text.strip())
            lines.append("")
        if section.frame is not None:
            lines.append(frame_to_markdown(section.frame).rstrip("\n"))
            lines.append("")
        if section.chart_png is not None:
            alt = escape_inline(section.chart_alt) if section.chart_alt.strip() else "Chart"
            lines.append(f"> **Chart:** {alt} _(the chart itself is in the HTML report / PNG output)_")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _format_generated_at(report: Report) -> str:
    return report.generated_at.isoformat(timespec="seconds")
