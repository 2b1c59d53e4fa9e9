"""Fixtures for the JSON migration tests: a writable copy of the real runner output, and table counters."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from accel_orm.json_import.report import TABLES
from accel_orm.models import Base

RUN = "benchmark_results/benchmarks_20250305_195254/20250305_195301"
PERF = f"{RUN}/performance"


@pytest.fixture
def results_dir(fixtures_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the fixture folder (the original is read-only and must stay untouched)."""
    target = tmp_path / "results"
    shutil.copytree(fixtures_dir, target)
    for path in target.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for before/after comparisons."""
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one()
            for name in TABLES
        }
