"""The examples in examples/ run as written, each against a temp database, and say what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=300, cwd=EXAMPLES
    )


def test_store_results_example_shows_the_errors() -> None:
    done = run_example("store_results.py")
    assert done.returncode == 0, done.stderr
    assert "[1] performance.average_latency_ms: must be a finite number >= 0, got -5.0" in done.stdout
    assert "stored 1 result(s), rejected 1" in done.stdout


def test_build_queries_example() -> None:
    done = run_example("build_queries.py")
    assert done.returncode == 0, done.stderr
    assert "compute_shaders" in done.stdout and "text_embedding" in done.stdout


def test_watch_regressions_fails_the_build_on_the_planted_regressions() -> None:
    done = run_example("watch_regressions.py")
    assert done.returncode == 1, done.stderr
    assert "REGRESSION throughput: bert-base-uncased on cuda" in done.stdout
    assert "vit-base-patch16-224" not in done.stdout  # an improvement is never a regression


@pytest.mark.parametrize("db_kind", ["given", "temp"])
def test_render_report_example(tmp_path: Path, db_kind: str) -> None:
    args = ["--db", str(tmp_path / "empty.duckdb")] if db_kind == "given" else []
    done = run_example("render_report.py", *args)
    assert done.returncode == 0, done.stderr
    assert "# Benchmark summary" in done.stdout
    if db_kind == "given":
        assert (tmp_path / "summary.html").exists() and (tmp_path / "bert_by_hardware.png").exists()


def test_ci_gate_records_runs_and_fails_only_on_a_slowdown(tmp_path: Path) -> None:
    """examples/ci_gate.sh as the workflow snippet runs it, in a real git repository with real benchmarks."""
    from tests.pytest_benchmark_project import commit_version, init_repository

    workflow = (EXAMPLES / "github-workflow.yml").read_text()
    assert "examples/ci_gate.sh main" in workflow
    repo = tmp_path / "project"
    init_repository(repo)
    summary = tmp_path / "summary.md"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHON": sys.executable,
        "BENCH_TESTS": "test_bench.py",
        "BENCHMARK_DB_PATH": str(tmp_path / "runs.duckdb"),
        "THRESHOLD": "25",
        "HOME": str(tmp_path),
    }

    def gate(*, github: bool = False) -> subprocess.CompletedProcess[str]:
        extra = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)} if github else {}
        return subprocess.run(
            [str(EXAMPLES / "ci_gate.sh"), "main"],
            cwd=repo,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    commit_version(repo, tokenize=0.001, embed=0.002, message="fast")
    first = gate()  # on main: records the baseline; compared with itself it passes
    assert first.returncode == 0, first.stdout + first.stderr
    subprocess.run(["git", "checkout", "-q", "-b", "slow-pr"], cwd=repo, check=True)
    commit_version(repo, tokenize=0.001, embed=0.006, message="slower embed")
    pull_request = gate(github=True)
    assert pull_request.returncode == 3, pull_request.stdout + pull_request.stderr
    errors = [line for line in pull_request.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "test_embed" in errors[0]
    assert "## Benchmark comparison" in summary.read_text()
