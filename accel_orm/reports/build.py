"""Assemble reports: run the query module's statements, turn them into frames, lay them out as a ``Report``.

The query module builds SQL, the renderers in :mod:`accel_orm.reports` format documents; this module is the
thin layer between them, shared by the Python facades and the CLI so every entry point shows the same report.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import pandas as pd
from sqlalchemy import Engine, func, select

from accel_orm import defaults, queries
from accel_orm.db import database_of
from accel_orm.frames import compatibility_frame, to_frame
from accel_orm.metrics import Metric, get_metric
from accel_orm.queries.summary import hardware_summary, performance_summary, recent_failures, table_counts
from accel_orm.reports import Report, Section
from accel_orm.reports.document import ChangeSummary, SeriesChart, capped
from accel_orm.reports.render import charts
from accel_orm.timestamps import utc_now

CHANGEPOINT = "changepoint"
"""The report's default rule: step changes found by :mod:`accel_orm.changes`."""
RECENT_FAILURES_SHOWN = 20
TREND_DAYS = 42
SUMMARY_METRICS: tuple[str, ...] = ("throughput", "latency")
"""The metrics the morning report checks for changes."""
MAX_SERIES_CHARTS = 24
"""Small multiples drawn at most (worst first); the rest of the changes are still listed."""

CHANGE_COLUMNS: tuple[str, ...] = (
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "metric",
    "before",
    "after",
    "percent_change",
    "direction",
    "method",
    "z_score",
    "change_timestamp",
    "run",
)
"""Columns of :func:`detect_changes`: the comparability key, the metric, the values before and after, the signed
percent change, ``direction`` (``regression`` / ``improvement``), the detector (``method``) and its statistic
(``z_score``), when the change starts (``change_timestamp``) and the run or commit it arrived with (``run``, None
until runs are recorded)."""

SERIES_KEY_COLUMNS: tuple[str, ...] = ("model_name", "hardware_type", "device_name", "batch_size", "sequence_length")


@dataclass(frozen=True)
class SeriesKey:
    """A comparability key: numbers with different keys are never compared, averaged or drawn as one line."""

    model_name: str
    hardware_type: str
    device_name: str | None
    batch_size: int | None
    sequence_length: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SeriesKey:
        values: dict[str, Any] = {
            name: None if _missing(row.get(name)) else row.get(name) for name in SERIES_KEY_COLUMNS
        }
        for name in ("batch_size", "sequence_length"):
            if values[name] is not None:
                values[name] = int(values[name])
        return cls(**values)

    def title(self) -> str:
        """``whisper-tiny · webgpu (chrome) · batch 8 · seq 128``: the device and batch size are always named."""
        hardware = f"{self.hardware_type} ({self.device_name})" if self.device_name else self.hardware_type
        parts = [self.model_name, hardware, f"batch {self.batch_size}" if self.batch_size is not None else "batch —"]
        if self.sequence_length is not None:
            parts.append(f"seq {self.sequence_length}")
        return " · ".join(parts)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


@dataclass(frozen=True)
class ChangeWindows:
    """The window comparison behind :func:`detect_changes`: ``(as_of - window, as_of]`` against the window before."""

    as_of: datetime
    window_days: float = 7
    threshold_pct: float = 5.0
    method: str = "changepoint"

    @property
    def current_start(self) -> datetime:
        return self.as_of - timedelta(days=self.window_days)

    @property
    def previous_start(self) -> datetime:
        return self.as_of - 2 * timedelta(days=self.window_days)

    def describe(self) -> str:
        days = f"{self.window_days:g} day{'s' if self.window_days != 1 else ''}"
        if self.method == CHANGEPOINT:
            return (
                f"step changes that began in the last {days}, found by the change-point detector over each series' "
                "whole history (one series per model, hardware, device, batch size, sequence length, precision and "
                "test case); acknowledged changes are left out"
            )
        return (
            f"the last {days} against the {days} before, per model, hardware, device, batch size and sequence "
            f"length; a change counts beyond {self.threshold_pct:g} % and ({self.method}) beyond the noise of the "
            "earlier window"
        )


@functools.cache
def _reversed(metric: Metric) -> Metric:
    """The metric with its direction flipped: its "regressions" are the original's improvements.

    One object per metric, so the query module's statement cache (keyed by identity) keeps hitting.
    """
    return dataclasses.replace(metric, higher_is_better=not metric.higher_is_better)


