"""The step changes of every series of a metric, as a DataFrame: read with one Select, detect per series.

Reading is :func:`accel_orm.queries.series.series_points` (one statement, already grouped by series and in time
order); detection is :func:`detect_points`, a pure function of that frame, so it can be tested and reused without
a database. Each change carries a stable ``change_id`` (:func:`change_id`) that acknowledgements refer to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from accel_orm.changes.detect import DEFAULT_SETTINGS, DetectorSettings, detect_changes
from accel_orm.frames import Bind, to_frame
from accel_orm.metrics import Metric, get_metric
from accel_orm.models import ChangeAcknowledgement, TestRun
from accel_orm.queries._common import utc_naive
from accel_orm.queries.series import SERIES_KEY_NAMES, series_points

METHOD = "changepoint"
"""The ``method`` column's value: which rule decided (the window rules say ``mean`` / ``zscore``)."""

CHANGE_COLUMNS: tuple[str, ...] = (
    "change_id",
    *SERIES_KEY_NAMES,
    "metric",
    "timestamp",
    "previous_timestamp",
    "run_id",
    "git_commit",
    "before",
    "after",
    "percent_change",
    "direction",
    "p_value",
    "method",
    "acknowledged",
)
"""The columns of :func:`changes_frame` (and :func:`detect_points`, less ``acknowledged``), in order."""

_ID_DIGITS = 12


def change_id(metric: str, key: dict[str, Any], timestamp: datetime) -> str:
    """The stable identity of a change: ``<metric>-<12 hex digits>`` hashed from the series key and timestamp.

    The metric stays readable so that ``changes ack ID`` knows which metric to look in; the key is hashed with its
    column names, so adding a key column (precision) cannot make two different series collide.
    """
    payload = json.dumps([metric, sorted(key.items()), timestamp.isoformat()], default=str, separators=(",", ":"))
    return f"{metric}-{hashlib.sha1(payload.encode()).hexdigest()[:_ID_DIGITS]}"


def metric_of_change_id(identifier: str) -> Metric:
    """The metric a change id names (ValueError naming the id when it is not one)."""
    name, _, digest = identifier.rpartition("-")
    if not name or len(digest) != _ID_DIGITS or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"change id {identifier!r} is not of the form <metric>-<{_ID_DIGITS} hex digits>")
    return get_metric(name)


