"""The CI gate end to end: a real pytest-benchmark history of three commits in a temporary git repository (the
second makes one benchmark slower, the third restores it), imported with ``migrate-json`` and compared through the
``accel-orm`` console script, on both engines."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from accel_orm.compare import EXIT_REGRESSION
from tests.cli.conftest import Runner
from tests.pytest_benchmark_project import commit_version, init_repository, load, run_benchmarks

# Sleep-based benchmarks: embed goes from 2 ms to 6 ms in the slow commit; tokenize stays at 1 ms throughout.
# The threshold leaves room for a busy shared machine; the slowdown is 200%.
THRESHOLD = "25"


@dataclass(frozen=True)
class History:
    results: Path  # --benchmark-json files, one per commit
    autosaved: Path  # the repository's .benchmarks folder (--benchmark-autosave)
    fast: str
    slow: str
    restored: str


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("bench-history")
    repo, results = root / "repo", root / "results"
    results.mkdir()
    init_repository(repo)
    fast = commit_version(repo, tokenize=0.001, embed=0.002, message="fast")
    run_benchmarks(repo, json_file=results / "fast.json")
    slow = commit_version(repo, tokenize=0.001, embed=0.006, message="make embed slower")
    run_benchmarks(repo, json_file=results / "slow.json")
    restored = commit_version(repo, tokenize=0.001, embed=0.002, message="make embed fast again")
    run_benchmarks(repo, autosave=True)  # the other way CI keeps results: .benchmarks/<machine>/NNNN_<commit>.json
    return History(results, repo / ".benchmarks", fast, slow, restored)


def test_the_files_are_real_pytest_benchmark_output(history: History) -> None:
    data = load(history.results / "slow.json")
    assert data["commit_info"]["id"] == history.slow
    assert {b["name"] for b in data["benchmarks"]} == {"test_tokenize", "test_embed"}
    assert [p.name.split("_")[1] for p in history.autosaved.rglob("*.json")] == [history.restored]


@pytest.fixture
def imported(accel_orm: Runner, db_url: str, history: History, tmp_path: Path) -> str:
    autosaved = tmp_path / "autosaved"
    shutil.copytree(history.autosaved, autosaved)
    done = accel_orm("--db", db_url, "migrate-json", "--directories", history.results, autosaved)
    assert done.returncode == 0, done.stderr
    assert "3 imported (6 result(s))" in done.stdout
    return db_url


def test_a_slowed_benchmark_fails_the_gate_and_is_named(accel_orm: Runner, imported: str, history: History) -> None:
    done = accel_orm(
        "--db",
        imported,
        "compare",
        "--baseline",
        history.fast[:7],
        "--contender",
        history.slow,
        "--threshold",
        THRESHOLD,
        "--fail-on-regression",
        "--format",
        "json",
    )
    assert done.returncode == EXIT_REGRESSION, done.stderr
    rows = json.loads(done.stdout)
    assert [(row["model_name"], row["test_case"]) for row in rows if row["is_regression"]] == [
        ("bert-tiny", "test_bench.py::test_embed")
    ]
    embed = next(row for row in rows if row["model_name"] == "bert-tiny")
    assert embed["percent_change"] > 100 and embed["p_value"] < 0.05 and embed["test"].startswith("welch_t")
    assert embed["batch_size"] == 4 and embed["precision"] == "fp32"  # from extra_info


def test_no_slowdown_exits_zero(accel_orm: Runner, imported: str, history: History) -> None:
    done = accel_orm(
        "--db",
        imported,
        "compare",
        "--baseline",
        history.fast,
        "--contender",
        "main",
        "--threshold",
        THRESHOLD,
        "--fail-on-regression",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 regressions in 2 compared key(s)" in done.stdout
    itself = accel_orm(
        "--db",
        imported,
        "compare",
        "--baseline",
        history.slow,
        "--contender",
        history.slow,
        "--threshold",
        "0",
        "--fail-on-regression",
    )
    assert itself.returncode == 0 and "0 regressions" in itself.stdout


def test_junit_and_github_outputs_of_the_gate(
    accel_orm: Runner, imported: str, history: History, tmp_path: Path
) -> None:
    report = tmp_path / "compare.xml"
    done = accel_orm(
        "--db",
        imported,
        "compare",
        "--baseline",
        history.fast,
        "--contender",
        history.slow,
        "--threshold",
        THRESHOLD,
        "--format",
        "junit",
        "--output",
        report,
    )
    assert done.returncode == 0, done.stderr  # without --fail-on-regression the gate only reports
    cases = [case for suite in JUnitXml.fromfile(str(report)) for case in suite]
    failed = [case.name for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert len(cases) == 2 and len(failed) == 1 and "test_bench.py::test_embed" in failed[0]
    github = accel_orm(
        "--db",
        imported,
        "compare",
        "--baseline",
        history.fast,
        "--contender",
        history.slow,
        "--threshold",
        THRESHOLD,
        "--format",
        "github",
    )
    errors = [line for line in github.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "test_embed" in errors[0]


def test_runs_lists_the_three_commits(accel_orm: Runner, imported: str, history: History) -> None:
    listed = json.loads(accel_orm("--db", imported, "runs", "--format", "json").stdout)
    assert [run["git_commit"] for run in listed] == [history.restored, history.slow, history.fast]
    assert {run["git_branch"] for run in listed} == {"main"}
    assert all(run["results"] == 2 and run["test_name"] == "pytest-benchmark" for run in listed)


def test_unknown_ref_and_usage_mistakes_have_their_own_exit_statuses(accel_orm: Runner, imported: str) -> None:
    unknown = accel_orm("--db", imported, "compare", "--baseline", "deadbeef00", "--contender", "main")
    assert unknown.returncode == 1 and "no run matches 'deadbeef00'" in unknown.stderr
    usage = accel_orm("--db", imported, "compare", "--baseline", "main")
    assert usage.returncode == 2 and "--contender" in usage.stderr
