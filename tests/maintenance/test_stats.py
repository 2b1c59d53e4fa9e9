"""generate_stats: counts, rankings, date range and size."""

from __future__ import annotations

from sqlalchemy import Engine

from accel_orm.maintenance import generate_stats

from .conftest import HARDWARE, MODEL_NAMES, MONTHS, RUNS_PER_MONTH, Populated, counts


def test_counts_rankings_and_date_range(populated: Populated) -> None:
    report = generate_stats(populated.engine)
    assert report.table_counts == counts(populated.engine)
    assert report.table_counts["test_results"] == populated.results_per_month * len(MONTHS)
    per_model = RUNS_PER_MONTH * len(HARDWARE) * len(MONTHS)
    assert report.top_models == [(name, per_model) for name in sorted(MODEL_NAMES)]
    per_hardware = RUNS_PER_MONTH * len(MODEL_NAMES) * len(MONTHS)
    assert report.top_hardware == [("cpu", per_hardware), ("cuda (A100)", per_hardware)]
    assert report.first_result.strftime("%Y-%m-%d") == "2025-01-02"
    assert report.last_result.strftime("%Y-%m-%d") == "2025-06-27"
    assert report.size_bytes and report.size_bytes > 0
    text = report.to_text()
    assert "- test_results: 144 rows" in text
    assert "Test results from 2025-01-02" in text
    assert "- bert-base-uncased: 36 tests" in text


def test_empty_database(engine: Engine) -> None:
    report = generate_stats(engine, top=3)
    assert set(report.table_counts.values()) == {0}
    assert report.first_result is None and report.top_models == []
    assert "(none)" in report.to_text()
