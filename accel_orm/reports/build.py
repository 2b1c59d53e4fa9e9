"""Assemble reports: run the query module's statements, turn them into frames, lay them out as a ``Report``.

The query module builds SQL, the renderers in :mod:`accel_orm.reports` format documents; this module is the
thin layer between them, shared by the Python facades and the CLI so every entry point shows the same report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine

from accel_orm import defaults, queries
from accel_orm.config import describe
from accel_orm.frames import compatibility_frame, to_frame
from accel_orm.metrics import get_metric
from accel_orm.queries.summary import hardware_summary, performance_summary, recent_failures, table_counts
from accel_orm.reports import Report, Section
from accel_orm.reports.render import charts

RECENT_FAILURES_SHOWN = 20
TREND_DAYS = 42


def _regressions_frame(
    engine: Engine, metric: str, window_days: float, threshold_pct: float, method: str
) -> pd.DataFrame:
    stmt = queries.regressions(metric=metric, window_days=window_days, threshold_pct=threshold_pct, method=method)
    frame = to_frame(stmt.where(stmt.selected_columns.is_regression), engine)
    return frame.sort_values("percent_change", key=abs, ascending=False, ignore_index=True)


def regressions_section(
    engine: Engine,
    *,
    metric: str = "throughput",
    window_days: float = defaults.REGRESSION_WINDOW_DAYS,
    threshold_pct: float = defaults.REGRESSION_THRESHOLD_PCT,
    method: str = defaults.REGRESSION_METHOD,
) -> Section:
    definition = get_metric(metric)
    frame = _regressions_frame(engine, metric, window_days, threshold_pct, method)
    direction = "higher" if definition.higher_is_better else "lower"
    noise = " and beyond the noise of the previous window (z-score)" if method == "zscore" else " (plain means)"
    text = (
        f"{definition.label} ({direction} is better) over the last {window_days:g} days against the {window_days:g} "
        f"days before, per model, hardware, batch size and sequence length; flagged when worse by more than "
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
    per_hardware = (
        frame.groupby(["bucket", "hardware_type"], as_index=False)["value"].mean() if not frame.empty else frame
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


def summary_report(engine: Engine) -> Report:
    """The morning report: counts, hardware, performance, compatibility, failures, regressions, trend."""
    counts = to_frame(table_counts(), engine)
    since = datetime.now(UTC).replace(tzinfo=None) - pd.Timedelta(days=TREND_DAYS)
    sections = [
        Section("Database", frame=counts, text=f"Database: {describe(engine.url)}"),
        regressions_section(engine),
        regressions_section(engine, metric="latency"),
        Section("Hardware platforms", frame=to_frame(hardware_summary(), engine)),
        Section("Performance by configuration", frame=to_frame(performance_summary(), engine)),
        _compatibility_section(compatibility_frame(engine), "Compatibility matrix"),
        Section(
            f"Recent failures (latest {RECENT_FAILURES_SHOWN})",
            frame=to_frame(recent_failures().limit(RECENT_FAILURES_SHOWN), engine),
        ),
        trend_section(engine, since=since),
    ]
    return Report(title="Benchmark summary", sections=sections)


def hardware_report(engine: Engine) -> Report:
    platforms = to_frame(hardware_summary(), engine)
    return Report(title="Hardware report", sections=[Section("Hardware platforms", frame=platforms)])


REPORTS: dict[str, Callable[[Engine], Report]] = {
    "summary": summary_report,
    "hardware": hardware_report,
    "performance": performance_report,
    "compatibility": compatibility_report,
}
