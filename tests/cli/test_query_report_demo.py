"""``accel-orm demo | query | report | migrate-json`` through the real console script."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.cli.conftest import Runner


@pytest.fixture
def demo_db(accel_orm: Runner, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    done = accel_orm("--db", db, "demo", "--days", "21", "--output", tmp_path / "report.html")
    assert done.returncode == 0, done.stderr
    return db


def _count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_demo_finds_the_planted_regressions_and_writes_the_report(accel_orm: Runner, tmp_path: Path) -> None:
    done = accel_orm("demo", "--days", "21")
    assert done.returncode == 0, done.stderr
    regressions = done.stdout.split("## Regressions (Throughput)")[1].split("##")[0]
    assert "bert-base-uncased" in regressions and "whisper-tiny" in regressions
    assert "vit-base-patch16-224" not in regressions  # the planted improvement
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    first_screen = html.split('id="what-changed"')[1].split('id="changed-series"')[0]
    assert "bert-base-uncased" in first_screen and "whisper-tiny" in first_screen  # the page leads with them
    assert html.count('class="chart"') >= 4 and 'id="series-data"' in html  # one chart per changed series
    assert html.count("data:image/png;base64,") >= 1  # the compatibility heatmap
    assert (tmp_path / "benchmark_db.duckdb").exists()  # the embedded default
    again = accel_orm("demo", "--days", "21")
    assert again.returncode == 0 and "already holds" in again.stdout


@pytest.mark.parametrize("report", ["summary", "hardware", "performance", "compatibility"])
@pytest.mark.parametrize("fmt", ["markdown", "html", "json"])
def test_ready_made_reports(accel_orm: Runner, demo_db: Path, report: str, fmt: str) -> None:
    done = accel_orm("--db", demo_db, "query", "--report", report, "--format", fmt)
    assert done.returncode == 0, done.stderr
    if fmt == "json":
        assert json.loads(done.stdout)["sections"]
    elif fmt == "html":
        assert "</html>" in done.stdout
    else:
        assert done.stdout.startswith("# ")


def test_query_flags(accel_orm: Runner, demo_db: Path, tmp_path: Path) -> None:
    matrix = accel_orm("--db", demo_db, "query", "--compatibility-matrix", "--family", "audio")
    assert matrix.returncode == 0 and "whisper-tiny" in matrix.stdout and "bert-base-uncased" not in matrix.stdout

    chart = tmp_path / "latency.png"
    done = accel_orm(
        "--db",
        demo_db,
        "query",
        "--model",
        "bert-base-uncased",
        "--compare-hardware",
        "--metric",
        "latency",
        "--format",
        "chart",
        "--output",
        chart,
    )
    assert done.returncode == 0, done.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")

    on_cuda = accel_orm("--db", demo_db, "query", "--hardware", "CUDA", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(on_cuda.stdout)))
    assert {row["model_name"] for row in rows} >= {"bert-base-uncased", "t5-small"}

    since = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    trend = accel_orm("--db", demo_db, "query", "--trend", "--since", since, "--format", "csv")
    buckets = {row["bucket"][:10] for row in csv.DictReader(io.StringIO(trend.stdout))}
    assert buckets and min(buckets) >= since

    regressions = accel_orm(
        "--db", demo_db, "query", "--regressions", "--window-days", "7", "--threshold", "5", "--format", "json"
    )
    table = json.loads(regressions.stdout)["sections"][0]["table"]
    flagged = {(row["model_name"], row["hardware_type"]) for row in table["rows"]}
    assert flagged == {("bert-base-uncased", "cuda"), ("whisper-tiny", "webgpu")}

    limited = accel_orm("--db", demo_db, "query", "--report", "performance", "--format", "csv", "--limit", "2")
    assert len(list(csv.DictReader(io.StringIO(limited.stdout)))) == 2


def test_query_sql_is_read_only(accel_orm: Runner, demo_db: Path) -> None:
    before = _count(demo_db, "test_results")
    counted = accel_orm("--db", demo_db, "query", "--sql", "SELECT count(*) AS n FROM test_results", "--format", "csv")
    assert counted.returncode == 0 and counted.stdout.splitlines() == ["n", str(before)]
    for statement in ("DELETE FROM test_results", "DROP TABLE models"):
        refused = accel_orm("--db", demo_db, "query", "--sql", statement)
        assert refused.returncode == 1
        assert "read-only" in refused.stderr and "Traceback" not in refused.stderr
    assert _count(demo_db, "test_results") == before


def test_query_usage_errors(accel_orm: Runner, demo_db: Path) -> None:
    assert accel_orm("--db", demo_db, "query", "--report", "summary", "--format", "chart").returncode == 2
    assert accel_orm("--db", demo_db, "query", "--trend", "--since", "last week").returncode == 2
    assert accel_orm("--db", demo_db, "query", "--report", "nonsense").returncode == 2
    zero = accel_orm("--db", demo_db, "report", "--window-days", "0")
    assert zero.returncode == 2 and "--window-days must be positive" in zero.stderr
    nothing = accel_orm("--db", demo_db, "query")
    assert nothing.returncode == 1 and "say what to query" in nothing.stderr


def test_report_command(accel_orm: Runner, demo_db: Path, tmp_path: Path) -> None:
    for fmt in ("markdown", "html", "json"):
        output = tmp_path / f"report.{fmt}"
        done = accel_orm("--db", demo_db, "report", "--format", fmt, "--output", output)
        assert done.returncode == 0, done.stderr
        assert output.stat().st_size > 1000
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document["summary"]["regressions"] > 0 and document["series"]
    assert all(len({p["device_name"] for p in s["points"]["rows"]}) == 1 for s in document["series"])
    markdown = (tmp_path / "report.markdown").read_text(encoding="utf-8")
    assert markdown.index("## What changed") < markdown.index("## Hardware platforms")


def test_query_failures(accel_orm: Runner, demo_db: Path) -> None:
    done = accel_orm("--db", demo_db, "query", "--failures", "--hardware", "webnn", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows and {r["hardware_type"] for r in rows} == {"webnn"}
    assert [r["timestamp"] for r in rows] == sorted((r["timestamp"] for r in rows), reverse=True)


def test_migrate_json_over_the_real_files(accel_orm: Runner, tmp_path: Path, fixtures_dir: Path) -> None:
    source = tmp_path / "results"
    shutil.copytree(fixtures_dir, source)
    (source / "broken.json").write_text("{not json")
    db = tmp_path / "migrated.duckdb"
    dry = accel_orm("--db", db, "migrate-json", "--directories", source, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    first = accel_orm(
        "--db",
        db,
        "migrate-json",
        "--directories",
        source,
        "--report",
        "migration.md",
        "--archive-dir",
        "archive",
        "--delete",
    )
    assert first.returncode == 0, first.stderr
    assert "23 imported (138 result(s))" in first.stdout
    assert _count(db, "test_results") == 138
    report = (tmp_path / "migration.md").read_text(encoding="utf-8")
    assert "broken.json" in report and "not valid JSON" in report
    assert (source / "broken.json").exists()  # skipped files stay
    assert not (source / "performance_results" / "hf_bert_performance_20250228_001255.json").exists()
    assert (tmp_path / "archive" / "performance_results" / "hf_bert_performance_20250228_001255.json").exists()
    again = accel_orm("--db", db, "migrate-json", "--directories", tmp_path / "archive")
    assert again.returncode == 0 and "0 imported" in again.stdout
    assert _count(db, "test_results") == 138


@pytest.mark.postgres
def test_cli_on_postgresql(accel_orm: Runner, pg_url: str) -> None:
    assert accel_orm("--db", pg_url, "db", "upgrade").returncode == 0
    done = accel_orm("--db", pg_url, "demo", "--days", "14", "--output", "pg.html")
    assert done.returncode == 0, done.stderr
    summary = accel_orm("--db", pg_url, "query", "--report", "summary")
    assert summary.returncode == 0 and "Regressions (Throughput)" in summary.stdout


def test_query_regressions_fail_on_regression_exit_status(accel_orm: Runner, demo_db: Path) -> None:
    gated = accel_orm("--db", demo_db, "query", "--regressions", "--threshold", "5", "--fail-on-regression")
    assert gated.returncode == 3, gated.stderr
    assert "bert-base-uncased" in gated.stdout
    lenient = accel_orm("--db", demo_db, "query", "--regressions", "--threshold", "1000", "--fail-on-regression")
    assert lenient.returncode == 0, lenient.stderr
    misuse = accel_orm("--db", demo_db, "query", "--report", "summary", "--fail-on-regression")
    assert misuse.returncode == 2 and "go with --regressions" in misuse.stderr
