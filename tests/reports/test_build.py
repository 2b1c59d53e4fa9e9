"""``reports.build`` on a demo database, on both engines: what changed, the series behind each chart, the layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine

from accel_orm.api import TestResultsDBHandler
from accel_orm.demo_data import generate_history, injected_changes
from accel_orm.frames import to_frame
from accel_orm.queries import performance
from accel_orm.reports import render
from accel_orm.reports.build import (
    CHANGE_COLUMNS,
    ChangeWindows,
    SeriesKey,
    detect_changes,
    series_points,
    summary_report,
)
from accel_orm.reports.document import MAX_TABLE_ROWS

# generate_history rounds its end down to the hour; windows ending there (or up to an hour later, as
# generate_report's "now") hold the same runs, which fall at 02:00 and 14:00 after the history's start.
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    with TestResultsDBHandler(db_url=engine.url.render_as_string(hide_password=False)) as handler:
        handler.store_test_results(generate_history(days=21, end=END))
    return engine


def _planted(direction: str) -> set[tuple[str, str, str | None]]:
    return {key for key, factor in injected_changes().items() if (factor < 1) == (direction == "regression")}


@pytest.mark.parametrize("method", ["changepoint", "zscore"])
def test_detect_changes_finds_the_planted_changes_in_both_directions(demo: Engine, method: str) -> None:
    windows = ChangeWindows(as_of=END, method=method)
    changes = detect_changes(demo, windows=windows)
    assert tuple(changes.columns) == CHANGE_COLUMNS
    for direction in ("regression", "improvement"):
        found = changes[changes["direction"] == direction]
        keys = set(zip(found["model_name"], found["hardware_type"], found["device_name"], strict=True))
        assert keys == _planted(direction), direction
    # the throughput drop of a regression is negative, its latency rise positive; the reverse for improvements
    signs = {(d, m): set((g["percent_change"] > 0).tolist()) for (d, m), g in changes.groupby(["direction", "metric"])}
    assert signs == {
        ("regression", "throughput"): {False},
        ("regression", "latency"): {True},
        ("improvement", "throughput"): {True},
        ("improvement", "latency"): {False},
    }
    # regressions first, then the largest change first within each direction
    directions = changes["direction"].tolist()
    assert directions == sorted(directions, key=lambda d: d != "regression")
    for _, group in changes.groupby("direction", sort=False):
        sizes = group["percent_change"].abs().tolist()
        assert sizes == sorted(sizes, reverse=True)
    assert (changes["after"] - changes["before"]).div(changes["before"]).mul(100).round(6).tolist() == changes[
        "percent_change"
    ].round(6).tolist()
    assert set(changes["method"]) == {method}
    if method == "zscore":  # the window rule dates a change at the window's start
        assert (changes["change_timestamp"] == pd.Timestamp(windows.current_start)).all()
    else:  # the detector dates it at the first measurement after the step, inside the window
        assert changes["change_timestamp"].between(pd.Timestamp(windows.current_start), pd.Timestamp(END)).all()


def test_series_points_hold_exactly_one_comparability_key(demo: Engine) -> None:
    everything = to_frame(performance(model_name="whisper-tiny", hardware_type="webgpu"), demo)
    assert set(everything["device_name"]) == {"chrome", "firefox"} and set(everything["batch_size"]) == {1, 8}
    key = SeriesKey("whisper-tiny", "webgpu", "chrome", 8, None)
    points = series_points(demo, key, "throughput")
    expected = everything[(everything["device_name"] == "chrome") & (everything["batch_size"] == 8)]
    assert list(points.columns) == ["timestamp", "value", "device_name", "test_id", "run"]
    assert set(points["device_name"]) == {"chrome"}
    assert len(points) == len(expected) > 0  # every measurement, none averaged away
    assert sorted(points["value"].round(9)) == sorted(expected["throughput_items_per_second"].round(9))
    assert points["timestamp"].is_monotonic_increasing
    later = series_points(demo, key, "throughput", since=END - timedelta(days=5))
    assert 0 < len(later) < len(points) and (later["timestamp"] >= pd.Timestamp(END - timedelta(days=5))).all()
    # a missing sequence length is matched as missing, not as "any": bert has 128 and is found only with it
    assert len(series_points(demo, SeriesKey("bert-base-uncased", "cuda", "NVIDIA A100-SXM4-40GB", 1, 128), "latency"))
    assert series_points(
        demo, SeriesKey("bert-base-uncased", "cuda", "NVIDIA A100-SXM4-40GB", 1, None), "latency"
    ).empty


def test_summary_report_leads_with_the_changes_and_folds_the_rest(demo: Engine) -> None:
    report = summary_report(demo, windows=ChangeWindows(as_of=END))
    assert report.summary is not None
    assert len(report.summary.regressions) == 8 and len(report.summary.improvements) == 4  # 2 keys x 2 batches x 2
    assert len(report.series) == len(report.summary.changes)
    for chart, (_, change) in zip(report.series, report.summary.changes.iterrows(), strict=True):
        assert f"batch {change['batch_size']}" in chart.title and change["device_name"] in chart.title
        assert set(chart.points["device_name"]) == {change["device_name"]}
        assert chart.direction == change["direction"]
        assert [label for _, label in chart.marks] == ["before", "after"]
    assert report.sections and all(section.folded for section in report.sections)
    assert all(len(s.frame) <= MAX_TABLE_ROWS for s in report.sections if s.frame is not None)
    failures = next(s for s in report.sections if s.heading.startswith("Recent failures"))
    assert failures.total_rows is not None and failures.total_rows > len(failures.frame)
    assert failures.full_command == "accel-orm query --failures"

    markdown = render(report, "markdown")
    assert markdown.index("## What changed") < markdown.index("## Compatibility matrix")
    what_changed = markdown.split("## What changed")[1].split("### Improvements")[0]
    assert (
        "**8 regressions**" in what_changed and "whisper-tiny" in what_changed and "bert-base-uncased" in what_changed
    )
    assert "vit-base-patch16-224" not in what_changed  # the improvement is listed as one, not as a regression
    assert "| Δ % |" in markdown.replace(" ", "").replace("|Δ%|", "| Δ % |") and "−" in what_changed
    assert "Showing the first" not in markdown or "accel-orm query" in markdown


def test_generate_report_html_is_the_summary_page(demo: Engine, tmp_path) -> None:
    with TestResultsDBHandler(db_url=demo.url.render_as_string(hide_password=False)) as handler:
        page = handler.generate_report(format="html", output_file=tmp_path / "r.html")
    assert page == (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="what-changed"' in page and 'id="series-data"' in page and page.count('class="chart"') >= 8
