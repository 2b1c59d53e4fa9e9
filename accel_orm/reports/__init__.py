"""The report layer: turn pandas DataFrames into Markdown, HTML, JSON, CSV and PNG charts.

This package never builds SQL and never touches a database; ``accel_orm.queries`` produces the frames. Build a
:class:`Report` of :class:`Section` objects once and render it in any of :data:`FORMATS`::

    report = Report("Nightly throughput", [Section("By hardware", frame=df, chart_png=png, chart_alt="...")])
    html_text = render(report, "html")

Charts live in :mod:`accel_orm.reports.charts`, which is not imported here so that rendering text reports does not
pay for importing matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable

from accel_orm.reports.csvfmt import frame_to_csv
from accel_orm.reports.document import Report, Section
from accel_orm.reports.html import render_html
from accel_orm.reports.jsonfmt import render_json
from accel_orm.reports.markdown import frame_to_markdown, render_markdown

FORMATS: tuple[str, ...] = ("markdown", "html", "json")
"""Formats accepted by :func:`render` (CSV is per table, see :func:`frame_to_csv`)."""

_RENDERERS: dict[str, Callable[[Report], str]] = {
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(report: Report, fmt: str) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`, case-insensitive).

    Raises ``ValueError`` naming the bad format and the allowed ones, so a typo in a CLI flag or config file
    gives an actionable message instead of an empty file.
    """
    key = fmt.strip().lower() if isinstance(fmt, str) else fmt
    renderer = _RENDERERS.get(key) if isinstance(key, str) else None
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return renderer(report)


__all__ = [
    "FORMATS",
    "Report",
    "Section",
    "frame_to_csv",
    "frame_to_markdown",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
]
