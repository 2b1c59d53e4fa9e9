"""The report layer: turn pandas DataFrames into Markdown, HTML, JSON, CSV and PNG charts.

``reports.build`` gathers a report's frames from the database (through ``accel_orm.queries``); ``reports.render``
turns a report into text and never touches a database. Build a
:class:`Report` of :class:`Section` objects once and render it in any of :data:`FORMATS`::

    report = Report("Nightly throughput", [Section("By hardware", frame=df, chart_png=png, chart_alt="...")])
    html_text = render(report, "html")

Charts live in :mod:`accel_orm.reports.render.charts`, which is not imported here so that rendering text reports
does not pay for importing matplotlib.
"""

from accel_orm.reports.document import Report, Section
from accel_orm.reports.render import (
    FORMATS,
    frame_to_csv,
    frame_to_markdown,
    render,
    render_html,
    render_json,
    render_markdown,
)

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
