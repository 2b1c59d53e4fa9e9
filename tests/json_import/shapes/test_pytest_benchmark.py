"""The pytest-benchmark shape, read from a real ``pytest --benchmark-json`` file made outside any git checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from accel_orm.json_import.shapes.registry import ParsedFile, parse_file
from tests.pytest_benchmark_project import SOURCE, load, run_benchmarks


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("no-git")
    (project / "test_bench.py").write_text(SOURCE.format(tokenize=0.001, embed=0.002))
    run_benchmarks(project, json_file=project / "out.json")
    return project / "out.json"


@pytest.fixture(scope="module")
def parsed(bench_file: Path) -> ParsedFile:
    return parse_file(bench_file)


def test_one_result_per_benchmark_in_one_run(parsed: ParsedFile, bench_file: Path) -> None:
    raw = load(bench_file)
    assert parsed.shape == "pytest_benchmark" and len(parsed.results) == len(raw["benchmarks"]) == 2
    runs = {repr(result["run"]) for result in parsed.results}
    assert len(runs) == 1
    run = parsed.results[0]["run"]
    # Outside a checkout pytest-benchmark writes "unknown"/"(unknown)": no commit, no branch.
    assert "git_commit" not in run or run["git_commit"] is None
    assert run["hostname"] == raw["machine_info"]["node"]
    assert run["machine"]["cpu_model"] == raw["machine_info"]["cpu"]["brand_raw"]
    assert run["started_at"] == parsed.results[0]["timestamp"]


def test_stats_map_onto_performance_fields_in_ms(parsed: ParsedFile, bench_file: Path) -> None:
    stats = {b["name"]: b["stats"] for b in load(bench_file)["benchmarks"]}
    tokenize = next(r for r in parsed.results if r["model_name"] == "test_tokenize")
    performance = tokenize["performance"]
    assert performance["average_latency_ms"] == pytest.approx(stats["test_tokenize"]["mean"] * 1000)
    assert performance["p50_latency_ms"] == pytest.approx(stats["test_tokenize"]["median"] * 1000)
    assert performance["throughput_items_per_second"] == pytest.approx(stats["test_tokenize"]["ops"])
    assert performance["latency_stddev_ms"] == pytest.approx(stats["test_tokenize"]["stddev"] * 1000)
    assert performance["latency_iqr_ms"] == pytest.approx(stats["test_tokenize"]["iqr"] * 1000)
    assert performance["sample_count"] == stats["test_tokenize"]["rounds"]
    samples = sorted(stats["test_tokenize"]["data"])
    assert samples[0] * 1000 <= performance["p90_latency_ms"] <= performance["p99_latency_ms"] <= samples[-1] * 1000
    assert tokenize["details"]["pytest_benchmark"]["samples"] == stats["test_tokenize"]["rounds"]
    # No extra_info naming a model: the benchmark's name, its fullname as test case, the CPU as device.
    assert (tokenize["hardware_type"], tokenize["device_name"]) == ("cpu", tokenize["run"]["machine"]["cpu_model"])
    assert performance["test_case"] == "test_bench.py::test_tokenize"


def test_extra_info_names_accel_orm_fields(parsed: ParsedFile) -> None:
    embed = next(r for r in parsed.results if r["performance"]["test_case"].endswith("test_embed"))
    assert embed["model_name"] == "bert-tiny"
    assert (embed["performance"]["batch_size"], embed["performance"]["precision"]) == (4, "fp32")
