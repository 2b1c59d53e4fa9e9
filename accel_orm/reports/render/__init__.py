"""Renderers: a :class:`~accel_orm.reports.document.Report` into Markdown, HTML or JSON text (CSV per table).

Nothing here builds SQL or touches a database. Charts live in :mod:`accel_orm.reports.render.charts`, which is not
imported here so that rendering text reports does not pay for importing matplotlib.
"""


from __future__ import annotations

from collections.abc import Callable

from accel_orm.reports.document import Report
from accel_orm.reports.render.csvfmt import frame_to_csv
from accel_orm.reports.render.html import render_html
from accel_orm.reports.render.jsonfmt import render_json
from accel_orm.reports.render.markdown import frame_to_markdown, render_markdown

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
    "frame_to_csv",
    "frame_to_markdown",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
]
