"""A non-editable install carries the migrations: an installed accel_orm upgrades a database with no checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(REPO)],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("accel_orm-*.whl")
    return built


def test_wheel_ships_the_py_typed_marker(wheel: Path) -> None:
    """Applications importing accel_orm get its type hints (PEP 561)."""
    assert "accel_orm/py.typed" in set(zipfile.ZipFile(wheel).namelist())


def test_wheel_contains_the_migration_scripts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "accel_orm/_migrations/env.py" in names
    assert "accel_orm/_migrations/versions/0001_initial_schema.py" in names
    assert "accel_orm/_migrations/versions/0002_partition_test_results.py" in names
    assert "accel_orm/_migrations/versions/0003_import_ledger.py" in names
    assert "accel_orm/_migrations/versions/0006_fact_table_indexes.py" in names
    assert "accel_orm/_migrations/versions/0007_partitions_attached.py" in names
    assert any(name.endswith("entry_points.txt") for name in names)
    # the HTML report's chart library, its licence and our glue ship inside the package (the page embeds them)
    for asset in ("uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE", "series_charts.js"):
        assert f"accel_orm/reports/render/assets/{asset}" in names


def test_installed_package_upgrades_a_database_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        timeout=600,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy comes first on the path, ahead of the editable checkout in this environment.
    env = {**os.environ, "PYTHONPATH": str(site)}
    database = tmp_path / "x.duckdb"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, accel_orm.cli; print(accel_orm.__file__, file=sys.stderr); sys.exit(accel_orm.cli.main())",
            "--db",
            str(database),
            "db",
            "upgrade",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert str(site) in done.stderr, "the test must exercise the installed copy, not the checkout"
    assert "0007_partitions_attached (head)" in done.stdout
    assert "test_results" in done.stdout
    assert database.exists()
