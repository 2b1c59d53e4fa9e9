"""Recording runs while storing results: run=..., a result's "run" sub-dict, the handler's own run (both engines)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from accel_orm import InvalidResultError, TestResultsDBHandler
from accel_orm.ingest import store_results

SHA = "0123456789abcdef0123456789abcdef01234567"


def result(**extra: Any) -> dict[str, Any]:
    return {
        "model_name": "bert-base-uncased",
        "hardware_type": "cuda",
        "test_type": "inference",
        "success": True,
        "performance": {"batch_size": 8, "average_latency_ms": 5.0, "precision": "fp16", "test_case": "t::bert"},
        "power_metrics": {"power_watts_avg": 3.0},
        **extra,
    }


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql)).all()]


def run_ids_of_facts(engine: Engine) -> set[Any]:
    return {
        row[0]
        for table in ("test_results", "performance_results", "power_metrics")
        for row in rows(engine, f"SELECT DISTINCT run_id FROM {table}")
    }


def test_run_given_to_the_call_is_recorded_and_linked(engine: Engine) -> None:
    run = {
        "git_commit": SHA,
        "git_branch": "main",
        "ci_provider": "github-actions",
        "ci_job_url": "https://x/1",
        "machine": {"cpu_model": "EPYC", "gpus": [{"name": "A100", "driver": "535"}]},
        "pipeline": "nightly",
    }
    report = store_results(engine, [result(), result()], run=run)
    assert report.runs_created == 1
    [(run_id, commit, branch, provider, url, test_name, test_type, metadata)] = rows(
        engine,
        "SELECT run_id, git_commit, git_branch, ci_provider, ci_job_url, test_name, test_type, metadata FROM test_runs",
    )
    assert report.run_ids == [run_id]
    assert (commit, branch, provider, url) == (SHA, "main", "github-actions", "https://x/1")
    assert (test_name, test_type) == ("accel_orm", "benchmark")  # the table's NOT NULL columns get defaults
    assert "nightly" in str(metadata)  # a key that names no run field is kept in metadata
    assert run_ids_of_facts(engine) == {run_id}
    assert rows(engine, "SELECT machine->>'cpu_model' FROM test_runs") == [("EPYC",)]


def test_result_sub_dicts_make_one_run_per_distinct_description(engine: Engine) -> None:
    a, b = {"git_commit": "a" * 40}, {"git_commit": "b" * 40}
    report = store_results(engine, [result(run=a), result(run=b), result(run=dict(a))], run=False)
    assert report.runs_created == 2
    counts = rows(
        engine,
        "SELECT r.git_commit, count(*) FROM test_results t JOIN test_runs r ON t.run_id = r.run_id "
        "GROUP BY r.git_commit ORDER BY 1",
    )
    assert counts == [("a" * 40, 2), ("b" * 40, 1)]


def test_run_false_records_no_run(engine: Engine) -> None:
    store_results(engine, [result()], run=False)
    assert rows(engine, "SELECT count(*) FROM test_runs") == [(0,)]
    assert run_ids_of_facts(engine) == {None}


def test_no_run_given_describes_the_environment(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_SHA", SHA)
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    monkeypatch.setenv("GITHUB_REPOSITORY", "org/repo")
    monkeypatch.setenv("GITHUB_RUN_ID", "99")
    store_results(engine, [result()])
    store_results(engine, [result()])  # the plain function: one run per call
    found = rows(
        engine,
        "SELECT git_commit, git_branch, ci_provider, ci_job_url, machine_fingerprint IS NOT NULL "
        "FROM test_runs ORDER BY run_id",
    )
    assert found == [(SHA, "main", "github-actions", "https://github.com/org/repo/actions/runs/99", True)] * 2


def test_a_handler_records_one_run_for_its_lifetime_and_many_when_told(db_url: str) -> None:
    with TestResultsDBHandler(db_url=db_url) as handler:
        handler.store_test_result(result())
        handler.store_test_results([result(), result()])
        own = handler.store_test_results([result()]).run_ids
        handler.store_test_result(result(), run={"git_commit": "c" * 40})
        handler.store_test_result(result(), run={"git_commit": "c" * 40})  # equal facts: the same run
        handler.store_test_result(result(), run=own[0])
        counts = rows(handler.engine, "SELECT run_id, count(*) FROM test_results GROUP BY run_id ORDER BY run_id")
    assert counts == [(own[0], 5), (counts[1][0], 2)]


def test_a_rejected_batch_leaves_no_run_behind(engine: Engine) -> None:
    with pytest.raises(InvalidResultError, match=r"\[1\] execution_time"):
        store_results(engine, [result(), result(execution_time=-1)], run={"git_commit": SHA})
    assert rows(engine, "SELECT count(*) FROM test_runs") == [(0,)]


def test_bad_run_facts_are_named_and_nothing_is_written(engine: Engine) -> None:
    with pytest.raises(InvalidResultError, match=r"run\.git_dirty: must be true or false, got 'yes'"):
        store_results(engine, [result()], run={"git_dirty": "yes"})
    with pytest.raises(InvalidResultError, match=r"\[0\] run\.started_at: must be an ISO-8601 time"):
        store_results(engine, [result(run={"started_at": "yesterday"})], run=False)
    assert rows(engine, "SELECT count(*) FROM test_results") == [(0,)]


def test_an_unknown_run_id_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidResultError, match=r"run\.run_id: no run with id 12345"):
        store_results(engine, [result(run={"run_id": 12345})])
    assert rows(engine, "SELECT count(*) FROM test_results") == [(0,)]


def test_later_tools_columns_are_filled(engine: Engine) -> None:
    simulated = result(
        is_simulated=True, simulation_reason="no GPU in CI", error_category="none", compatibility={"status": "limited"}
    )
    store_results(engine, [simulated, result(compatibility={"status": "unsupported"}, model_name="vit")], run=False)
    assert rows(engine, "SELECT is_simulated, simulation_reason FROM test_results ORDER BY id") == [
        (True, "no GPU in CI"),
        (False, None),
    ]
    # A performance row that says nothing about simulation inherits its test result's flag.
    assert rows(
        engine, "SELECT is_simulated, simulation_reason, precision, test_case FROM performance_results ORDER BY id"
    ) == [(True, "no GPU in CI", "fp16", "t::bert"), (False, None, "fp16", "t::bert")]
    assert rows(engine, "SELECT compatibility_status, is_compatible FROM hardware_compatibility ORDER BY 1") == [
        ("limited", True),
        ("unsupported", False),
    ]
    assert rows(engine, "SELECT count(*) FROM performance_results WHERE created_at IS NULL") == [(0,)]
