"""Re-running adds nothing: files are ledgered by content hash, results by fingerprint."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from accel_orm import get_engine
from accel_orm.json_import import FileStatus, migrate_json
from accel_orm.models import ImportLedger

from .conftest import table_counts

DIRECT_TINY = "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json"


def _seed(model: str, latency: float, **extra: Any) -> dict[str, Any]:
    return {
        "model_name": model,
        "hardware_type": "cpu",
        "test_type": "benchmark",
        "status": "Success",
        "timestamp": "2026-01-02T03:04:05+00:00",
        "performance": {"batch_size": 1, "average_latency_ms": latency},
        **extra,
    }


def _one_file(tmp_path: Path, fixtures_dir: Path) -> Path:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(fixtures_dir / DIRECT_TINY, folder / Path(DIRECT_TINY).name)
    return folder


def test_second_run_adds_nothing(engine: Engine, results_dir: Path) -> None:
    first = migrate_json(engine, [results_dir])
    after_first = table_counts(engine)

    second = migrate_json(engine, [results_dir])

    assert table_counts(engine) == after_first
    assert set(second.rows_added.values()) == {0}
    assert second.count(FileStatus.ALREADY_IMPORTED) == first.count(FileStatus.IMPORTED) == 23
    assert second.count(FileStatus.SKIPPED) == first.count(FileStatus.SKIPPED)
    assert second.count(FileStatus.IMPORTED) == 0
    reimported = {e.path: e for e in second.with_status(FileStatus.ALREADY_IMPORTED)}
    for entry in first.with_status(FileStatus.IMPORTED):
        again = reimported[entry.path]
        assert again.results == entry.results and again.shape == entry.shape
        assert again.reason is not None and str(entry.path.absolute()) in again.reason


def test_two_copies_of_a_file_import_once(engine: Engine, tmp_path: Path, fixtures_dir: Path) -> None:
    folder = _one_file(tmp_path, fixtures_dir)
    original = folder / Path(DIRECT_TINY).name
    (folder / "elsewhere").mkdir()
    shutil.copy(original, folder / "elsewhere" / original.name)
    shutil.copy(original, folder / "renamed.json")

    report = migrate_json(engine, [folder])

    statuses = {e.path.relative_to(folder).as_posix(): e.status for e in report.files}
    assert sorted(statuses.values()) == ["already_imported", "already_imported", "imported"]
    assert table_counts(engine)["test_results"] == 2
    assert table_counts(engine)["import_ledger"] == 1
    copies = report.with_status(FileStatus.ALREADY_IMPORTED)
    assert all(c.reason and c.reason.startswith("same content as") for c in copies)


def test_a_copy_found_in_a_later_run_is_already_imported(engine: Engine, tmp_path: Path, fixtures_dir: Path) -> None:
    folder = _one_file(tmp_path, fixtures_dir)
    migrate_json(engine, [folder])
    before = table_counts(engine)
    shutil.copy(folder / Path(DIRECT_TINY).name, folder / "copy_of_tiny.json")

    report = migrate_json(engine, [folder])

    assert [e.status for e in report.files] == [FileStatus.ALREADY_IMPORTED] * 2
    assert table_counts(engine) == before


def test_same_results_in_a_resaved_file_are_stored_once(engine: Engine, tmp_path: Path, fixtures_dir: Path) -> None:
    """Different bytes (indentation, key order, name), same measurements: the second file adds no result."""
    folder = _one_file(tmp_path, fixtures_dir)
    original = folder / Path(DIRECT_TINY).name
    resaved = folder / "later" / "resaved_copy.json"
    resaved.parent.mkdir()
    resaved.write_text(json.dumps(json.loads(original.read_text()), indent=1, sort_keys=True))

    report = migrate_json(engine, [folder])

    by_name = {e.path.name: e for e in report.files}
    assert by_name[original.name].status is FileStatus.IMPORTED
    assert by_name["resaved_copy.json"].status is FileStatus.DUPLICATE_RESULTS
    assert by_name["resaved_copy.json"].results == 2 and by_name["resaved_copy.json"].stored == 0
    counts = table_counts(engine)
    assert (counts["test_results"], counts["performance_results"], counts["import_ledger"]) == (2, 2, 2)

    again = migrate_json(engine, [folder])
    assert {e.status for e in again.files} == {FileStatus.ALREADY_IMPORTED}
    assert table_counts(engine) == counts


def test_duplicate_results_across_runs_and_within_a_file(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([_seed("m1", 1.0), _seed("m2", 2.0)]))
    migrate_json(engine, [folder])
    # b.json repeats one result of a.json (other whitespace) and holds one new result twice.
    (folder / "b.json").write_text(json.dumps([_seed("m2", 2.0), _seed("m3", 3.0), _seed("m3", 3.0)], indent=2))

    report = migrate_json(engine, [folder])

    (b,) = report.with_status(FileStatus.IMPORTED)
    assert (b.path.name, b.results, b.stored) == ("b.json", 3, 1)
    assert b.reason == "2 of its results were already stored"
    assert table_counts(engine)["test_results"] == 3
    assert report.rows_added["test_results"] == 1
    with engine.connect() as connection:
        ledger = connection.execute(select(ImportLedger.source_path, ImportLedger.results_stored)).all()
    assert sorted((Path(path).name, stored) for path, stored in ledger) == [("a.json", 2), ("b.json", 1)]


def test_results_that_differ_only_in_source_file_name_are_the_same_result(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(_seed("m1", 1.0, details={"source_file": "a.json"})))
    (folder / "b.json").write_text(json.dumps(_seed("m1", 1.0, details={"source_file": "b.json"})))
    (folder / "c.json").write_text(json.dumps(_seed("m1", 1.5, details={"source_file": "c.json"})))

    report = migrate_json(engine, [folder])

    assert [e.status.value for e in report.files] == ["imported", "duplicate_results", "imported"]
    assert table_counts(engine)["test_results"] == 2


@pytest.mark.postgres
def test_concurrent_migrations_of_one_folder_store_everything_once(pg_url: str, results_dir: Path) -> None:
    """Two runs at once on PostgreSQL: the ledger re-check under the migration lock keeps them from doubling."""
    engines = [get_engine(pg_url) for _ in range(2)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = list(pool.map(lambda e: migrate_json(e, [results_dir], batch_files=3), engines))
        counts = table_counts(engines[0])
    finally:
        for engine in engines:
            engine.dispose()
    assert counts["test_results"] == 138 and counts["import_ledger"] == 23
    assert sum(r.results_stored for r in reports) == 138
    assert not any(report.has_failures for report in reports)
    outcomes: dict[Path, list[str]] = {}
    for report in reports:
        for entry in report.files:
            outcomes.setdefault(entry.path, []).append(entry.status.value)
    assert {tuple(sorted(pair)) for pair in outcomes.values()} == {
        ("already_imported", "imported"),  # each file imported by exactly one of the runs
        ("skipped", "skipped"),
    }
