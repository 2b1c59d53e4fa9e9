"""Archive and delete touch only committed files; skipped, unreadable and failed files stay where they are."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from accel_orm.errors import ConstraintViolationError
from accel_orm.ingest import StoreReport
from accel_orm.ingest.validate import ResultBatch
from accel_orm.ingest.writers import FactWriter
from accel_orm.json_import import FileStatus, migrate_json
from accel_orm.json_import import commit as migration_commit

from .conftest import RUN, table_counts

BROKEN = "benchmark_results/broken_20250306_000000.json"
INVALID = "seeds/invalid_success_flag.json"
CONFIG = f"{RUN}/benchmark_config.json"
SUMMARY = f"{RUN}/performance/vision/20250305_215047/20250305_215053/benchmark_summary.json"
DIRECT_TINY = "benchmark_results/direct_benchmark_prajjwal1_bert-tiny_cpu_20250306_174526.json"


def _add_bad_files(results_dir: Path) -> None:
    (results_dir / BROKEN).write_text('{"model": "bert", "batch_results": {')  # cut off mid-write
    seed = results_dir / INVALID
    seed.parent.mkdir()
    # "yes" is not a boolean: store_results' validation rejects it, so the whole file must fail.
    bad = {"model_name": "m", "hardware_type": "cpu", "test_type": "benchmark", "status": "ok", "success": "yes"}
    good = {"model_name": "m", "hardware_type": "cpu", "test_type": "benchmark", "success": True}
    seed.write_text(json.dumps([good, bad]))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.json")}


def test_archive_and_delete_only_committed_files(engine: Engine, results_dir: Path, tmp_path: Path) -> None:
    _add_bad_files(results_dir)
    before = _snapshot(results_dir)
    archive = tmp_path / "archive"

    report = migrate_json(engine, [results_dir], archive_dir=archive, delete=True)

    committed = {e.path.relative_to(results_dir).as_posix() for e in report.files if e.committed}
    kept = {e.path.relative_to(results_dir).as_posix() for e in report.files if not e.committed}
    assert len(committed) == 23 and CONFIG in kept and SUMMARY in kept and BROKEN in kept and INVALID in kept
    for relative in committed:
        assert not (results_dir / relative).exists(), f"{relative} was imported but not deleted"
        assert (archive / relative).read_bytes() == before[relative], f"{relative} archived under another path"
    for relative in kept:
        assert (results_dir / relative).read_bytes() == before[relative], f"{relative} was touched"
        assert not (archive / relative).exists(), f"{relative} was archived but not imported"
    assert _snapshot(archive).keys() == committed
    entries = {e.path.relative_to(results_dir).as_posix(): e for e in report.files}
    assert entries[BROKEN].status is FileStatus.SKIPPED and "not valid JSON" in (entries[BROKEN].reason or "")
    assert entries[CONFIG].reason and entries[CONFIG].reason.startswith("configuration file")
    assert entries[INVALID].status is FileStatus.FAILED
    assert "success: must be true or false" in (entries[INVALID].reason or "")
    assert all(e.deleted and e.archived_to for e in report.files if e.committed)


def test_delete_without_archive_removes_only_committed_files(engine: Engine, results_dir: Path) -> None:
    _add_bad_files(results_dir)

    report = migrate_json(engine, [results_dir], delete=True)

    remaining = {p.relative_to(results_dir).as_posix() for p in results_dir.rglob("*.json")}
    assert remaining == {e.path.relative_to(results_dir).as_posix() for e in report.files if not e.committed}
    assert {CONFIG, SUMMARY, BROKEN, INVALID} <= remaining
    assert sum(1 for e in report.files if e.deleted) == 23
    assert all(e.archived_to is None for e in report.files)


def test_invalid_file_fails_alone(engine: Engine, results_dir: Path) -> None:
    _add_bad_files(results_dir)

    report = migrate_json(engine, [results_dir])

    (failed,) = report.with_status(FileStatus.FAILED)
    assert failed.path == results_dir / INVALID
    assert failed.reason and failed.reason.startswith("1 of 2 result(s) invalid; nothing from this file was stored")
    assert "[1] success: must be true or false, got 'yes'" in failed.reason
    assert report.has_failures
    assert table_counts(engine)["test_results"] == 138  # the valid result of the failed file is not stored
    assert table_counts(engine)["import_ledger"] == 23
    # Fixed and re-run: the file imports now, nothing else changes.
    (results_dir / INVALID).write_text(json.dumps([{"model_name": "m", "hardware_type": "cpu", "test_type": "x"}]))
    again = migrate_json(engine, [results_dir])
    assert [e.path for e in again.with_status(FileStatus.IMPORTED)] == [results_dir / INVALID]
    assert table_counts(engine)["test_results"] == 139


def test_a_file_that_trips_validation_fails_alone(engine: Engine, results_dir: Path) -> None:
    """Validation that raises instead of reporting (a bug in it, or an odd value) costs only that file."""
    seed = results_dir / INVALID
    seed.parent.mkdir()
    # No status, and a success flag that is no boolean: the status cannot be derived from it.
    seed.write_text(json.dumps({"model_name": "m", "hardware_type": "cpu", "test_type": "x", "success": "yes"}))

    report = migrate_json(engine, [results_dir])

    (failed,) = report.with_status(FileStatus.FAILED)
    assert failed.path == seed
    assert report.count(FileStatus.IMPORTED) == 23
    assert table_counts(engine)["test_results"] == 138


def test_already_imported_files_are_archived_by_a_later_run(engine: Engine, results_dir: Path, tmp_path: Path) -> None:
    migrate_json(engine, [results_dir])
    archive = tmp_path / "archive"

    report = migrate_json(engine, [results_dir], archive_dir=archive, delete=True)

    assert report.count(FileStatus.ALREADY_IMPORTED) == 23
    assert sum(1 for e in report.files if e.deleted) == 23
    assert (archive / DIRECT_TINY).is_file() and not (results_dir / DIRECT_TINY).exists()
    assert (results_dir / CONFIG).is_file()


def test_archive_conflict_leaves_the_file_in_place(engine: Engine, results_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / DIRECT_TINY).parent.mkdir(parents=True)
    (archive / DIRECT_TINY).write_text("{}")  # a different file already archived under that name

    report = migrate_json(engine, [results_dir], archive_dir=archive, delete=True)

    (entry,) = [e for e in report.files if e.path == results_dir / DIRECT_TINY]
    assert entry.status is FileStatus.IMPORTED and not entry.deleted and entry.archived_to is None
    assert entry.file_problem and "different file" in entry.file_problem
    assert (results_dir / DIRECT_TINY).is_file() and (archive / DIRECT_TINY).read_text() == "{}"
    assert "1 left in place" in report.summary()


def test_a_file_rewritten_during_the_run_is_left_in_place(
    engine: Engine, results_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive step does not read the file again, yet still sees that a runner rewrote it meanwhile."""
    real_write = migration_commit.write_result_batch
    rewritten = results_dir / DIRECT_TINY
    imported_bytes = rewritten.read_bytes()
    before = _snapshot(results_dir)

    def write_then_rewrite(connection: Connection, writer: FactWriter, batch: ResultBatch, counts: StoreReport) -> None:
        real_write(connection, writer, batch, counts)
        rewritten.write_bytes(imported_bytes + b"\n")  # the runner saves the file again while the run commits

    monkeypatch.setattr(migration_commit, "write_result_batch", write_then_rewrite)
    archive = tmp_path / "archive"

    report = migrate_json(engine, [results_dir], archive_dir=archive, delete=True)

    (entry,) = [e for e in report.files if e.path == rewritten]
    assert entry.status is FileStatus.IMPORTED and not entry.deleted and entry.archived_to is None
    assert entry.file_problem == "its content changed after it was imported; left in place"
    assert rewritten.read_bytes() == imported_bytes + b"\n" and not (archive / DIRECT_TINY).exists()
    others = [e for e in report.files if e.committed and e.path != rewritten]
    assert others and all(e.deleted and e.archived_to is not None for e in others)
    # Each archive copy holds the bytes that were imported (written from the one read, not read again).
    assert {e.path.relative_to(results_dir).as_posix() for e in others} == set(before) - {DIRECT_TINY} - {
        e.path.relative_to(results_dir).as_posix() for e in report.files if not e.committed
    }
    assert all(e.archived_to.read_bytes() == before[e.path.relative_to(results_dir).as_posix()] for e in others)


