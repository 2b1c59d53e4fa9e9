"""The real runner output folder, migrated: what lands in which table, per file, with units and percentiles.

Per-file expectations come from reading the files (see tests/json_import/shapes/test_fixture_inventory.py for how each
count was derived by hand): results, how many carry performance numbers, how many are failed runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from accel_orm.json_import import FINGERPRINT_KEY, FileStatus, migrate_json, result_fingerprint
from accel_orm.json_import.fingerprints import fingerprint_column
from accel_orm.json_import.shapes import parse_file
from accel_orm.models import Model, PerformanceResult, TestResult

from .conftest import PERF, RUN, table_counts

# relative path -> (results, with performance numbers, failed runs)
IMPORTED: dict[str, tuple[int, int, int]] = {
    "benchmark_results/20250302_201346/benchmark_results.json": (18, 0, 18),  # 6 models x 3 hw, families errored
    "benchmark_results/benchmark_bert_cpu_20250305_195714.json": (2, 2, 0),  # batch sizes 1 and 4
    "benchmark_results/benchmark_bert_cuda_20250305_195715.json": (2, 2, 0),
    "benchmark_results/benchmark_bert_webgpu_20250305_195720.json": (2, 2, 0),
    "benchmark_results/benchmark_bert_webnn_20250305_195719.json": (2, 2, 0),
    "benchmark_results/benchmark_progress_20250306_150303.json": (3, 0, 3),  # failed_benchmarks: bert, vit, whisper
    f"{RUN}/benchmark_results.json": (3, 0, 3),  # text_generation errored: llama, qwen2, t5 on cpu
    f"{RUN}/functionality/model_functionality_20250305_195309.json": (13, 0, 13),
    # whisper-tiny 9 configs failed, wav2vec2-base 9 completed
    f"{PERF}/audio/20250305_202656/20250305_202703/benchmark_results.json": (18, 9, 9),
    f"{PERF}/audio/20250305_202656/hardware_compatibility_matrix.json": (2, 0, 1),  # whisper incompatible
    f"{PERF}/embedding/20250305_195316/20250305_195321/benchmark_results.json": (27, 27, 0),  # 3 models x 9
    f"{PERF}/embedding/20250305_195316/hardware_compatibility_matrix.json": (3, 0, 0),
    f"{PERF}/multimodal/20250305_214809/20250305_214814/benchmark_results.json": (3, 3, 0),  # clip x 3 batches
    f"{PERF}/vision/20250305_215047/20250305_215053/benchmark_results.json": (18, 18, 0),  # 3 models x 6
    "benchmark_results/direct_benchmark_bert-base-uncased_cpu_20250306_174825.json": (1, 1, 0),
    "benchmark_results/direct_benchmark_google_t5-efficient-tiny_cpu_20250306_174558.json": (1, 0, 1),
    "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json": (2, 2, 0),
    "benchmark_results/hardware_compatibility_matrix.json": (6, 0, 6),  # compatible: false on cpu and openvino
    "firefox_webgpu_results/whisper_firefox_vs_chrome_1741232337.json": (4, 0, 0),
    "performance_results/hf_bert_performance_20250228_001255.json": (5, 1, 1),  # cuda_benchmark has numbers
    "web_platform_results/bert_webgpu_20250305_193336/result.json": (1, 1, 0),
    "web_platform_results/bert_webnn_20250302_231100/result.json": (1, 1, 0),
    "web_platform_results/vit_webgpu_20250305_193350/result.json": (1, 1, 0),
}
# Not results (configs, summaries, model list, empty matrices) or byte-identical copies of such files.
SKIPPED = {
    *(f"{RUN}/benchmark_config{suffix}.json" for suffix in ("", "_audio", "_embedding", "_multimodal")),
    *(f"{RUN}/benchmark_config{suffix}.json" for suffix in ("_text_generation", "_vision")),
    f"{RUN}/hardware_compatibility_matrix.json",
    *(f"{PERF}/{run}/benchmark_config.json" for run in ("audio/20250305_202656", "embedding/20250305_195316")),
    *(f"{PERF}/{run}/benchmark_config.json" for run in ("multimodal/20250305_214809", "vision/20250305_215047")),
    f"{PERF}/audio/20250305_202656/20250305_202703/benchmark_summary.json",
    f"{PERF}/embedding/20250305_195316/20250305_195321/benchmark_summary.json",
    f"{PERF}/multimodal/20250305_214809/20250305_214814/benchmark_summary.json",
    f"{PERF}/vision/20250305_215047/20250305_215053/benchmark_summary.json",
    f"{PERF}/multimodal/20250305_214809/hardware_compatibility_matrix.json",
    f"{PERF}/vision/20250305_215047/hardware_compatibility_matrix.json",
    "benchmark_results/benchmarks_20250305_195254/benchmark_models.json",
    "benchmark_results/benchmarks_20250305_195254/hardware_compatibility_matrix.json",
}
TOTAL_RESULTS = 138
EMBEDDING = f"{PERF}/embedding/20250305_195316/20250305_195321/benchmark_results.json"
DIRECT_TINY = "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json"
DIRECT_T5 = "benchmark_results/direct_benchmark_google_t5-efficient-tiny_cpu_20250306_174558.json"


def test_expectations_cover_the_folder(results_dir: Path) -> None:
    on_disk = {p.relative_to(results_dir).as_posix() for p in results_dir.rglob("*.json")}
    assert on_disk == set(IMPORTED) | SKIPPED
    assert sum(results for results, _, _ in IMPORTED.values()) == TOTAL_RESULTS


def test_every_file_gets_its_outcome(engine: Engine, results_dir: Path) -> None:
    report = migrate_json(engine, [results_dir])

    outcomes = {e.path.relative_to(results_dir).as_posix(): e for e in report.files}
    assert set(outcomes) == set(IMPORTED) | SKIPPED
    for relative, (results, _, _) in IMPORTED.items():
        entry = outcomes[relative]
        assert (entry.status, entry.results, entry.stored) == (FileStatus.IMPORTED, results, results), relative
        assert entry.reason is None
    for relative in SKIPPED:
        assert outcomes[relative].status is FileStatus.SKIPPED, relative
        assert outcomes[relative].reason, f"{relative} is skipped without a reason"
    assert report.count(FileStatus.FAILED) == 0
    assert not report.has_failures


def test_rows_per_table(engine: Engine, results_dir: Path) -> None:
    report = migrate_json(engine, [results_dir])

    counts = table_counts(engine)
    assert counts["test_results"] == TOTAL_RESULTS
    assert counts["performance_results"] == sum(perf for _, perf, _ in IMPORTED.values()) == 72
    assert counts["power_metrics"] == 0  # no file measured power
    assert counts["hardware_compatibility"] == 11  # 6 + 2 + 3 (model, hardware) verdicts from the matrices
    assert counts["import_ledger"] == len(IMPORTED)
    # On a fresh database every row of every table was added by this run.
    assert report.rows_added == counts


def test_rows_per_file(engine: Engine, results_dir: Path) -> None:
    """Each file's results are found by their fingerprints: count, performance rows and failed runs per file."""
    migrate_json(engine, [results_dir])

    column = fingerprint_column(engine.dialect.name)
    with engine.connect() as connection:
        for relative, (results, performance, failed) in IMPORTED.items():
            fingerprints = [result_fingerprint(r) for r in parse_file(results_dir / relative).results]
            mine = TestResult.__table__.select().where(column.in_(fingerprints)).subquery()
            stored = connection.execute(select(func.count()).select_from(mine)).scalar_one()
            failed_runs = connection.execute(
                select(func.count()).select_from(mine).where(mine.c.success.is_(False))
            ).scalar_one()
            perf_rows = connection.execute(
                select(func.count())
                .select_from(PerformanceResult)
                .where(PerformanceResult.test_id.in_(select(mine.c.id)))
            ).scalar_one()
            assert (stored, perf_rows, failed_runs) == (results, performance, failed), relative


