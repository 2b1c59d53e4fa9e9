"""What CI reads: JUnit XML (parsed by a real JUnit parser), GitHub annotations + step summary, JSON, markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml
from sqlalchemy import Engine

from accel_orm.compare import compare_runs
from accel_orm.compare.render import to_github, to_json, to_junit, to_markdown
from accel_orm.compare.runs import RunComparison
from tests.compare.conftest import perf_result, store_run

JSON_KEYS = {
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "precision",
    "test_case",
    "metric",
    "baseline",
    "contender",
    "percent_change",
    "p_value",
    "is_regression",
}


@pytest.fixture
def compared(engine: Engine) -> RunComparison:
    store_run(
        engine,
        "a" * 40,
        [perf_result("bert", 10.0, test_case="t::bert"), perf_result("vit", 10.0), perf_result("t5", 10.0)],
    )
    store_run(
        engine,
        "b" * 40,
        [perf_result("bert", 15.0, test_case="t::bert"), perf_result("vit", 10.2), perf_result("t5", 8.0)],
        day=1,
    )
    return compare_runs(engine, "a" * 40, "b" * 40, threshold_pct=5)


def test_junit_has_one_testcase_per_key_and_a_failure_per_regression(compared: RunComparison, tmp_path: Path) -> None:
    path = tmp_path / "compare.xml"
    path.write_text(to_junit(compared))
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 3
    failed = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert len(failed) == 1
    (failure,) = failed[0].result
    assert "bert on cuda (A100)" in failed[0].name and "case t::bert" in failed[0].name
    assert "+50.0% worse" in failure.message and "threshold only" in failure.message
    assert xml.failures == 1 and xml.tests == 3


def test_github_annotations_and_step_summary(
    compared: RunComparison, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = to_github(compared).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 1 and "bert on cuda" in errors[0] and "+50.0%25 worse" in errors[0]
    assert lines[-1].startswith("::notice title=Benchmark comparison::1 regression in 3 compared key(s)")
    written = summary.read_text()
    assert written.startswith("earlier step\n")  # appended, never overwritten
    assert "## Benchmark comparison" in written and "| bert " in written


def test_json_is_a_flat_array_of_rows(compared: RunComparison) -> None:
    rows = json.loads(to_json(compared))
    assert isinstance(rows, list) and len(rows) == 3
    assert all(row.keys() >= JSON_KEYS for row in rows)
    assert [row["model_name"] for row in rows if row["is_regression"]] == ["bert"]
    assert {row["batch_size"] for row in rows} == {8}


def test_markdown_puts_regressions_first(compared: RunComparison) -> None:
    text = to_markdown(compared)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header, separator, *table = rows
    assert header.startswith("| Model ") and "---" in separator  # human column headers, then the rows
    assert table[0].startswith("| bert ")
    assert "1 regression in 3 compared key(s)" in text