def test_archive_inside_the_scanned_folder_is_not_migrated_again(engine: Engine, results_dir: Path) -> None:
    archive = results_dir / "_archive"
    migrate_json(engine, [results_dir], archive_dir=archive)
    assert (archive / DIRECT_TINY).is_file()

    report = migrate_json(engine, [results_dir], archive_dir=archive)

    assert not any(e.path.is_relative_to(archive) for e in report.files)
    assert len(report.files) == 42


def test_dry_run_writes_nothing_and_predicts_the_rows(engine: Engine, results_dir: Path, tmp_path: Path) -> None:
    _add_bad_files(results_dir)
    before_files = _snapshot(results_dir)
    before_rows = table_counts(engine)
    archive = tmp_path / "archive"

    dry = migrate_json(engine, [results_dir], archive_dir=archive, delete=True, dry_run=True)

    assert table_counts(engine) == before_rows
    assert _snapshot(results_dir) == before_files
    assert not archive.exists()
    assert not any(e.deleted or e.archived_to for e in dry.files)
    assert dry.summary().startswith("dry run, nothing written: ")

    real = migrate_json(engine, [results_dir])
    assert [(e.path, e.status, e.stored) for e in dry.files] == [(e.path, e.status, e.stored) for e in real.files]
    assert dry.rows_added == real.rows_added