def detect_changes(
    engine: Engine,
    *,
    metrics: tuple[str, ...] = SUMMARY_METRICS,
    windows: ChangeWindows | None = None,
) -> pd.DataFrame:
    """Every significant change per comparability key and metric: the ONE place that picks the detector.

    ``windows.method`` decides: ``"changepoint"`` (the default) asks :func:`accel_orm.changes.changes_frame`
    for the step changes that began inside the current window, each series judged over its whole history, and
    leaves acknowledged changes out; ``"zscore"`` / ``"mean"`` compare the two windows with
    :func:`accel_orm.queries.regressions`, improvements being the same test with the metric's direction reversed.
    One row per change with :data:`CHANGE_COLUMNS`, regressions first, the largest change first; ``method`` says
    which rule decided.
    """
    windows = windows or ChangeWindows(utc_now())
    frames = []
    for name in metrics:
        metric = get_metric(name)
        if windows.method == CHANGEPOINT:
            frames.append(_changepoint_changes(engine, metric, windows))
            continue
        for direction, tested in (("regression", metric), ("improvement", _reversed(metric))):
            stmt = queries.regressions(
                metric=tested,
                window_days=windows.window_days,
                threshold_pct=windows.threshold_pct,
                as_of=windows.as_of,
                method=windows.method,
            )
            found = to_frame(stmt.where(stmt.selected_columns.is_regression), engine)
            if found.empty:
                continue
            frames.append(
                found.assign(
                    metric=metric.name,
                    before=found["previous"],
                    after=found["current"],
                    direction=direction,
                    method=windows.method,
                    change_timestamp=pd.Timestamp(windows.current_start),
                    run=None,
                )[list(CHANGE_COLUMNS)]
            )
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in CHANGE_COLUMNS})
    changes = pd.concat(frames, ignore_index=True)
    order = changes.assign(
        _regression_first=changes["direction"] != "regression", _size=-changes["percent_change"].abs()
    )
    return changes.loc[order.sort_values(["_regression_first", "_size"]).index].reset_index(drop=True)


def _changepoint_changes(engine: Engine, metric: Metric, windows: ChangeWindows) -> pd.DataFrame:
    """The change detector's open changes of ``metric`` that began in the current window, as CHANGE_COLUMNS."""
    from accel_orm.changes import changes_frame  # the detector is only paid for where it is used

    found = changes_frame(engine, metric, since=windows.current_start)
    found = found[~found["acknowledged"] & (found["timestamp"] <= pd.Timestamp(windows.as_of))]
    if found.empty:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    # A short commit (10 hex digits, as git prints them) identifies the run; the run id where no commit is known.
    short = found["git_commit"].map(lambda commit: commit[:10] if isinstance(commit, str) else None)
    commits = short.where(short.notna(), found["run_id"].map(lambda run: None if pd.isna(run) else f"run {run}"))
    return found.assign(
        z_score=float("nan"),
        change_timestamp=found["timestamp"],
        run=commits.where(commits.notna(), None),
    )[list(CHANGE_COLUMNS)]


def series_points(engine: Engine, key: SeriesKey, metric: str, *, since: datetime | None = None) -> pd.DataFrame:
    """The points of one series (exactly one comparability key and metric), oldest first.

    Columns: ``timestamp`` (naive UTC), ``value``, ``device_name``, ``test_id`` and ``run`` (the run or commit the
    point came from; None until runs are recorded).
    """
    stmt = queries.key_series(
        key.model_name, key.hardware_type, key.device_name, key.batch_size, key.sequence_length, metric, since
    )
    frame = to_frame(stmt, engine)
    return pd.DataFrame(
        {
            "timestamp": frame["test_timestamp"],
            "value": frame["value"].astype(float),
            "device_name": frame["device_name"],
            "test_id": frame["test_id"],
            "run": pd.Series([None] * len(frame), dtype=object),
        }
    )


def series_chart(engine: Engine, change: Mapping[str, Any], windows: ChangeWindows) -> SeriesChart:
    """The small multiple of one change: its whole recent series, the windows compared marked."""
    definition = get_metric(str(change["metric"]))
    key = SeriesKey.from_row(change)
    since = min(windows.previous_start, windows.as_of - timedelta(days=TREND_DAYS))
    points = series_points(engine, key, definition.name, since=since)
    change_at = change.get("change_timestamp")
    marks = [(windows.previous_start, "before")]
    marks.append(
        (
            pd.Timestamp(cast(Any, change_at)).to_pydatetime() if not _missing(change_at) else windows.current_start,
            "after",
        )
    )
    return SeriesChart(
        title=key.title(),
        metric_label=definition.label,
        unit=definition.unit,
        points=points,
        direction=str(change["direction"]),
        percent_change=None if _missing(change["percent_change"]) else float(change["percent_change"]),
        marks=marks,
        current_from=marks[-1][0],
        previous_from=windows.previous_start,
    )


