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
    folded: bool = False
    """HTML shows the section closed (``<details>``): detail below the summary, opened on demand."""
    total_rows: int | None = None
    """Rows the full table has when ``frame`` holds only the first of them (see :func:`capped`)."""
    full_command: str | None = None
    """The command that prints every row of a capped table."""

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

    @property
    def rows_left_out(self) -> int:
        """How many rows of the full table ``frame`` does not show (0 for an uncapped table)."""
        if self.frame is None or self.total_rows is None:
            return 0
        return max(0, self.total_rows - len(self.frame))


MAX_TABLE_ROWS = 200
"""No table in a report shows more rows than this; the rest is counted and pointed to."""


def capped(heading: str, frame: pd.DataFrame, *, full_command: str, limit: int = MAX_TABLE_ROWS, **kwargs) -> Section:
    """A section showing the first ``limit`` rows of ``frame``, remembering how many there were in all."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    return Section(heading, frame=frame.head(limit), total_rows=len(frame), full_command=full_command, **kwargs)


@dataclass
class ChangeSummary:
    """What changed: the report's first screen.

    ``changes`` has one row per changed series and metric, regressions first, worst first, with the columns of
    :data:`accel_orm.reports.build.CHANGE_COLUMNS`. ``since`` is the point the current values are compared from
    (the start of the current window, or of the run compared against); ``basis`` says in words what was compared.
    """

    changes: pd.DataFrame
    since: datetime | None
    basis: str
    full_command: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.changes, pd.DataFrame):
            raise TypeError(f"ChangeSummary.changes must be a DataFrame, got {type(self.changes).__name__}")
        missing = {"direction", "percent_change"} - set(self.changes.columns)
        if missing:
            raise ValueError(f"ChangeSummary.changes lacks the column(s) {sorted(missing)}")

    @property
    def regressions(self) -> pd.DataFrame:
        return self.changes[self.changes["direction"] == "regression"]

    @property
    def improvements(self) -> pd.DataFrame:
        return self.changes[self.changes["direction"] == "improvement"]


@dataclass
class SeriesChart:
    """One small-multiple chart: a metric over time for exactly one comparability key.

        ``points`` has the columns ``timestamp`` (naive UTC), ``value``, ``device_name`` and ``run`` (run or commit,
        None when unknown). ``marks`` are the instants to draw as vertical rules with a label (window starts or the
        change point); ``current_from`` shades the current window (from there to the end) in the colour of the change,
    ``previous_from`` the window it was compared with (up to ``current_from``) in grey. ``direction`` is
        ``regression`` or ``improvement`` and colours the chart's badge.
    """

    title: str
    metric_label: str
    unit: str
    points: pd.DataFrame
    direction: str
    percent_change: float | None
    marks: list[tuple[datetime, str]] = field(default_factory=list)
    current_from: datetime | None = None
    previous_from: datetime | None = None

    def __post_init__(self) -> None:
        missing = {"timestamp", "value", "device_name", "run"} - set(self.points.columns)
        if missing:
            raise ValueError(f"SeriesChart.points lacks the column(s) {sorted(missing)}")
        if self.direction not in ("regression", "improvement"):
            raise ValueError(f"SeriesChart.direction must be 'regression' or 'improvement', got {self.direction!r}")


@dataclass
class Report:
    """A titled, timestamped list of sections; ``generated_at`` defaults to now (UTC).

    ``summary`` (what changed) and ``series`` (one chart per changed series) come first when present; the
    sections follow.
    """

    title: str
    sections: list[Section] = field(default_factory=list)
    generated_at: datetime = field(default_factory=_now_utc)
    summary: ChangeSummary | None = None
    series: list[SeriesChart] = field(default_factory=list)
    subtitle: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str):
            raise TypeError(f"Report.title must be a str, got {type(self.title).__name__}")
        self.sections = list(self.sections)
        for index, section in enumerate(self.sections):
            if not isinstance(section, Section):
                raise TypeError(f"Report.sections[{index}] must be a Section, got {type(section).__name__}")
        self.series = list(self.series)
        if not all(isinstance(chart, SeriesChart) for chart in self.series):
            raise TypeError("Report.series must hold SeriesChart objects")
        if not isinstance(self.generated_at, datetime):
            raise TypeError(f"Report.generated_at must be a datetime, got {type(self.generated_at).__name__}")
