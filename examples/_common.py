"""Shared by the examples: a database to run against (a temp file unless --db is given), filled with demo data."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from accel_orm import TestResultsDBHandler
from accel_orm.demo_data import generate_history


def database_from_args(description: str) -> str:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", help="DuckDB file or SQLAlchemy URL (default: a new temp DuckDB file with demo data)")
    args = parser.parse_args()
    if args.db:
        return args.db
    path = Path(tempfile.mkdtemp(prefix="accel-orm-example-")) / "benchmark_db.duckdb"
    with TestResultsDBHandler(db_path=path) as handler:
        handler.store_test_results(generate_history(days=28))
    return str(path)