def change_summary(changes: pd.DataFrame, windows: ChangeWindows) -> ChangeSummary:
    return ChangeSummary(
        changes=changes,
        since=windows.current_start,
        basis=windows.describe(),
        full_command=f"accel-orm query --regressions --window-days {windows.window_days:g} "
        f"--threshold {windows.threshold_pct:g} --method {windows.method}",
    )


def _regressions_frame(
    engine: Engine,
    metric: str,
    window_days: float,
    threshold_pct: float,
    method: str = defaults.REGRESSION_METHOD,
    include_simulated: bool = False,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    stmt = queries.regressions(
        metric=metric,
        window_days=window_days,
        threshold_pct=threshold_pct,
        method=method,
        include_simulated=include_simulated,
        as_of=as_of,
    )
    frame = to_frame(stmt.where(stmt.selected_columns.is_regression), engine)
    return frame.sort_values("percent_change", key=abs, ascending=False, ignore_index=True)


def regressions_section(
    engine: Engine,
    *,
    metric: str = "throughput",
    window_days: float = defaults.REGRESSION_WINDOW_DAYS,
    threshold_pct: float = defaults.REGRESSION_THRESHOLD_PCT,
    method: str = defaults.REGRESSION_METHOD,
    include_simulated: bool = False,
    as_of: datetime | None = None,
) -> Section:
    definition = get_metric(metric)
    frame = _regressions_frame(engine, metric, window_days, threshold_pct, method, include_simulated, as_of)
    direction = "higher" if definition.higher_is_better else "lower"
    noise = " and beyond the noise of the previous window (z-score)" if method == "zscore" else " (plain means)"
    text = (
        f"{definition.label} ({direction} is better) over the last {window_days:g} days against the {window_days:g} "
        f"days before, per model, hardware, batch size, sequence length, precision and test case (simulated "
        f"results {'included' if include_simulated else 'excluded'}); flagged when worse by more than "
        f"{threshold_pct:g}%{noise}."
    )
    if frame.empty:
        text += " No regressions found."
    return Section(f"Regressions ({definition.label})", frame=frame, text=text)


def compatibility_report(engine: Engine, *, family: str | None = None) -> Report:
    matrix = compatibility_frame(engine, family=family)
    title = "Compatibility matrix" + (f": {family}" if family else "")
    return Report(title=title, sections=[_compatibility_section(matrix, title)])


def _compatibility_section(matrix: pd.DataFrame, title: str) -> Section:
    heatmap = charts.compatibility_heatmap(matrix.drop(columns=["model_family"], errors="ignore"), title=title)
    return Section(
        "Compatibility matrix",
        frame=matrix,
        text="Per model and hardware type: the recorded verdict, else 'supported' when any run succeeded and "
        "'unsupported' when every run failed; empty when never tested.",
        chart_png=heatmap,
        chart_alt=f"{title}: models by hardware type",
    )


def performance_report(engine: Engine, *, model: str | None = None, hardware_type: str | None = None) -> Report:
    summary = to_frame(performance_summary(model_name=model, hardware_type=hardware_type), engine)
    sections = [
        Section(
            "Performance by configuration",
            frame=summary,
            text="Averages per model, hardware, device and batch size; n is the number of runs.",
        )
    ]
    if model is not None:
        sections.insert(0, compare_hardware(engine, model))
    title = "Performance report" + (f": {model}" if model else "") + (f" on {hardware_type}" if hardware_type else "")
    return Report(title=title, sections=sections)


_COMPARISON_COLUMNS = {
    "throughput": "avg_throughput",
    "latency": "avg_latency_ms",
    "memory": "avg_memory_mb",
    "power": "avg_power_watts",
}


def compare_hardware(
    engine: Engine,
    model: str,
    *,
    metric: str = "throughput",
    batch_size: int | None = defaults.COMPARISON_BATCH_SIZE,
) -> Section:
    """One model across hardware platforms at one batch size (the default of :mod:`accel_orm.defaults`)."""
    frame = to_frame(queries.hardware_comparison(model, batch_size=batch_size), engine)
    return hardware_comparison_section(model, frame, metric, batch_size=batch_size)


def compare_models(
    engine: Engine, hardware_type: str, *, batch_size: int | None = defaults.COMPARISON_BATCH_SIZE
) -> Section:
    """Every model on one hardware type at one batch size, fastest first."""
    frame = to_frame(queries.model_comparison(hardware_type, batch_size=batch_size), engine)
    shown = defaults.describe_batch_size(batch_size)
    return Section(
        f"Model comparison on {hardware_type} ({shown})",
        frame=frame,
        text=f"Averages per model at {shown}; n is the number of measurements averaged.",
    )


def hardware_comparison_section(
    model: str, frame: pd.DataFrame, metric: str, *, batch_size: int | None = defaults.COMPARISON_BATCH_SIZE
) -> Section:
    """The table and bar chart of a hardware comparison ``frame`` measured at ``batch_size`` (said in both)."""
    definition = get_metric(metric)
    shown = defaults.describe_batch_size(batch_size)
    column = _COMPARISON_COLUMNS.get(metric, "avg_throughput")
    labelled = frame.assign(
        platform=[
            f"{t} ({d})" if isinstance(d, str) and d else t
            for t, d in zip(frame["hardware_type"], frame["device_name"], strict=True)
        ]
    )
    chart = charts.hardware_comparison_chart(
        labelled,
        value_column=column,
        label_column="platform",
        title=f"{model}: {definition.label} by hardware ({shown})",
        unit=definition.unit,
    )
    return Section(
        f"{model} across hardware ({shown})",
        frame=frame,
        text=f"Averages per hardware platform at {shown}; n is the number of measurements averaged.",
        chart_png=chart,
        chart_alt=f"Bar chart of {definition.label} of {model} per hardware platform at {shown}",
    )


def trend_section(
    engine: Engine, *, model: str | None = None, metric: str = "throughput", since: datetime | None = None
) -> Section:
    definition = get_metric(metric)
    frame = to_frame(queries.trend(model_name=model, metric=metric, since=since), engine)
    per_hardware = cast(  # as_index=False keeps a DataFrame
        pd.DataFrame,
        frame.groupby(["bucket", "hardware_type"], as_index=False)["value"].mean() if not frame.empty else frame,
    )
    subject = model or "all models"
    chart = charts.throughput_trend_chart(
        per_hardware, title=f"{definition.label} per day: {subject}", unit=definition.unit
    )
    return Section(
        f"{definition.label} trend",
        frame=frame,
        chart_png=chart,
        chart_alt=f"Daily {definition.label} per hardware type for {subject}",
    )


def summary_report(engine: Engine, *, windows: ChangeWindows | None = None) -> Report:
    """The morning report: what changed first (counts, the regressions worst first, one chart per changed
    series), then the reference material folded: compatibility, hardware, performance, failures, counts."""
    windows = windows or ChangeWindows(utc_now())
    changes = detect_changes(engine, windows=windows)
    changed = cast(list[dict[str, Any]], changes.head(MAX_SERIES_CHARTS).to_dict("records"))
    series = [series_chart(engine, row, windows) for row in changed]
    failures = recent_failures()
    failure_count = to_frame(select(func.count().label("n")).select_from(failures.subquery()), engine)["n"].iloc[0]
    sections = [
        dataclasses.replace(_compatibility_section(compatibility_frame(engine), "Compatibility matrix"), folded=True),
        Section("Hardware platforms", frame=to_frame(hardware_summary(), engine), folded=True),
        capped(
            "Performance by configuration",
            to_frame(performance_summary(), engine),
            full_command="accel-orm query --report performance --format csv",
            text="Averages per model, hardware, device and batch size over the whole history; n is the number of runs.",
            folded=True,
        ),
        Section(
            f"Recent failures (latest {RECENT_FAILURES_SHOWN})",
            frame=to_frame(failures.limit(RECENT_FAILURES_SHOWN), engine),
            total_rows=int(failure_count),
            full_command="accel-orm query --failures",
            folded=True,
        ),
        *(
            dataclasses.replace(
                regressions_section(
                    engine,
                    metric=metric,
                    window_days=windows.window_days,
                    threshold_pct=windows.threshold_pct,
                    method=windows.method if windows.method != CHANGEPOINT else defaults.REGRESSION_METHOD,
                    as_of=windows.as_of,
                ),
                folded=True,
            )
            for metric in SUMMARY_METRICS
        ),
        Section(
            "Database",
            frame=to_frame(table_counts(), engine),
            text=f"Database: {database_of(engine).describe()}",
            folded=True,
        ),
    ]
    return Report(
        title="Benchmark summary",
        subtitle=database_of(engine).describe(),
        summary=change_summary(changes, windows),
        series=series,
        sections=sections,
    )


def hardware_report(engine: Engine) -> Report:
    platforms = to_frame(hardware_summary(), engine)
    return Report(title="Hardware report", sections=[Section("Hardware platforms", frame=platforms)])


REPORTS: dict[str, Callable[[Engine], Report]] = {
    "summary": summary_report,
    "hardware": hardware_report,
    "performance": performance_report,
    "compatibility": compatibility_report,
}