def test_database_refusal_fails_only_that_file(
    engine: Engine, results_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the database refuses a batch, it is retried file by file and only the refused file fails."""
    real_write = migration_commit.write_result_batch

    def refuse_t5(connection: Connection, writer: FactWriter, batch: ResultBatch, counts: StoreReport) -> None:
        if "google/t5-efficient-tiny" in batch.model["model_name"]:
            raise ConstraintViolationError("simulated: the database refused t5")
        real_write(connection, writer, batch, counts)

    monkeypatch.setattr(migration_commit, "write_result_batch", refuse_t5)

    report = migrate_json(engine, [results_dir])

    failed = report.with_status(FileStatus.FAILED)
    assert {e.path.relative_to(results_dir).as_posix() for e in failed} == {
        "benchmark_results/direct_benchmark_google_t5-efficient-tiny_cpu_20250306_174558.json",
        f"{RUN}/benchmark_results.json",  # the orchestrator's errored text_generation family lists t5
        f"{RUN}/functionality/model_functionality_20250305_195309.json",  # t5 is one of its 13 models
    }
    assert all("simulated: the database refused t5" in (e.reason or "") for e in failed)
    imported = report.count(FileStatus.IMPORTED)
    assert imported == 20
    assert table_counts(engine)["import_ledger"] == imported
    assert table_counts(engine)["test_results"] == report.results_stored


def test_a_real_constraint_violation_fails_only_that_file(engine: Engine, tmp_path: Path) -> None:
    """The bulk writers surface driver errors (psycopg COPY, DuckDB Arrow insert); they still fail one file only."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, error, seconds in (("a", "x", 1.0), ("b", "y", 2.0), ("c", "x", 3.0), ("d", "z", 4.0)):
        result = {"model_name": "m", "hardware_type": "cpu", "test_type": "t", "status": "Failed"}
        (folder / f"{name}.json").write_text(json.dumps({**result, "error_message": error, "execution_time": seconds}))
    with engine.begin() as connection:  # a rule the validation knows nothing about, refusing c.json only
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE test_results ADD CONSTRAINT no_three CHECK (execution_time <> 3)"))
        else:
            connection.execute(text("CREATE UNIQUE INDEX uq_test_error ON test_results (error_message)"))

    report = migrate_json(engine, [folder])

    assert [(e.path.name, e.status.value) for e in report.files] == [
        ("a.json", "imported"),
        ("b.json", "imported"),
        ("c.json", "failed"),
        ("d.json", "imported"),
    ]
    reason = report.files[2].reason or ""
    assert reason.startswith("the database refused its results: ")
    assert ("no_three" in reason) if engine.dialect.name == "postgresql" else ("x" in reason)
    counts = table_counts(engine)
    assert (counts["test_results"], counts["import_ledger"]) == (3, 3)


def test_bad_arguments_are_refused_before_anything_happens(engine: Engine, results_dir: Path) -> None:
    with pytest.raises(NotADirectoryError):
        migrate_json(engine, [results_dir / "missing"])
    with pytest.raises(TypeError):
        migrate_json(engine, str(results_dir))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="archive folder"):
        migrate_json(engine, [results_dir], archive_dir=results_dir)
    assert table_counts(engine)["import_ledger"] == 0


def test_copies_of_a_skipped_file_are_skipped_too(engine: Engine, results_dir: Path) -> None:
    shutil.copy(results_dir / CONFIG, results_dir / "config_copy.json")

    report = migrate_json(engine, [results_dir])

    (copy,) = [e for e in report.files if e.path.name == "config_copy.json"]
    assert copy.status is FileStatus.SKIPPED and copy.reason and "configuration file" in copy.reason
