"""A team's decisions about detected changes: acknowledge (accept, with a reason), withdraw, list.

An acknowledgement is stored by change identity (series key, metric, change timestamp; see
:func:`accel_orm.changes.frame.change_id`), so it keeps applying as new points arrive: segmentation finds the same
step at the same first-after timestamp, and the level after it is the baseline later changes are judged against.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from accel_orm.changes.frame import changes_frame, metric_of_change_id, plain_key_value
from accel_orm.db import session_scope
from accel_orm.errors import ChangeNotFoundError
from accel_orm.frames import to_frame
from accel_orm.metrics import METRICS, Metric, get_metric
from accel_orm.models import ChangeAcknowledgement
from accel_orm.queries.series import SERIES_KEY_NAMES

ACKNOWLEDGEMENT_COLUMNS: tuple[str, ...] = (
    "change_id",
    "metric",
    "change_timestamp",
    "reason",
    "acknowledged_by",
    "acknowledged_at",
)


def acknowledge(engine: Engine, change_id: str, *, reason: str, by: str | None = None) -> dict[str, Any]:
    """Accept the detected change ``change_id`` with ``reason`` (re-acknowledging replaces reason and author).

    The change must be one the detector reports now (ChangeNotFoundError otherwise, naming the id). Returns the
    stored acknowledgement as a plain dict.
    """
    if not reason or not reason.strip():
        raise ValueError("reason: say why the change is accepted (an empty reason is not a decision)")
    metric = metric_of_change_id(change_id)
    found = changes_frame(engine, metric)
    match = found[found["change_id"] == change_id]
    if match.empty:
        raise ChangeNotFoundError(
            f"no detected {metric.name} change has id {change_id!r} (see `accel-orm query --changes --metric "
            f"{metric.name}`)"
        )
    change = match.iloc[0]
    key = {name: plain_key_value(change[name]) for name in SERIES_KEY_NAMES}
    with session_scope(engine) as session:
        stored = session.get(ChangeAcknowledgement, change_id)
        if stored is None:
            stored = ChangeAcknowledgement(change_id=change_id)
            session.add(stored)
        stored.metric = metric.name
        stored.series_key = key
        stored.change_timestamp = change["timestamp"].to_pydatetime()
        stored.reason = reason.strip()
        stored.acknowledged_by = by.strip() if by and by.strip() else None
        stored.acknowledged_at = datetime.now(UTC).replace(tzinfo=None)
        session.flush()
        return stored.to_dict()


def unacknowledge(engine: Engine, change_id: str) -> None:
    """Withdraw the acknowledgement of ``change_id`` (ChangeNotFoundError when there is none)."""
    with session_scope(engine) as session:
        stored = session.get(ChangeAcknowledgement, change_id)
        if stored is None:
            raise ChangeNotFoundError(f"change {change_id!r} is not acknowledged")
        session.delete(stored)


def acknowledgements_frame(engine: Engine) -> pd.DataFrame:
    """Every acknowledgement: :data:`ACKNOWLEDGEMENT_COLUMNS` plus the series key columns, newest first."""
    a = ChangeAcknowledgement
    frame = to_frame(
        select(
            a.change_id, a.metric, a.series_key, a.change_timestamp, a.reason, a.acknowledged_by, a.acknowledged_at
        ).order_by(a.acknowledged_at.desc(), a.change_id),
        engine,
    )
    keys = [_as_dict(value) for value in frame.pop("series_key")]
    for name in SERIES_KEY_NAMES:
        frame[name] = [key.get(name) for key in keys]
    return frame


def changes_with_decisions(
    engine: Engine, metrics: Sequence[str | Metric] | None = None, *, open_only: bool = False
) -> pd.DataFrame:
    """Detected changes of ``metrics`` (default: every metric) with their decision, newest first.

    The :func:`~accel_orm.changes.frame.changes_frame` columns plus ``reason, acknowledged_by, acknowledged_at``
    (missing for open changes); ``open_only`` keeps the changes nobody has acknowledged.
    """
    chosen = [get_metric(metric) for metric in (metrics or list(METRICS))]
    found = [frame for frame in (changes_frame(engine, metric) for metric in chosen) if len(frame)]
    frame = pd.concat(found, ignore_index=True) if found else changes_frame(engine, chosen[0])
    decisions = acknowledgements_frame(engine)[["change_id", "reason", "acknowledged_by", "acknowledged_at"]]
    frame = frame.merge(decisions, on="change_id", how="left")
    if open_only:
        frame = frame[~frame["acknowledged"].astype(bool)]
    return frame.sort_values(["timestamp", "change_id"], ascending=[False, True]).reset_index(drop=True)


def _as_dict(value: Any) -> dict[str, Any]:
    """JSON comes back as a dict on PostgreSQL and as text on DuckDB's fast path."""
    if isinstance(value, str):
        return dict(json.loads(value))
    return dict(value or {})
