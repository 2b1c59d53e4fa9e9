"""check_integrity: a clean database passes, and every kind of problem is found and named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, text

from accel_orm import HardwareCompatibility, Model, PerformanceResult, PowerMetric, get_engine
from accel_orm.maintenance import IntegrityReport, check_integrity
from accel_orm.maintenance.integrity import references
from accel_orm.schema import upgrade

from .conftest import Populated, populate


def _failing(report: IntegrityReport) -> dict[str, tuple[int, tuple[str, ...]]]:
    return {check.name: (check.found, check.examples) for check in report.problems}


def test_every_reference_is_checked() -> None:
    """Database foreign keys and the application-level test_id references alike."""
    checked = {(child.table.name, child.name, parent.table.name) for child, parent in references()}
    assert ("power_metrics", "test_id", "test_results") in checked
    assert ("performance_results", "test_id", "test_results") in checked
    for child in ("test_results", "performance_results", "hardware_compatibility", "power_metrics"):
        assert (child, "model_id", "models") in checked
        assert (child, "hardware_id", "hardware_platforms") in checked


def test_clean_database_passes(populated: Populated) -> None:
    report = check_integrity(populated.engine)
    assert report.ok, report.to_text()
    assert report.schema_state == "current"
    categories = {check.category for check in report.checks}
    assert categories == {"schema", "orphans", "constraints"}
    assert len(report.checks) > 30  # says what it checked, not only what failed
    assert "OK" in report.lines()[0]


def test_orphaned_test_id_is_found_and_named(populated: Populated) -> None:
    with populated.engine.begin() as connection:
        connection.execute(insert(PowerMetric), {"test_id": 987654, "model_id": 1, "hardware_id": 1})
        connection.execute(insert(PerformanceResult), {"test_id": 123456, "model_id": 1, "hardware_id": 1})
    report = check_integrity(populated.engine)
    assert not report.ok
    failing = _failing(report)
    found, examples = failing["power_metrics.test_id -> test_results.id orphaned rows"]
    assert found == 1
    assert "test_id=987654" in examples[0]
    assert failing["performance_results.test_id -> test_results.id orphaned rows"][0] == 1
    assert set(failing) == {
        "power_metrics.test_id -> test_results.id orphaned rows",
        "performance_results.test_id -> test_results.id orphaned rows",
    }
    assert "987654" in report.to_text()
    assert len(report.lines(verbose=False)) == 1 + 2


def test_database_behind_head_is_reported(db_url: str) -> None:
    engine = get_engine(db_url)
    try:
        upgrade.downgrade(engine, "0001_initial_schema")
        report = check_integrity(engine)
    finally:
        engine.dispose()
    assert not report.ok
    assert report.schema_state == "outdated"
    assert report.revision == "0001_initial_schema"
    assert report.problems[0].category == "schema"
    assert "outdated" in report.problems[0].examples[0]


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = get_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_constraint_violations_the_database_no_longer_enforces_are_found(pg_engine: Engine) -> None:
    """Data loaded while a constraint was missing is re-checked in SQL (and the missing index is a schema diff)."""
    populate(pg_engine)
    with pg_engine.begin() as connection:
        for table, constraint in (
            ("performance_results", "ck_performance_results_p99_latency_ms_nonneg"),
            ("hardware_compatibility", "ck_hardware_compatibility_compatibility_score_range"),
            ("hardware_compatibility", "ck_hardware_compatibility_compatibility_status_valid"),
        ):
            connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"))
        connection.execute(text("DROP INDEX uq_models_model_name"))
        connection.execute(insert(Model), [{"model_name": "twin"}, {"model_name": "twin"}])
        connection.execute(insert(PerformanceResult), {"model_id": 1, "hardware_id": 1, "p99_latency_ms": -1.0})
        connection.execute(
            insert(HardwareCompatibility),
            {"model_id": 1, "hardware_id": 1, "compatibility_status": "maybe", "compatibility_score": 1.5},
        )
    failing = _failing(check_integrity(pg_engine))
    assert failing["performance_results.p99_latency_ms negative"][0] == 1
    assert failing["models duplicate keys of unique index uq_models_model_name"] == (1, ("('twin') x2",))
    assert failing["hardware_compatibility.compatibility_score outside 0..1"][0] == 1
    status = "hardware_compatibility.compatibility_status not in supported, limited, unsupported"
    assert failing[status] == (1, ("hardware_compatibility.id=1 compatibility_status='maybe'",))
    found, diffs = failing["models match the database (alembic autogenerate diff)"]
    assert found == 1 and diffs == ("add_index models.uq_models_model_name",)


def test_run_references_are_checked_and_orphans_found_where_the_database_cannot(populated: Populated) -> None:
    checked = {(child.table.name, child.name, parent.table.name) for child, parent in references()}
    for child in ("test_results", "performance_results", "power_metrics"):
        assert (child, "run_id", "test_runs") in checked
    # test_results.run_id is a foreign key on neither engine (partitioned on PostgreSQL): the check reports it.
    with populated.engine.begin() as connection:
        connection.execute(text("UPDATE test_results SET run_id = 4242 WHERE id = (SELECT min(id) FROM test_results)"))
    failing = _failing(check_integrity(populated.engine))
    found, examples = failing["test_results.run_id -> test_runs.run_id orphaned rows"]
    assert found == 1 and "run_id=4242" in examples[0]


def test_is_compatible_disagreeing_with_the_status_is_found(populated: Populated) -> None:
    with populated.engine.begin() as connection:
        connection.execute(text("DELETE FROM hardware_compatibility"))
        connection.execute(
            insert(HardwareCompatibility),
            {"model_id": 1, "hardware_id": 1, "compatibility_status": "unsupported", "is_compatible": True},
        )
    failing = _failing(check_integrity(populated.engine))
    found, examples = failing["hardware_compatibility.is_compatible disagrees with compatibility_status"]
    assert found == 1 and "is_compatible=True" in examples[0]
