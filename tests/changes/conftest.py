"""The console-script runner of tests/cli, and one demo database per module (``accel-orm demo`` takes seconds)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import _console_script, accel_orm

__all__ = ["accel_orm", "demo_db"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database written by the real ``accel-orm demo`` (21 days); tests that write to it copy it first."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    done = subprocess.run(
        [*_console_script(), "--db", str(db), "-q", "demo", "--days", "21", "--output", str(folder / "report.html")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    return db
