"""``accel-orm migrate-json`` edges: huge files are skipped unread, one model's several names, stale ``.part`` files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from accel_orm import get_engine
from accel_orm.cli.migrate import DEFAULT_MAX_FILE_MB as CLI_DEFAULT
from accel_orm.json_import import migrate_json
from accel_orm.json_import.aliases import LikelyDuplicate, likely_duplicates, parse_aliases
from accel_orm.json_import.report import FileStatus
from accel_orm.json_import.run import DEFAULT_MAX_FILE_MB
from tests.cli.conftest import Runner


def _result(model: str, family: str, throughput: float) -> dict[str, Any]:
    return {
        "model_name": model,
        "model_family": family,
        "hardware_type": "cpu",
        "test_type": "inference",
        "success": True,
        "timestamp": "2025-03-01T12:00:00",
        "performance": {"batch_size": 1, "throughput_items_per_second": throughput},
    }


@pytest.fixture
def named_differently(tmp_path: Path) -> Path:
    """Old result files naming two models, and one family, two ways each."""
    folder = tmp_path / "results"
    folder.mkdir()
    files = {
        "old_bert.json": _result("bert", "embedding", 10.0),
        "new_bert.json": [_result("bert-base-uncased", "text_embedding", 11.0)],
        "old_whisper.json": _result("whisper", "audio", 3.0),
        "new_whisper.json": _result("openai/whisper-tiny", "audio", 3.5),
        "other.json": _result("bert-base-cased", "text_embedding", 9.0),  # a different model, not a duplicate
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


def _models(db: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute("SELECT model_name, model_family FROM models ORDER BY model_name").fetchall()


def test_likely_duplicates_are_listed_with_the_alias_that_merges_them(
    accel_orm: Runner, named_differently: Path, tmp_path: Path
) -> None:
    db, report = tmp_path / "bench.duckdb", tmp_path / "migration.md"
    done = accel_orm("--db", db, "migrate-json", "--directories", named_differently, "--report", report)
    assert done.returncode == 0, done.stderr
    assert "4 likely duplicate name(s)" in done.stdout
    markdown = report.read_text(encoding="utf-8")
    assert "## Likely duplicate names (4)" in markdown
    for suggestion in (
        "--model-alias bert=bert-base-uncased",
        "--model-alias bert=bert-base-cased",  # "bert" could be either: both are listed
        "--model-alias whisper=openai/whisper-tiny",
        "--family-alias embedding=text_embedding",
    ):
        assert suggestion in markdown
    # Two different models whose words differ are not duplicates.
    assert "bert-base-cased=bert-base-uncased" not in markdown
    assert "bert-base-uncased=bert-base-cased" not in markdown


def test_aliases_are_applied_on_import(accel_orm: Runner, named_differently: Path, tmp_path: Path) -> None:
    db = tmp_path / "bench.duckdb"
    done = accel_orm(
        "--db", db, "migrate-json", "--directories", named_differently,
        "--model-alias", "bert=bert-base-uncased", "--model-alias", "whisper=openai/whisper-tiny",
        "--family-alias", "embedding=text_embedding",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _models(db) == [
        ("bert-base-cased", "text_embedding"),
        ("bert-base-uncased", "text_embedding"),
        ("openai/whisper-tiny", "audio"),
    ]
    with duckdb.connect(str(db), read_only=True) as connection:
        per_model = connection.execute(
            "SELECT m.model_name, count(*) FROM performance_results p JOIN models m USING (model_id) "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert per_model == [("bert-base-cased", 1), ("bert-base-uncased", 2), ("openai/whisper-tiny", 2)]
    assert "renamed 3 model/family name(s)" in done.stdout
    assert "likely duplicate" not in done.stdout


def test_the_python_api_takes_the_same_aliases(named_differently: Path, tmp_path: Path) -> None:
    engine = get_engine(tmp_path / "api.duckdb")
    try:
        report = migrate_json(
            engine,
            [named_differently],
            model_aliases={"bert": "bert-base-uncased"},
            family_aliases={"embedding": "text_embedding"},
        )
    finally:
        engine.dispose()
    assert ("bert", "embedding") not in _models(tmp_path / "api.duckdb")
    assert report.likely_duplicates == [LikelyDuplicate("model", "whisper", "openai/whisper-tiny")]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--model-alias", "bert", "--model-alias expects OLD=NEW"),
        ("--model-alias", "=x", "--model-alias expects OLD=NEW"),
        ("--family-alias", "a=a", "mapped to itself"),
    ],
)
def test_a_bad_alias_is_refused_before_anything_is_written(
    accel_orm: Runner, named_differently: Path, tmp_path: Path, flag: str, value: str, message: str
) -> None:
    db = tmp_path / "bench.duckdb"
    done = accel_orm("--db", db, "migrate-json", "--directories", named_differently, flag, value)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not db.exists()


def test_alias_chains_and_conflicts_are_refused() -> None:
    with pytest.raises(ValueError, match="chain"):
        parse_aliases(["a=b", "b=c"], flag="--model-alias")
    with pytest.raises(ValueError, match="maps 'a' twice"):
        parse_aliases(["a=b", "a=c"], flag="--model-alias")


def test_duplicate_detection_compares_words_not_spelling() -> None:
    found = likely_duplicates("model", ["bert", "BERT_base", "bert-base-cased"], among=["bert-base-uncased"])
    pairs = {(d.name, d.other) for d in found}
    assert ("bert", "bert-base-uncased") in pairs and ("bert", "bert-base-cased") in pairs
    assert ("BERT_base", "bert-base-uncased") in pairs  # its words are all in the other's
    assert ("bert-base-cased", "bert-base-uncased") not in pairs and (
        "bert-base-uncased",
        "bert-base-cased",
    ) not in pairs


# --- size limit -------------------------------------------------------------------------------------------------


def test_a_huge_file_is_skipped_unread_with_the_reason(accel_orm: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    huge = folder / "dump.json"
    with huge.open("wb") as handle:  # a sparse 3 GiB file: reading it whole would take gigabytes of memory
        handle.truncate(3 * 1024**3)
    (folder / "small.json").write_text(json.dumps(_result("t5-small", "text_generation", 5.0)), encoding="utf-8")
    db, report = tmp_path / "bench.duckdb", tmp_path / "migration.md"
    done = accel_orm("--db", db, "migrate-json", "--directories", folder, "--report", report, "-v")
    assert done.returncode == 0, done.stderr
    assert "1 skipped" in done.stdout
    expected = f"too large: 3,072.0 MB is over the {DEFAULT_MAX_FILE_MB:g} MB limit, not read"
    assert expected in done.stdout and expected in report.read_text(encoding="utf-8")
    assert _models(db) == [("t5-small", "text_generation")]
    assert CLI_DEFAULT == DEFAULT_MAX_FILE_MB


def test_max_file_mb_is_configurable(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "padded.json").write_text(
        json.dumps({**_result("t5-small", "text_generation", 5.0), "details": {"pad": "x" * 300_000}}),
        encoding="utf-8",
    )
    engine = get_engine(tmp_path / "bench.duckdb")
    try:
        skipped = migrate_json(engine, [folder], max_file_mb=0.25)
        imported = migrate_json(engine, [folder], max_file_mb=1)
    finally:
        engine.dispose()
    assert [(e.status, e.reason) for e in skipped.files] == [
        (FileStatus.SKIPPED, "too large: 0.3 MB is over the 0.25 MB limit, not read (raise it with --max-file-mb / "
         "max_file_mb)")
    ]  # fmt: skip
    assert [e.status for e in imported.files] == [FileStatus.IMPORTED]
    with pytest.raises(ValueError, match="max_file_mb"):
        migrate_json(get_engine(tmp_path / "other.duckdb"), [folder], max_file_mb=0)


@pytest.mark.parametrize("bad", ["0", "-5", "lots", "inf"])
def test_a_bad_max_file_mb_is_refused(accel_orm: Runner, tmp_path: Path, bad: str) -> None:
    done = accel_orm("migrate-json", "--directories", tmp_path, "--max-file-mb", bad)
    assert done.returncode == 2 and "--max-file-mb" in done.stderr


# --- stale archive copies ---------------------------------------------------------------------------------------


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield child
    child.kill()
    child.wait()


def test_a_killed_runs_part_files_are_removed_by_the_next_run(
    accel_orm: Runner, named_differently: Path, tmp_path: Path, live_process: subprocess.Popen[bytes]
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    archive = tmp_path / "done"
    (archive / "sub").mkdir(parents=True)
    stale = archive / "sub" / f".old_bert.json.p{dead.pid}-k2j4.part"
    stale.write_bytes(b'{"half a co')
    live = archive / f".new_bert.json.p{live_process.pid}-a9x1.part"
    live.write_bytes(b'{"being writ')
    db = tmp_path / "bench.duckdb"
    done = accel_orm("--db", db, "migrate-json", "--directories", named_differently, "--archive-dir", archive)
    assert done.returncode == 0, done.stderr
    assert f"removed stale leftover {stale.name} (its writer, PID {dead.pid}, is no longer running)" in done.stdout
    assert not stale.exists()
    assert live.exists()  # another run's copy in progress is never touched
    assert (archive / "old_bert.json").exists()  # and the run archived as usual
