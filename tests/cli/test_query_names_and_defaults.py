"""``accel-orm query``: a mistyped name is an error with a suggestion, flags reach the analysis, one set of defaults.

Runs the real console script against a small database whose answers are known: two measurement windows relative
to now (so ``--regressions`` sees them), a noisy pair only the plain-mean method flags, and two batch sizes whose
throughputs differ, so which batch size a comparison shows is visible in its numbers.
"""

from __future__ import annotations

import csv
import inspect
import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accel_orm import TestResultsDBHandler, defaults, queries
from accel_orm.cli import DEFAULT_LOCK_TIMEOUT, build_parser
from accel_orm.cli.query import REPORT_NAMES
from accel_orm.db import DEFAULT_LOCK_TIMEOUT as ENGINE_LOCK_TIMEOUT
from accel_orm.reports import build
from tests.cli.conftest import Runner

NOW = datetime.now(UTC).replace(tzinfo=None)
PREVIOUS = [NOW - timedelta(days=10, hours=i) for i in range(4)]
CURRENT = [NOW - timedelta(days=3, hours=i) for i in range(4)]


def _result(model: str, hardware: str, when: datetime, throughput: float, batch: int = 1) -> dict[str, Any]:
    return {
        "model_name": model,
        "hardware_type": hardware,
        "test_type": "benchmark",
        "success": True,
        "timestamp": when.isoformat(),
        "model_family": "text_embedding",
        "performance": {"batch_size": batch, "sequence_length": 128, "throughput_items_per_second": throughput},
    }


@pytest.fixture
def known_db(tmp_path: Path) -> Path:
    path = tmp_path / "known.duckdb"
    results = []
    # bert-base-uncased on cuda: a noisy pair, -20 % in the means but far inside the previous window's noise.
    for when, value in zip(PREVIOUS + CURRENT, [100, 160, 40, 100, 80, 140, 20, 80], strict=True):
        results.append(_result("bert-base-uncased", "cuda", when, value))
    # The same model on cpu at two batch sizes: 10 items/s at batch 1, 40 at batch 8 (pooled: 25).
    for when in PREVIOUS:
        results.append(_result("bert-base-uncased", "cpu", when, 10.0, batch=1))
        results.append(_result("bert-base-uncased", "cpu", when, 40.0, batch=8))
    results.append(_result("t5-small", "cpu", PREVIOUS[0], 5.0))
    with TestResultsDBHandler(db_path=path) as handler:
        handler.store_test_results(results)
    return path


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("flags", "suggestion"),
    [
        (["--model", "bert-base-uncasedd", "--compare-hardware"], "did you mean 'bert-base-uncased'?"),
        (["--hardware", "cudaa"], "did you mean 'cuda'?"),
        (["--model", "t5-smal"], "did you mean 't5-small'?"),
        (["--compatibility-matrix", "--family", "text_embeding"], "did you mean 'text_embedding'?"),
        (["--trend", "--model", "BERT-base-uncased"], "did you mean 'bert-base-uncased'?"),
    ],
)
def test_an_unknown_name_is_an_error_with_a_suggestion(
    accel_orm: Runner, known_db: Path, flags: list[str], suggestion: str
) -> None:
    done = accel_orm("--db", known_db, "query", *flags)
    assert done.returncode == 1, done.stdout
    assert suggestion in done.stderr
    assert done.stderr.startswith("accel-orm: error: unknown ")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_an_unknown_model_writes_no_chart(accel_orm: Runner, known_db: Path, tmp_path: Path) -> None:
    chart = tmp_path / "typo.png"
    done = accel_orm(
        "--db", known_db, "query", "--model", "bert-base-uncasedd", "--compare-hardware", "--format", "chart",
        "--output", chart,
    )  # fmt: skip
    assert done.returncode == 1
    assert "did you mean 'bert-base-uncased'?" in done.stderr
    assert not chart.exists()


def test_nothing_close_lists_the_known_names(accel_orm: Runner, known_db: Path) -> None:
    done = accel_orm("--db", known_db, "query", "--hardware", "zzzz")
    assert done.returncode == 1
    assert "unknown hardware type 'zzzz'; known hardware type names: cpu, cuda" in done.stderr