def test_latencies_in_seconds_land_in_milliseconds(engine: Engine, results_dir: Path) -> None:
    migrate_json(engine, [results_dir])

    raw = json.loads((results_dir / EMBEDDING).read_text())
    config = raw["benchmarks"]["embedding"]["bert-base-uncased"]["cpu"]["benchmark_results"]["batch_1_seq_32"]
    samples_ms = np.asarray(config["latencies"]) * 1000.0  # the runner wrote seconds
    row = _performance(engine, "bert-base-uncased", batch_size=1, sequence_length=32)
    assert row.average_latency_ms == pytest.approx(config["avg_latency"] * 1000.0)
    assert row.average_latency_ms == pytest.approx(samples_ms.mean())
    for column, q in (("p50_latency_ms", 50), ("p90_latency_ms", 90), ("p99_latency_ms", 99)):
        assert getattr(row, column) == pytest.approx(np.percentile(samples_ms, q))
    assert row.throughput_items_per_second == pytest.approx(config["throughput"])


def test_percentiles_from_raw_samples(engine: Engine, results_dir: Path) -> None:
    migrate_json(engine, [results_dir])

    raw = json.loads((results_dir / DIRECT_TINY).read_text())
    for batch in ("1", "2"):
        samples = np.asarray(raw["batch_results"][batch]["latencies_ms"])  # already milliseconds
        row = _performance(engine, "prajjwal1/bert-tiny", batch_size=int(batch))
        assert row.p50_latency_ms == pytest.approx(np.percentile(samples, 50))
        assert row.p90_latency_ms == pytest.approx(np.percentile(samples, 90))
        assert row.p99_latency_ms == pytest.approx(np.percentile(samples, 99))
        assert row.average_latency_ms == pytest.approx(raw["batch_results"][batch]["avg_latency_ms"])
        assert row.p50_latency_ms <= row.p90_latency_ms <= row.p99_latency_ms


