"""Report sections about detected changes (the CLI and reports render them; nothing here touches SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from accel_orm.changes.detect import DEFAULT_SETTINGS
from accel_orm.changes.frame import changes_frame
from accel_orm.metrics import get_metric
from accel_orm.reports import Section

HOW_IT_DECIDES = (
    "Change points per series (model, hardware, device, batch size, sequence length): penalised segmentation of "
    "log values after damping single-point outliers; a step is kept when a rank test between the adjacent "
    f"segments gives p < {DEFAULT_SETTINGS.alpha:g}, the shift is at least {DEFAULT_SETTINGS.min_relative:.1%}, "
    "a step explains the data better than a linear drift, and it is not a flip between two known states."
)


def changes_section(
    engine: Engine,
    *,
    metric: str = "throughput",
    since: datetime | None = None,
    model_name: str | None = None,
    hardware_type: str | None = None,
    regressions_only: bool = False,
) -> Section:
    """Every change of ``metric`` (both directions unless ``regressions_only``), newest first."""
    definition = get_metric(metric)
    frame = changes_frame(
        engine,
        definition,
        since=since,
        model_name=model_name,
        hardware_type=hardware_type,
        regressions_only=regressions_only,
    )
    frame = frame.sort_values(["timestamp", "change_id"], ascending=[False, True], kind="stable")
    better = "higher" if definition.higher_is_better else "lower"
    scope = f" since {since:%Y-%m-%d}" if since is not None else " over the whole history"
    text = f"{definition.label} ({better} is better){scope}. {HOW_IT_DECIDES}"
    if frame.empty:
        text += " No changes found."
    kind = "Regressions" if regressions_only else "Changes"
    return Section(f"{kind} ({definition.label})", frame=frame.reset_index(drop=True), text=text)


def changepoint_regressions_section(
    engine: Engine, *, metric: str = "throughput", window_days: float = 7, threshold_pct: float = 5.0
) -> Section:
    """``query --regressions --method changepoint``: regressions whose step falls in the last ``window_days``.

    Acknowledged regressions are listed after the open ones; ``threshold_pct`` is the smallest step reported.
    """
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days!r}")
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=window_days)
    definition = get_metric(metric)
    frame = changes_frame(engine, definition, since=since, regressions_only=True)
    frame = frame[frame["percent_change"].abs() > threshold_pct]
    # Open before acknowledged, then the worst first (percent_change * worse_sign is positive when worse).
    badness = frame["percent_change"] * definition.worse_sign
    frame = frame.assign(_badness=badness).sort_values(["acknowledged", "_badness"], ascending=[True, False])
    frame = frame.drop(columns="_badness")
    text = (
        f"{definition.label} regressions whose change point falls in the last {window_days:g} days, worse by more "
        f"than {threshold_pct:g}% (method: changepoint). {HOW_IT_DECIDES} Acknowledged changes come last."
    )
    if frame.empty:
        text += " No regressions found."
    return Section(f"Regressions ({definition.label})", frame=frame.reset_index(drop=True), text=text)