def changes_frame(
    bind: Bind,
    metric: str | Metric = "throughput",
    *,
    since: datetime | None = None,
    model_name: str | None = None,
    hardware_type: str | None = None,
    regressions_only: bool = False,
    settings: DetectorSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every step change of ``metric`` in every series (both directions unless ``regressions_only``).

    Columns (:data:`CHANGE_COLUMNS`): ``change_id``, the series key (``model_name, hardware_type, device_name,
    batch_size, sequence_length, precision, test_case``), ``metric``, ``timestamp`` (the first measurement after
    the change), ``previous_timestamp`` (the last one before it), ``run_id`` / ``git_commit`` (of that first
    measurement, where runs were recorded), ``before`` / ``after`` (median levels of the adjacent segments),
    ``percent_change``, ``direction`` (``"regression"`` or ``"improvement"``, from the metric table),
    ``p_value`` (Mann-Whitney between the segments), ``method`` (``"changepoint"``) and ``acknowledged``.

    A step is judged against what came before it, so whole histories are read; with ``since`` only the series with
    a point at or after it are read (incremental use costs what is new) and only changes from then on are kept.
    An acknowledged change stays in the frame (marked), and the level after it is the baseline later changes are
    judged against.
    """
    chosen = get_metric(metric)
    stmt = series_points(chosen, model_name=model_name, hardware_type=hardware_type, touched_since=since)
    points = to_frame(stmt, bind)
    found = detect_points(points, chosen, since=since, settings=settings)
    if regressions_only:
        found = found[found["direction"] == "regression"].reset_index(drop=True)
    found["git_commit"] = found["run_id"].map(_commits_of_runs(bind, found["run_id"])).astype(object)
    found["acknowledged"] = found["change_id"].isin(acknowledged_ids(bind)) if len(found) else pd.Series(dtype=bool)
    return found


def _commits_of_runs(bind: Bind, run_ids: pd.Series) -> dict[int, str | None]:
    """The git commit of each run a change was first seen in (changes without a run stay without a commit)."""
    wanted = sorted({int(run_id) for run_id in run_ids.dropna()})
    if not wanted:
        return {}
    runs = to_frame(select(TestRun.run_id, TestRun.git_commit).where(TestRun.run_id.in_(wanted)), bind)
    return dict(zip(runs["run_id"].astype(int), runs["git_commit"], strict=True))


def acknowledged_ids(bind: Bind) -> set[str]:
    """The ids of every acknowledged change."""
    return set(to_frame(select(ChangeAcknowledgement.change_id), bind)["change_id"])


def detect_points(
    points: pd.DataFrame,
    metric: str | Metric,
    *,
    since: datetime | None = None,
    settings: DetectorSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The changes in a frame shaped like :func:`~accel_orm.queries.series.series_points` (grouped, time-ordered).

    Pure: no database. Returns :data:`CHANGE_COLUMNS` less ``acknowledged``, in series then time order.
    """
    chosen = get_metric(metric)
    cutoff = None if since is None else np.datetime64(utc_naive(since))  # a datetime converts at microseconds
    timestamps = points["timestamp"].to_numpy(dtype="datetime64[us]")
    values = points["value"].to_numpy(dtype=np.float64)
    run_ids = points["run_id"].to_numpy(dtype=object) if "run_id" in points else None
    # Plain object arrays: indexing a pandas string column per series costs ~0.5 ms a lookup.
    key_columns = {name: points[name].to_numpy(dtype=object) for name in SERIES_KEY_NAMES}
    rows: list[dict[str, Any]] = []
    for start, stop in _series_bounds(points):
        if cutoff is not None and timestamps[stop - 1] < cutoff:
            continue  # nothing new in this series since the cutoff
        found = detect_changes(values[start:stop], settings)
        if not found:
            continue
        key = {name: plain_key_value(column[start]) for name, column in key_columns.items()}
        for change in found:
            moment = pd.Timestamp(timestamps[start + change.index]).to_pydatetime()
            if cutoff is not None and timestamps[start + change.index] < cutoff:
                continue
            worse = change.relative_change * chosen.worse_sign > 0
            rows.append(
                {
                    "change_id": change_id(chosen.name, key, moment),
                    **key,
                    "metric": chosen.name,
                    "timestamp": moment,
                    "previous_timestamp": pd.Timestamp(timestamps[start + change.index - 1]).to_pydatetime(),
                    "run_id": None if run_ids is None else plain_key_value(run_ids[start + change.index]),
                    "before": change.before,
                    "after": change.after,
                    "percent_change": change.relative_change * 100.0,
                    "direction": "regression" if worse else "improvement",
                    "p_value": change.p_value,
                    "method": METHOD,
                }
            )
    frame = pd.DataFrame(rows, columns=[name for name in CHANGE_COLUMNS[:-1] if name != "git_commit"])
    frame.insert(list(frame.columns).index("run_id") + 1, "git_commit", pd.Series([None] * len(frame), dtype=object))
    frame["run_id"] = frame["run_id"].astype("Int64")
    for name in SERIES_KEY_NAMES:
        if pd.api.types.is_numeric_dtype(points[name].dtype):
            frame[name] = frame[name].astype("Int64")  # batch 8 stays 8 (not 8.0) next to a missing value
    for column in ("timestamp", "previous_timestamp"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _series_bounds(points: pd.DataFrame) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` row ranges of each series: rows arrive grouped by key, so a series ends where it changes."""
    n = len(points)
    if n == 0:
        return
    boundary = np.zeros(n, dtype=bool)
    boundary[0] = True
    for name in SERIES_KEY_NAMES:
        column = points[name]
        previous = column.shift()
        both_missing = column.isna() & previous.isna()
        boundary |= (column.ne(previous) & ~both_missing).to_numpy(dtype=bool)
    starts = np.flatnonzero(boundary)
    stops = np.append(starts[1:], n)
    yield from zip(map(int, starts), map(int, stops), strict=True)


def plain_key_value(value: Any) -> Any:
    """A key value as plain Python (None for missing, int for whole numbers that pandas made floats)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value