def test_failed_runs_are_failed_results_with_their_error(engine: Engine, results_dir: Path) -> None:
    migrate_json(engine, [results_dir])

    (t5_result,) = parse_file(results_dir / DIRECT_T5).results
    column = fingerprint_column(engine.dialect.name)
    with engine.connect() as connection:
        (t5,) = connection.execute(select(TestResult).where(column == result_fingerprint(t5_result))).all()
        progress = connection.execute(
            select(TestResult.status, TestResult.success, TestResult.error_message).where(
                func.coalesce(TestResult.error_message, "").like("%benchmark_hardware_models.py%")
            )
        ).all()
    assert (t5.status, t5.success) == ("Failed", False)
    assert t5.error_message == "You have to specify either decoder_input_ids or decoder_inputs_embeds"
    errors = [e for _, _, e in progress]
    assert len(progress) == 3, "the three failed_benchmarks of the progress file"
    assert all((status, success) == ("Failed", False) for status, success, _ in progress)
    assert all("returned non-zero exit status 1" in error for error in errors)


def test_every_result_carries_its_fingerprint(engine: Engine, results_dir: Path) -> None:
    migrate_json(engine, [results_dir])

    column = fingerprint_column(engine.dialect.name)
    with engine.connect() as connection:
        fingerprints = connection.execute(select(column)).scalars().all()
        source = connection.execute(select(TestResult.details)).scalars().first()
    assert len(fingerprints) == TOTAL_RESULTS
    assert all(isinstance(fp, str) and len(fp) == 64 for fp in fingerprints)
    assert len(set(fingerprints)) == TOTAL_RESULTS
    assert source is not None and FINGERPRINT_KEY in source and source["source_file"].endswith(".json")


def _performance(engine: Engine, model: str, **where: int) -> PerformanceResult:
    with engine.connect() as connection:
        statement = select(PerformanceResult).join(Model).where(Model.model_name == model)
        for name, value in where.items():
            statement = statement.where(getattr(PerformanceResult, name) == value)
        return connection.execute(statement).one()