def test_known_names_still_work_case_insensitively_for_hardware(accel_orm: Runner, known_db: Path) -> None:
    done = accel_orm("--db", known_db, "query", "--hardware", "CPU", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert {row["model_name"] for row in _csv(done.stdout)} == {"bert-base-uncased", "t5-small"}


def test_regressions_method_is_passed_through(accel_orm: Runner, known_db: Path) -> None:
    def flagged(*extra: str) -> set[str]:
        done = accel_orm("--db", known_db, "query", "--regressions", *extra, "--format", "csv")
        assert done.returncode == 0, done.stderr
        return {f"{row['model_name']}/{row['hardware_type']}" for row in _csv(done.stdout)}

    assert flagged("--method", "mean") == {"bert-base-uncased/cuda"}
    assert flagged("--method", "zscore") == set()
    assert flagged() == set()  # the default is zscore, as in the API and the reports
    assert flagged("--method", "mean", "--threshold", "25") == set()


def test_one_set_of_defaults_for_the_api_the_cli_and_the_reports() -> None:
    api = inspect.signature(queries.regressions).parameters
    report = inspect.signature(build.regressions_section).parameters
    args = build_parser().parse_args(["query", "--regressions"])
    assert api["method"].default == report["method"].default == args.method == defaults.REGRESSION_METHOD
    assert api["window_days"].default == report["window_days"].default == args.window_days
    assert api["threshold_pct"].default == report["threshold_pct"].default == args.threshold
    assert args.window_days == defaults.REGRESSION_WINDOW_DAYS and args.threshold == defaults.REGRESSION_THRESHOLD_PCT
    assert set(queries.REGRESSION_METHODS) == set(defaults.REGRESSION_METHODS)
    comparison = inspect.signature(queries.hardware_comparison).parameters["batch_size"].default
    assert comparison == inspect.signature(queries.model_comparison).parameters["batch_size"].default
    assert comparison == inspect.signature(build.compare_hardware).parameters["batch_size"].default
    assert comparison == args.batch_size == defaults.COMPARISON_BATCH_SIZE
    assert set(REPORT_NAMES) == set(build.REPORTS)
    assert DEFAULT_LOCK_TIMEOUT == ENGINE_LOCK_TIMEOUT


def test_compare_hardware_shows_one_batch_size_and_says_which(accel_orm: Runner, known_db: Path) -> None:
    def cpu_throughput(*extra: str) -> tuple[float, str]:
        base = ["--db", known_db, "query", "--model", "bert-base-uncased", "--compare-hardware", *extra]
        table = accel_orm(*base, "--format", "csv")
        assert table.returncode == 0, table.stderr
        cpu = next(row for row in _csv(table.stdout) if row["hardware_type"] == "cpu")
        markdown = accel_orm(*base)
        assert markdown.returncode == 0, markdown.stderr
        return float(cpu["avg_throughput"]), markdown.stdout

    default, text = cpu_throughput()
    assert default == 10.0  # batch size 1, the default of the API too
    assert "across hardware (batch size 1)" in text
    eight, text = cpu_throughput("--batch-size", "8")
    assert eight == 40.0 and "(batch size 8)" in text
    pooled, text = cpu_throughput("--batch-size", "all")
    assert pooled == 25.0 and "(all batch sizes pooled)" in text


def test_hardware_model_comparison_says_its_batch_size(accel_orm: Runner, known_db: Path) -> None:
    done = accel_orm("--db", known_db, "query", "--hardware", "cpu", "--batch-size", "8", "--format", "csv")
    assert [(row["model_name"], float(row["avg_throughput"])) for row in _csv(done.stdout)] == [
        ("bert-base-uncased", 40.0)
    ]
    text = accel_orm("--db", known_db, "query", "--hardware", "cpu").stdout
    assert "Model comparison on cpu (batch size 1)" in text


@pytest.mark.parametrize("bad", ["0", "-3", "eight"])
def test_a_bad_batch_size_is_refused(accel_orm: Runner, known_db: Path, bad: str) -> None:
    done = accel_orm("--db", known_db, "query", "--hardware", "cpu", "--batch-size", bad)
    assert done.returncode == 2
    assert "--batch-size" in done.stderr


def test_help_imports_no_heavy_library() -> None:
    """``--help`` must not pay for pandas, matplotlib, pyarrow, SQLAlchemy or DuckDB (the speed is benchmarked)."""
    import subprocess

    probe = (
        "import sys\n"
        "from accel_orm.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('pandas', 'matplotlib', 'pyarrow', 'numpy', 'sqlalchemy', 'duckdb', 'alembic', 'tqdm')\n"
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "loaded:"
