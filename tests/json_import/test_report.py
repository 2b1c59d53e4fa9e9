"""The markdown report and the summary line: sections, numbers and reasons, also when a run stops early."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from accel_orm.errors import DatabaseError
from accel_orm.ingest.writers import FactWriter
from accel_orm.json_import import FileEntry, FileStatus, migrate_json
from accel_orm.json_import import ledger as migration_ledger
from accel_orm.json_import.ledger import LedgerRow

from .conftest import RUN

BROKEN = "benchmark_results/broken.json"


def test_markdown_report_has_the_sections_and_numbers(engine: Engine, results_dir: Path, tmp_path: Path) -> None:
    (results_dir / BROKEN).write_text("{not json")
    report_path = tmp_path / "reports" / "migration.md"

    report = migrate_json(engine, [results_dir], report_path=report_path)

    text = report_path.read_text()
    assert text == report.to_markdown()
    for section in (
        "# JSON result migration",
        "## Summary",
        "## Rows added per table",
        "## Skipped files (20)",
        "## Failed files (0)",
        "## Imported files (23)",
        "## Files with only duplicate results (0)",
        "## Already imported (0)",
    ):
        assert f"\n{section}" in f"\n{text}", section
    for row in (
        "| Files seen | 43 |",
        "| Imported | 23 |",
        "| Skipped | 20 |",
        "| Failed | 0 |",
        "| Results stored | 138 |",
        "| test_results | 138 |",
        "| performance_results | 72 |",
        "| hardware_compatibility (upserted) | 11 |",
        "| import_ledger | 23 |",
    ):
        assert row in text, row
    assert f"| {results_dir / BROKEN} | not valid JSON: Expecting property name enclosed in double quotes" in text
    assert f"| {results_dir / RUN / 'benchmark_config.json'} | configuration file (benchmark_config)" in text
    assert "- Duration: " in text and "- Mode: import" in text
    direct = results_dir / "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json"
    assert f"| {direct} | direct_benchmark | 2 | 2 |" in text


def test_summary_is_short_and_has_the_counts(engine: Engine, results_dir: Path) -> None:
    report = migrate_json(engine, [results_dir])

    summary = report.summary()
    counts, duplicates = summary.splitlines()  # the counts, then the names the real files spell two ways
    assert counts.startswith("42 file(s): 23 imported (138 result(s)), 0 already imported, ")
    assert "19 skipped, 0 failed in " in counts
    assert duplicates.startswith("3 likely duplicate name(s): bert ~ bert-base-uncased; bert ~ prajjwal1/bert-tiny; ")

    again = migrate_json(engine, [results_dir], dry_run=True)
    assert again.summary().startswith("dry run, nothing written: 42 file(s): 0 would import (0 result(s)), 23 already")
    assert "## Rows that would be added per table" in again.to_markdown()


def test_report_cells_cannot_break_the_table(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "odd | names"
    folder.mkdir()
    (folder / "a|b.json").write_text("[1, 2]")

    report = migrate_json(engine, [folder])

    text = report.to_markdown()
    assert "a\\|b.json" in text and "odd \\| names" in text
    assert report.files[0].reason == "unrecognised shape: a JSON list of 2 items that are not result dicts"


def test_progress_is_called_once_per_file(engine: Engine, results_dir: Path) -> None:
    calls: list[tuple[int, int, FileEntry]] = []

    report = migrate_json(engine, [results_dir], progress=lambda done, total, entry: calls.append((done, total, entry)))

    assert [done for done, _, _ in calls] == list(range(1, 43))
    assert {total for _, total, _ in calls} == {42}
    assert [entry for _, _, entry in calls] == report.files


def test_small_batches_give_the_same_outcome(engine: Engine, results_dir: Path) -> None:
    report = migrate_json(engine, [results_dir], batch_files=4)

    assert report.count(FileStatus.IMPORTED) == 23
    assert report.rows_added["test_results"] == 138
    assert report.rows_added["import_ledger"] == 23


def test_report_is_written_when_the_run_stops(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.json").write_text(json.dumps({"model_name": name, "hardware_type": "cpu", "test_type": "x"}))
    calls = iter([None])

    def fail_second_batch(connection: Connection, writer: FactWriter, rows: Sequence[LedgerRow]) -> None:
        if next(calls, "stop") == "stop":
            raise DatabaseError("simulated: the server went away")
        real(connection, writer, rows)

    real = migration_ledger.record
    monkeypatch.setattr(migration_ledger, "record", fail_second_batch)
    report_path = tmp_path / "report.md"

    with pytest.raises(DatabaseError, match="server went away"):
        migrate_json(engine, [folder], report_path=report_path, batch_files=1)

    text = report_path.read_text()
    assert "**Stopped early:** DatabaseError: simulated: the server went away" in text
    assert "| Imported | 1 |" in text  # the first batch committed before the error
