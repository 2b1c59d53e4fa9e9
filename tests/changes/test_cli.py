"""``accel-orm query --changes`` and ``accel-orm changes ack|unack|list`` through the real console script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accel_orm.demo_data import injected_changes
from tests.cli.conftest import Runner

REQUIRED = {
    "change_id",
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "metric",
    "timestamp",
    "before",
    "after",
    "percent_change",
    "direction",
    "p_value",
    "method",
    "acknowledged",
}


def _changes(accel_orm: Runner, db: Path, *flags: str) -> list[dict[str, object]]:
    done = accel_orm("--db", db, "query", "--changes", *flags, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list)
    return rows


def test_changes_json_is_a_flat_array_of_the_planted_changes(accel_orm: Runner, demo_db: Path) -> None:
    rows = _changes(accel_orm, demo_db)
    assert rows and all(set(row) >= REQUIRED for row in rows)
    assert all(isinstance(row["timestamp"], str) and "T" in row["timestamp"] for row in rows)  # ISO-8601
    by_series = {(r["model_name"], r["hardware_type"], r["device_name"]): r["direction"] for r in rows}
    assert by_series == {
        key: "regression" if factor < 1 else "improvement" for key, factor in injected_changes().items()
    }
    assert {r["batch_size"] for r in rows} == {1, 8}
    assert {r["method"] for r in rows} == {"changepoint"}

    regressions = _changes(accel_orm, demo_db, "--regressions-only", "--metric", "latency")
    assert regressions and {r["direction"] for r in regressions} == {"regression"}
    assert "vit-base-patch16-224" not in {r["model_name"] for r in regressions}
    assert _changes(accel_orm, demo_db, "--model", "t5-small") == []
    assert {r["hardware_type"] for r in _changes(accel_orm, demo_db, "--hardware", "CUDA")} == {"cuda"}
    assert _changes(accel_orm, demo_db, "--since", "2999-01-01") == []


def test_changes_in_markdown_and_csv(accel_orm: Runner, demo_db: Path) -> None:
    markdown = accel_orm("--db", demo_db, "query", "--changes")
    assert markdown.returncode == 0 and "| change_id" in markdown.stdout and "whisper-tiny" in markdown.stdout
    csv = accel_orm("--db", demo_db, "query", "--changes", "--format", "csv")
    assert csv.returncode == 0 and csv.stdout.splitlines()[0].startswith("change_id,model_name,")


def test_regressions_by_changepoint_leave_the_improvement_out(accel_orm: Runner, demo_db: Path) -> None:
    done = accel_orm("--db", demo_db, "query", "--regressions", "--method", "changepoint", "--format", "json")
    assert done.returncode == 0, done.stderr
    (section,) = json.loads(done.stdout)["sections"]
    rows = section["table"]["rows"]
    assert {r["model_name"] for r in rows} == {"bert-base-uncased", "whisper-tiny"}
    assert "changepoint" in section["text"]


def test_ack_list_unack(accel_orm: Runner, demo_db: Path, tmp_path: Path) -> None:
    demo_db = Path(shutil.copy(demo_db, tmp_path / "writable.duckdb"))
    whisper = next(r for r in _changes(accel_orm, demo_db) if r["model_name"] == "whisper-tiny")
    change = str(whisper["change_id"])
    done = accel_orm("--db", demo_db, "changes", "ack", change, "--reason", "shader rewrite", "--by", "ana")
    assert done.returncode == 0, done.stderr
    marked = {r["change_id"]: r["acknowledged"] for r in _changes(accel_orm, demo_db)}
    assert marked.pop(change) is True and not any(marked.values())

    listing = accel_orm("--db", demo_db, "changes", "list", "--open", "--metric", "throughput", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    open_ids = {r["change_id"] for r in json.loads(listing.stdout)}
    assert change not in open_ids and len(open_ids) == len(marked)
    decided = accel_orm("--db", demo_db, "changes", "list", "--acknowledged", "--format", "json")
    (decision,) = json.loads(decided.stdout)
    assert decision["change_id"] == change and decision["reason"] == "shader rewrite"
    assert decision["acknowledged_by"] == "ana"

    assert accel_orm("--db", demo_db, "changes", "unack", change).returncode == 0
    assert not any(r["acknowledged"] for r in _changes(accel_orm, demo_db))


def test_an_acknowledged_regression_no_longer_fails_the_gate(accel_orm: Runner, demo_db: Path, tmp_path: Path) -> None:
    demo_db = Path(shutil.copy(demo_db, tmp_path / "gate.duckdb"))
    gate = ("--db", demo_db, "query", "--regressions", "--method", "changepoint", "--fail-on-regression")
    assert accel_orm(*gate).returncode == 3  # the planted regressions fail it
    for row in _changes(accel_orm, demo_db, "--regressions-only"):
        done = accel_orm("--db", demo_db, "changes", "ack", str(row["change_id"]), "--reason", "accepted")
        assert done.returncode == 0, done.stderr
    passed = accel_orm(*gate)
    assert passed.returncode == 0, passed.stderr
    assert "whisper-tiny" in passed.stdout  # still listed (acknowledged), just no longer failing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("changes", "ack", "throughput-000000000000", "--reason", "x"), "no detected throughput change"),
        (("changes", "ack", "nonsense", "--reason", "x"), "not of the form"),
        (("changes", "unack", "throughput-000000000000"), "is not acknowledged"),
        (("query", "--regressions-only"), "--regressions-only goes with --changes"),
        (("query", "--regressions", "--metric", "power"), "--metric power needs --changes"),
    ],
)
def test_user_errors_are_one_clean_line(accel_orm: Runner, demo_db: Path, args: tuple[str, ...], message: str) -> None:
    done = accel_orm("--db", demo_db, *args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
