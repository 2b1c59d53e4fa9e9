"""``changes_frame`` and acknowledgements on both engines, over the constructed series of :mod:`.series_data`."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from accel_orm.changes import (
    CHANGE_COLUMNS,
    acknowledge,
    acknowledgements_frame,
    changes_frame,
    changes_with_decisions,
    unacknowledge,
)
from accel_orm.errors import ChangeNotFoundError
from accel_orm.frames import to_frame
from accel_orm.queries.series import SERIES_KEY_NAMES, series_points

from . import series_data
from .series_data import day


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    series_data.load(engine)
    return engine


def _found(frame: pd.DataFrame) -> list[tuple[str, str, int, datetime, str, int]]:
    return [
        (
            row.model_name,
            row.hardware_type,
            int(row.batch_size),
            row.timestamp.to_pydatetime(),
            row.direction,
            round(row.percent_change),
        )
        for row in frame.itertuples()
    ]


def test_series_points_reads_each_series_in_time_order(loaded: Engine) -> None:
    points = to_frame(series_points("throughput"), loaded)
    assert list(points.columns) == [*SERIES_KEY_NAMES, "timestamp", "value", "run_id"]
    assert len(points) == sum(len(values) for values in series_data.SERIES.values())
    for key, group in points.groupby(list(SERIES_KEY_NAMES), dropna=False, sort=False):
        assert group["timestamp"].is_monotonic_increasing and len(group) == (30 if key[0] == "resnet" else 60)
    vit = to_frame(series_points("throughput", model_name="vit", hardware_type="ROCm"), loaded)
    assert len(vit) == series_data.DAYS and vit["device_name"].isna().all() and vit["sequence_length"].isna().all()


def test_touched_since_reads_whole_histories_of_the_series_measured_since(loaded: Engine) -> None:
    touched = to_frame(series_points("throughput", touched_since=day(40)), loaded)
    assert "resnet" not in set(touched["model_name"])  # nothing new since day 29
    assert len(touched) == (len(series_data.SERIES) - 1) * series_data.DAYS  # the others, from day 0 on
    assert to_frame(series_points("throughput", touched_since=day(60)), loaded).empty
    recent = to_frame(series_points("throughput", since=day(50)), loaded)
    assert recent["timestamp"].min() == day(50)


def test_every_step_is_found_in_its_series_at_its_time_with_its_direction(loaded: Engine) -> None:
    frame = changes_frame(loaded, "throughput")
    assert list(frame.columns) == list(CHANGE_COLUMNS)
    assert sorted(_found(frame)) == [
        ("bert", "cuda", 1, day(40), "regression", -20),
        ("resnet", "cpu", 1, day(12), "regression", -30),
        ("vit", "rocm", 1, day(30), "improvement", 25),
        ("whisper", "webgpu", 1, day(20), "regression", -15),
        ("whisper", "webgpu", 1, day(45), "regression", -10),  # judged against the level after the first step
    ]
    bert = frame[frame["model_name"] == "bert"].iloc[0]
    assert bert["previous_timestamp"] == day(39)
    assert bert["before"] == pytest.approx(100, rel=0.03) and bert["after"] == pytest.approx(80, rel=0.03)
    assert bert["p_value"] < 1e-6 and bert["method"] == "changepoint" and not bert["acknowledged"]
    vit = frame[frame["model_name"] == "vit"].iloc[0]
    assert pd.isna(vit["device_name"]) and pd.isna(vit["sequence_length"])


def test_direction_comes_from_the_metric_a_latency_rise_is_a_regression(loaded: Engine) -> None:
    frame = changes_frame(loaded, "latency", regressions_only=True)
    assert sorted((r.model_name, r.timestamp.to_pydatetime(), r.direction) for r in frame.itertuples()) == [
        ("bert", day(40), "regression"),
        ("resnet", day(12), "regression"),
        ("whisper", day(20), "regression"),
        ("whisper", day(45), "regression"),
    ]
    assert (frame["percent_change"] > 0).all()  # latency went up


def test_an_improvement_is_not_a_regression(loaded: Engine) -> None:
    regressions = changes_frame(loaded, "throughput", regressions_only=True)
    assert "vit" not in set(regressions["model_name"])
    assert set(regressions["direction"]) == {"regression"}


def test_since_and_the_key_filters_narrow_the_changes(loaded: Engine) -> None:
    since = changes_frame(loaded, "throughput", since=day(35))
    assert sorted(_found(since)) == [
        ("bert", "cuda", 1, day(40), "regression", -20),
        ("whisper", "webgpu", 1, day(45), "regression", -10),
    ]
    only_whisper = changes_frame(loaded, "throughput", model_name="whisper")
    assert set(only_whisper["model_name"]) == {"whisper"} and len(only_whisper) == 2
    assert _found(changes_frame(loaded, "throughput", hardware_type="ROCM")) == [
        ("vit", "rocm", 1, day(30), "improvement", 25)
    ]


def test_change_ids_are_stable_and_distinct(loaded: Engine) -> None:
    first = changes_frame(loaded, "throughput")
    again = changes_frame(loaded, "throughput")
    assert list(first["change_id"]) == list(again["change_id"])
    assert first["change_id"].is_unique and all(i.startswith("throughput-") for i in first["change_id"])
    latency = changes_frame(loaded, "latency")
    assert not set(latency["change_id"]) & set(first["change_id"])


def test_acknowledging_marks_the_change_and_later_changes_keep_their_own_baseline(loaded: Engine) -> None:
    frame = changes_frame(loaded, "throughput", model_name="whisper")
    first = frame[frame["timestamp"] == day(20)]["change_id"].item()
    stored = acknowledge(loaded, first, reason="  new shader compiler, slower by design ", by="ana")
    assert stored["reason"] == "new shader compiler, slower by design" and stored["acknowledged_by"] == "ana"
    after = changes_frame(loaded, "throughput")
    marked = dict(zip(after["change_id"], after["acknowledged"], strict=True))
    assert marked.pop(first)  # the acknowledged one, and only it
    assert not any(marked.values())
    later = after[(after["model_name"] == "whisper") & (after["timestamp"] == day(45))].iloc[0]
    assert later["direction"] == "regression" and round(later["percent_change"]) == -10 and not later["acknowledged"]
    listed = changes_with_decisions(loaded, ["throughput"])
    assert listed.loc[listed["change_id"] == first, "reason"].item() == "new shader compiler, slower by design"
    assert first not in set(changes_with_decisions(loaded, open_only=True)["change_id"])
    assert len(changes_with_decisions(loaded, open_only=True)) == len(listed) - 1 + len(
        changes_frame(loaded, "latency")
    )
    decisions = acknowledgements_frame(loaded)
    assert list(decisions["change_id"]) == [first]
    assert decisions.iloc[0]["model_name"] == "whisper" and pd.isna(decisions.iloc[0]["sequence_length"])
    assert decisions.iloc[0]["change_timestamp"] == day(20)

    unacknowledge(loaded, first)
    assert not changes_frame(loaded, "throughput")["acknowledged"].any()
    assert acknowledgements_frame(loaded).empty


def test_re_acknowledging_replaces_the_reason(loaded: Engine) -> None:
    change = changes_frame(loaded, "throughput", model_name="bert")["change_id"].item()
    acknowledge(loaded, change, reason="driver 550")
    acknowledge(loaded, change, reason="driver 555, confirmed", by="lee")
    decisions = acknowledgements_frame(loaded)
    assert list(decisions["reason"]) == ["driver 555, confirmed"] and list(decisions["acknowledged_by"]) == ["lee"]


def test_acknowledgement_errors_name_the_problem_and_write_nothing(loaded: Engine) -> None:
    change = changes_frame(loaded, "throughput", model_name="bert")["change_id"].item()
    with pytest.raises(ValueError, match="reason"):
        acknowledge(loaded, change, reason="   ")
    with pytest.raises(ChangeNotFoundError, match="throughput-000000000000"):
        acknowledge(loaded, "throughput-000000000000", reason="x")
    with pytest.raises(ValueError, match="not of the form"):
        acknowledge(loaded, "nonsense", reason="x")
    with pytest.raises(ValueError, match="unknown metric"):
        acknowledge(loaded, "speed-0123456789ab", reason="x")
    with pytest.raises(ChangeNotFoundError, match="not acknowledged"):
        unacknowledge(loaded, change)
    assert acknowledgements_frame(loaded).empty
