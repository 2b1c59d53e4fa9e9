"""The report document model: what a report *is*, independent of how it is rendered.

Query code builds one :class:`Report` and hands it to any renderer (Markdown for chat and pull requests, HTML for
the morning e-mail, JSON for dashboards), so the three outputs can never disagree about content or order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _now_utc() -> datetime:
    """Default timestamp: aware UTC, so readers in every time zone see an unambiguous time."""
    return datetime.now(UTC)


@dataclass
class Section:
    """One titled block of a report: any mix of prose, a table and a chart, shown in that order.

    ``text`` is trusted prose written by the report's author: Markdown output passes it through unchanged (so it
    may use Markdown), HTML output escapes it and keeps its paragraphs. ``chart_png`` must be PNG bytes (the HTML
    renderer embeds it as ``image/png``); ``chart_alt`` describes the chart for screen readers and for the
    Markdown and JSON outputs, which do not show images.
    """

    heading: str
    frame: pd.DataFrame | None = None
    text: str | None = None
    chart_png: bytes | None = None
    chart_alt: str = ""

    def __post_init__(self) -> None:
        # Fail when the section is built rather than when the report is rendered, far from the bug.
        if not isinstance(self.heading, str):
            raise TypeError(f"Section.heading must be a str, got {type(self.heading).__name__}")
        if self.frame is not None and not isinstance(self.frame, pd.DataFrame):
            raise TypeError(
                f"Section.frame must be a pandas DataFrame or None, got {type(self.frame).__name__}; "
                "wrap a Series with .to_frame()"
            )
        if self.chart_png is not None:
            if not isinstance(self.chart_png, bytes | bytearray | memoryview):
                raise TypeError(f"Section.chart_png must be PNG bytes, got {type(self.chart_png).__name__}")
            self.chart_png = bytes(self.chart_png)
            if not self.chart_png.startswith(PNG_SIGNATURE):
                raise ValueError(
                    "Section.chart_png is not a PNG image (missing PNG signature); "
                    "use the functions of accel_orm.reports.render.charts or savefig(format='png')"
                )


@dataclass
class Report:
    """A titled, timestamped list of sections; ``generated_at`` defaults to now (UTC)."""

    title: str
    sections: list[Section] = field(default_factory=list)
    generated_at: datetime = field(default_factory=_now_utc)

    def __post_init__(self) -> None:
        if not isinstance(self.title, str):
            raise TypeError(f"Report.title must be a str, got {type(self.title).__name__}")
        self.sections = list(self.sections)
        for index, section in enumerate(self.sections):
            if not isinstance(section, Section):
                raise TypeError(f"Report.sections[{index}] must be a Section, got {type(section).__name__}")
        if not isinstance(self.generated_at, datetime):
            raise TypeError(f"Report.generated_at must be a datetime, got {type(self.generated_at).__name__}")
