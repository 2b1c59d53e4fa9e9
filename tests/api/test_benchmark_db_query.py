"""BenchmarkDBQuery and TestResultsDBHandler.generate_report: every format, files written, values escaped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import matplotlib.image
import pytest

from accel_orm import BenchmarkDBQuery, DatabaseLockedError, ReadOnlyViolationError, TestResultsDBHandler
from accel_orm.defaults import DEFAULT_READER_ROLE
from accel_orm.demo_data import generate_history
from tests.conftest import ReaderRoleMaker
from tests.locking import hold_lock

XSS = "<script>alert(1)</script>"


@pytest.fixture
def populated(db_url: str) -> str:
    with TestResultsDBHandler(db_url=db_url) as handler:
        handler.store_test_results(generate_history(days=21))
        handler.store_test_result(
            {
                "model_name": XSS,
                "hardware_type": "cpu",
                "test_type": "inference",
                "success": False,
                "error_message": "<b>boom</b>",
                "model_family": "text_embedding",
                "performance": {"batch_size": 1, "throughput_items_per_second": 5.0},
            }
        )
    return db_url


def test_tables_as_frames(populated: str) -> None:
    with BenchmarkDBQuery(db_url=populated) as query:
        models = query.get_models()
        hardware = query.get_hardware_platforms()
    assert {"model_id", "model_name", "model_family", "parameters_million"} <= set(models.columns)
    assert XSS in set(models["model_name"]) and "bert-base-uncased" in set(models["model_name"])
    assert len(hardware) == 10 and set(hardware["hardware_type"]) >= {"cpu", "cuda", "webgpu", "qualcomm"}


@pytest.mark.parametrize("fmt", ["markdown", "html", "json", "csv"])
def test_performance_report_formats(populated: str, fmt: str, tmp_path: Path) -> None:
    output = tmp_path / f"performance.{fmt}"
    with BenchmarkDBQuery(db_url=populated) as query:
        content = query.generate_performance_report(format=fmt, output=output, model="bert-base-uncased")
    assert isinstance(content, str)
    assert output.read_text(encoding="utf-8") == content
    if fmt == "markdown":
        assert "| Model " in content and "bert-base-uncased" in content  # the model_name column, human header
    elif fmt == "html":
        assert content.lstrip().lower().startswith("<!doctype html") and "data:image/png;base64," in content
    elif fmt == "json":
        document = json.loads(content)
        assert document["title"].startswith("Performance report")
    else:
        rows = list(csv.DictReader(io.StringIO(content)))
        assert rows and {"hardware_type", "avg_throughput", "batch_size"} <= set(rows[0])
        assert {row["model_name"] for row in rows} == {"bert-base-uncased"}


def test_performance_chart_is_a_png(populated: str, tmp_path: Path) -> None:
    with BenchmarkDBQuery(db_url=populated) as query:
        for model in ("whisper-tiny", None):
            output = tmp_path / f"{model}.png"
            png = query.generate_performance_report(format="chart", output=output, model=model)
            assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
            image = matplotlib.image.imread(io.BytesIO(output.read_bytes()), format="png")
            assert image.shape[0] > 300 and image.shape[1] > 500


@pytest.mark.parametrize("fmt", ["markdown", "html", "json"])
def test_compatibility_matrix_formats(populated: str, fmt: str) -> None:
    with BenchmarkDBQuery(db_url=populated) as query:
        content = query.generate_compatibility_matrix(format=fmt, filter_family="text_generation")
    assert "llama-3.2-1b" in content and "t5-small" in content
    assert "bert-base-uncased" not in content  # another family
    assert "unsupported" in content  # llama on webnn and qualcomm


def test_html_escapes_values_from_the_database(populated: str) -> None:
    with TestResultsDBHandler(db_url=populated) as handler:
        html = handler.generate_report(format="html")
    assert XSS not in html and "<b>boom</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_handler_summary_report(populated: str, tmp_path: Path) -> None:
    with TestResultsDBHandler(db_url=populated) as handler:
        markdown = handler.generate_report(format="markdown", output_file=tmp_path / "report.md")
        document = json.loads(handler.generate_report(format="json"))
        with pytest.raises(ValueError, match="format"):
            handler.generate_report(format="pdf")  # type: ignore[arg-type]
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == markdown
    for heading in ("Regressions (Throughput)", "Hardware platforms", "Compatibility matrix", "Recent failures"):
        assert f"## {heading}" in markdown
    assert "whisper-tiny" in markdown.split("## Regressions (Throughput)")[1].split("## ")[0]
    assert "boom" in markdown.split("## Recent failures")[1]
    assert document["title"] == "Benchmark summary"


def test_run_sql_reads_and_refuses_writes(populated: str, make_reader_role: ReaderRoleMaker) -> None:
    role = make_reader_role(populated) if populated.startswith("postgresql") else DEFAULT_READER_ROLE
    with BenchmarkDBQuery(db_url=populated) as query:
        frame = query.run_sql(
            "SELECT model_name FROM models WHERE model_family = :family ORDER BY model_name",
            {"family": "audio"},
            reader_role=role,
        )
        assert list(frame["model_name"]) == ["whisper-tiny"]
        for statement in ("DELETE FROM test_results", "DROP TABLE models", "UPDATE models SET model_family = 'x'"):
            with pytest.raises(ReadOnlyViolationError):
                query.run_sql(statement, reader_role=role)
        assert len(query.get_models()) == 7


def test_run_sql_waits_for_a_locked_file_only_lock_timeout(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    with BenchmarkDBQuery(db_path=db) as query:
        holder = hold_lock(db, 120)
        try:
            with pytest.raises(DatabaseLockedError, match=r"waited 0\.2 s"):
                query.run_sql("SELECT count(*) FROM models", lock_timeout=0.2)
        finally:
            holder.kill()
            holder.wait()
        assert query.run_sql("SELECT count(*) AS n FROM models")["n"].tolist() == [0]
