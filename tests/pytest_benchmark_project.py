"""A real pytest-benchmark project in a temporary git repository: commits, benchmark runs, JSON files.

Two benchmarks sleep for a fixed time (sleep-based, so their timings hardly depend on how busy the shared test
machine is); :func:`commit_version` rewrites how long each sleeps, commits, and :func:`run_benchmarks` runs
``pytest --benchmark-json`` (or ``--benchmark-autosave``) on the checkout in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH_FILE = "test_bench.py"
SOURCE = """import time


def test_tokenize(benchmark):
    benchmark.extra_info["precision"] = "fp32"
    benchmark(time.sleep, {tokenize})


def test_embed(benchmark):
    benchmark.extra_info.update(model_name="bert-tiny", batch_size=4, precision="fp32")
    benchmark(time.sleep, {embed})
"""


def git(repo: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *arguments],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def init_repository(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def commit_version(repo: Path, *, tokenize: float, embed: float, message: str) -> str:
    """Write the benchmarks with these sleep times (seconds), commit, return the commit id."""
    (repo / BENCH_FILE).write_text(SOURCE.format(tokenize=tokenize, embed=embed))
    git(repo, "add", BENCH_FILE)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def run_benchmarks(repo: Path, *, json_file: Path | None = None, autosave: bool = False) -> None:
    """Run the checkout's benchmarks for real (a subprocess of this interpreter, so pytest-benchmark is found)."""
    output = [f"--benchmark-json={json_file}"] if json_file is not None else []
    if autosave:
        output.append("--benchmark-autosave")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            BENCH_FILE,
            "--benchmark-min-rounds=15",
            "--benchmark-max-time=0.05",
            "--benchmark-warmup=off",
            *output,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(f"pytest-benchmark failed:\n{done.stdout}\n{done.stderr}")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())
