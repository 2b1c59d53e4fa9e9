"""REF resolution: run id, full commit, unique prefix (>= 7), branch; ambiguous and unknown REFs (both engines)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from accel_orm import RunNotFoundError
from accel_orm.ingest import store_results
from accel_orm.runs.refs import resolve_run

A = "aaaaaaa1" + "0" * 32
A2 = "aaaaaaa2" + "0" * 32
B = "1234567" + "b" * 33


def _record(engine: Engine, commit: str, branch: str, day: int) -> int:
    run = {"git_commit": commit, "git_branch": branch, "started_at": datetime(2026, 11, day)}
    result = {"model_name": "m", "hardware_type": "cpu", "test_type": "benchmark"}
    return store_results(engine, [result], run=run).run_ids[0]


@pytest.fixture
def recorded(engine: Engine) -> dict[str, int]:
    return {
        "a_main_old": _record(engine, A, "main", 1),
        "a_main_new": _record(engine, A, "main", 2),
        "a2_feature": _record(engine, A2, "feature", 3),
        "b_release": _record(engine, B, "release", 4),
    }


def resolve(engine: Engine, ref: str | int) -> int:
    with engine.connect() as connection:
        return resolve_run(connection, ref)


def test_run_id(engine: Engine, recorded: dict[str, int]) -> None:
    assert resolve(engine, str(recorded["a_main_old"])) == recorded["a_main_old"]
    assert resolve(engine, recorded["a2_feature"]) == recorded["a2_feature"]


def test_full_commit_and_unique_prefix_name_the_commits_latest_run(engine: Engine, recorded: dict[str, int]) -> None:
    assert resolve(engine, A) == recorded["a_main_new"]
    assert resolve(engine, A2[:8]) == recorded["a2_feature"]
    assert resolve(engine, A2[:8].upper()) == recorded["a2_feature"]


def test_branch_names_its_latest_run(engine: Engine, recorded: dict[str, int]) -> None:
    assert resolve(engine, "main") == recorded["a_main_new"]
    assert resolve(engine, "release") == recorded["b_release"]


def test_prefix_of_several_commits_is_ambiguous_and_lists_them(engine: Engine, recorded: dict[str, int]) -> None:
    with pytest.raises(RunNotFoundError, match="prefix of 2 commits") as raised:
        resolve(engine, "aaaaaaa")
    assert any(A in candidate for candidate in raised.value.candidates)
    assert any(A2 in candidate for candidate in raised.value.candidates)


def test_digits_that_are_a_run_id_and_a_commit_prefix_are_ambiguous(engine: Engine, recorded: dict[str, int]) -> None:
    with engine.begin() as connection:  # a run whose id is 1234567, next to commit 1234567bbb...
        connection.execute(
            text("INSERT INTO test_runs (run_id, test_name, test_type) VALUES (1234567, 'x', 'benchmark')")
        )
    with pytest.raises(RunNotFoundError, match="ambiguous") as raised:
        resolve(engine, "1234567")
    assert {c.split(" ")[1] for c in raised.value.candidates} == {"1234567", str(recorded["b_release"])}


def test_unknown_ref_lists_recent_runs(engine: Engine, recorded: dict[str, int]) -> None:
    with pytest.raises(RunNotFoundError, match="no run matches 'nope'") as raised:
        resolve(engine, "nope")
    assert raised.value.candidates[0].startswith(f"run {recorded['b_release']}:")


def test_short_prefix_says_how_long_a_prefix_must_be(engine: Engine, recorded: dict[str, int]) -> None:
    with pytest.raises(RunNotFoundError, match="at least 7 characters"):
        resolve(engine, "aaaa")


def test_no_runs_at_all(engine: Engine) -> None:
    with pytest.raises(RunNotFoundError, match="no runs are recorded yet"):
        resolve(engine, "main")
