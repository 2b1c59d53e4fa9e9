"""The embedded default works without the optional PostgreSQL driver (`pip install .`, no extras)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# Make psycopg unimportable, then use the package end to end on DuckDB.
PROBE = textwrap.dedent(
    """
    import sys
    sys.modules["psycopg"] = None  # an import of it now raises ImportError
    from accel_orm import BenchmarkDBQuery, TestResultsDBHandler
    from accel_orm.cli import main
    with TestResultsDBHandler(db_path=sys.argv[1]) as handler:
        handler.store_test_result({"model_name": "m", "hardware_type": "cpu", "test_type": "inference",
                                   "performance": {"batch_size": 1, "throughput_items_per_second": 3.0}})
    with BenchmarkDBQuery(db_path=sys.argv[1]) as query:
        assert len(query.get_models()) == 1
    sys.exit(main(["--db", sys.argv[1], "query", "--report", "summary"]))
    """
)


def test_duckdb_needs_no_postgres_driver(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "x.duckdb")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "# Benchmark summary" in done.stdout
