"""Runs as composable Selects: the list ``accel-orm runs`` prints and the results of one run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from accel_orm.models import HardwarePlatform, Model, PerformanceResult, TestResult, TestRun


def run_order() -> tuple[ColumnElement[Any], ...]:
    """Newest first: by start time (creation time when unknown), then by id."""
    return (func.coalesce(TestRun.started_at, TestRun.created_at).desc(), TestRun.run_id.desc())


def runs(branch: str | None = None, limit: int | None = None) -> Select:
    """Recorded runs, newest first.

    Result columns: ``run_id, git_commit, git_branch, git_dirty, started_at, results`` (test results stored in the
    run), ``hostname, machine_fingerprint, ci_provider, ci_job_url, test_name``.
    """
    counts = (
        select(TestResult.run_id, func.count().label("results"))
        .where(TestResult.run_id.is_not(None))
        .group_by(TestResult.run_id)
        .subquery("run_result_counts")
    )
    stmt = (
        select(
            TestRun.run_id,
            TestRun.git_commit,
            TestRun.git_branch,
            TestRun.git_dirty,
            TestRun.started_at,
            func.coalesce(counts.c.results, 0).label("results"),
            TestRun.hostname,
            TestRun.machine_fingerprint,
            TestRun.ci_provider,
            TestRun.ci_job_url,
            TestRun.test_name,
        )
        .outerjoin(counts, counts.c.run_id == TestRun.run_id)
        .order_by(*run_order())
    )
    if branch is not None:
        stmt = stmt.where(TestRun.git_branch == branch)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def run_performance(run_id: int) -> Select:
    """The performance rows of one run with names resolved.

    Result columns: ``model_name, hardware_type, device_name, batch_size, sequence_length, precision, test_case,
    average_latency_ms, latency_stddev_ms, sample_count, throughput_items_per_second, is_simulated``.
    """
    p = PerformanceResult
    return (
        select(
            Model.model_name,
            HardwarePlatform.hardware_type,
            HardwarePlatform.device_name,
            p.batch_size,
            p.sequence_length,
            p.precision,
            p.test_case,
            p.average_latency_ms,
            p.latency_stddev_ms,
            p.sample_count,
            p.throughput_items_per_second,
            p.is_simulated,
        )
        .select_from(p)
        .join(Model, Model.model_id == p.model_id)
        .join(HardwarePlatform, HardwarePlatform.hardware_id == p.hardware_id)
        .where(p.run_id == run_id)
        .order_by(Model.model_name, HardwarePlatform.hardware_type, p.test_case, p.batch_size)
    )
