"""``accel-orm runs`` and ``accel-orm runs show REF`` through the console script, on both engines."""

from __future__ import annotations

import json
from datetime import datetime

from accel_orm import get_engine
from accel_orm.ingest import store_results
from tests.cli.conftest import Runner

MAIN = "a" * 40
FEATURE = "b" * 40


def _two_runs(db_url: str) -> None:
    engine = get_engine(db_url)
    result = {
        "model_name": "bert",
        "hardware_type": "cpu",
        "test_type": "benchmark",
        "performance": {"average_latency_ms": 4.0, "test_case": "bench.py::test_bert"},
    }
    store_results(
        engine,
        [result, result],
        run={"git_commit": MAIN, "git_branch": "main", "started_at": datetime(2026, 11, 1), "hostname": "ci-1"},
    )
    store_results(
        engine, [result], run={"git_commit": FEATURE, "git_branch": "feature", "started_at": datetime(2026, 11, 2)}
    )
    engine.dispose()


def test_runs_lists_newest_first_with_result_counts(accel_orm: Runner, db_url: str) -> None:
    _two_runs(db_url)
    done = accel_orm("--db", db_url, "runs", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [(r["git_commit"], r["git_branch"], r["results"]) for r in listed] == [
        (FEATURE, "feature", 1),
        (MAIN, "main", 2),
    ]
    assert listed[1]["hostname"] == "ci-1"
    only_main = json.loads(accel_orm("--db", db_url, "runs", "--branch", "main", "--format", "json").stdout)
    assert [r["git_commit"] for r in only_main] == [MAIN]
    markdown = accel_orm("--db", db_url, "runs", "--limit", "1").stdout
    assert FEATURE in markdown and MAIN not in markdown


def test_runs_show_by_prefix_and_branch(accel_orm: Runner, db_url: str) -> None:
    _two_runs(db_url)
    shown = accel_orm("--db", db_url, "runs", "show", MAIN[:7], "--format", "json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["run"]["git_commit"] == MAIN
    assert [row["test_case"] for row in document["performance"]] == ["bench.py::test_bert"] * 2
    by_branch = accel_orm("--db", db_url, "runs", "show", "feature")
    assert by_branch.returncode == 0 and FEATURE in by_branch.stdout


def test_unknown_ref_is_a_clean_error_listing_candidates(accel_orm: Runner, db_url: str) -> None:
    _two_runs(db_url)
    done = accel_orm("--db", db_url, "runs", "show", "no-such-branch")
    assert done.returncode == 1
    assert done.stderr.startswith("accel-orm: error: no run matches 'no-such-branch'")
    assert "branch feature" in done.stderr and "branch main" in done.stderr
    assert "Traceback" not in done.stderr
