"""Do the secondary indexes on the fact tables earn their place on DuckDB? Each one against the queries that use it.

    .venv/bin/python benchmarks/indexes.py --path /tmp/idx_10m.duckdb      # 10M rows, built once, then reused

Builds the 10,000,000-row database of ``benchmarks/queries.py`` (its ``generate``), links every performance row
to one of the 200,000 test results (``test_id``, as ingest does), copies the file, drops the secondary indexes
of ``test_results``, ``performance_results`` and ``power_metrics`` in the copy, and then times, interleaved, on
both files (one held connection each, ``to_frame`` of the module's statement, median of ``--repeats``):
- every ``accel_orm.queries`` analysis that filters or joins on an indexed column (time windows, model and
  hardware filters, the ``test_id`` join, one run's rows and the comparison of two runs; one nightly run per
  day, ``link_runs``), the point lookups the maintenance jobs run (one result's rows by ``test_id``, one month
  by time), and
- inserting 100,000 pre-built results (Arrow ``INSERT ... SELECT``) into a copy of each file.
It also prints the space each file uses. An index earns its place only if some query is clearly faster with it.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Select, func, select

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from ingest import arrow_into, make_results, prebuild  # noqa: E402
from queries import AS_OF, DAYS, START, generate  # noqa: E402

from accel_orm import PerformanceResult, TestResult, get_engine  # noqa: E402
from accel_orm import queries as q  # noqa: E402
from accel_orm.compare.query import comparison  # noqa: E402
from accel_orm.frames import to_frame  # noqa: E402
from accel_orm.queries import runs, summary  # noqa: E402

RUN = DAYS - 3  # a recent nightly run (one per day, see link_runs)

FACT_TABLES = ("test_results", "performance_results", "power_metrics")
INDEXES_OF_0001 = (
    ("ix_test_results_timestamp", "test_results", ["timestamp"]),
    ("ix_test_results_model_id_hardware_id", "test_results", ["model_id", "hardware_id"]),
    ("ix_performance_results_test_timestamp", "performance_results", ["test_timestamp"]),
    ("ix_performance_results_model_id_hardware_id", "performance_results", ["model_id", "hardware_id"]),
    ("ix_performance_results_test_id", "performance_results", ["test_id"]),
    ("ix_power_metrics_test_id", "power_metrics", ["test_id"]),
    ("ix_power_metrics_test_timestamp", "power_metrics", ["test_timestamp"]),
    ("ix_power_metrics_model_id_hardware_id", "power_metrics", ["model_id", "hardware_id"]),
)


def secondary_indexes(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, DDL) of each non-unique index on the fact tables, by name."""
    rows = connection.execute(
        "SELECT index_name, sql FROM duckdb_indexes() WHERE table_name IN ? AND NOT is_unique",
        [list(FACT_TABLES)],
    ).fetchall()
    return sorted(rows)


def build(path: Path, rows: int) -> None:
    started = time.perf_counter()
    generate(path, rows)
    with duckdb.connect(str(path)) as connection:
        # Link performance rows to test results as ingest does (ids ascend with time on both tables), then give
        # the file every index revision 0001 created, whatever the current head does on DuckDB.
        tests = connection.execute("SELECT count(*) FROM test_results").fetchone()[0]
        connection.execute("UPDATE performance_results SET test_id = (id - 1) * ? // ? + 1", [tests, rows])
        link_runs(connection)
        for name, table, columns in INDEXES_OF_0001:
            connection.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")
        connection.execute("CHECKPOINT")
    print(f"built {rows:,} performance rows in {time.perf_counter() - started:.0f} s: {path}")


def link_runs(connection: duckdb.DuckDBPyConnection) -> None:
    """One nightly run per day, as a CI job stores them: every row of a day belongs to that day's run (~55,000
    performance rows a run), and ``test_runs`` records the runs."""
    connection.execute(
        "INSERT INTO test_runs (run_id, test_name, test_type, started_at)"
        " SELECT d + 1, 'nightly', 'performance', ?::TIMESTAMP + to_days(d::INTEGER) FROM range(?) t(d)",
        [START, DAYS],
    )
    for table, stamp in (("test_results", "timestamp"), ("performance_results", "test_timestamp")):
        # DuckDB updates an indexed column as a delete plus an insert: the run index is made afresh after.
        connection.execute(f"DROP INDEX IF EXISTS ix_{table}_run_id")
        connection.execute(f"UPDATE {table} SET run_id = date_diff('day', ?::TIMESTAMP, {stamp}) + 1", [START])
        connection.execute(f"CREATE INDEX ix_{table}_run_id ON {table} (run_id)")


def without_indexes(path: Path) -> Path:
    copy = path.with_name(path.stem + "-no-secondary-indexes.duckdb")
    shutil.copyfile(path, copy)
    with duckdb.connect(str(copy)) as connection:
        for name, _ in secondary_indexes(connection):
            connection.execute(f'DROP INDEX "{name}"')
        connection.execute("CHECKPOINT")
    return copy


def used_mib(path: Path) -> float:
    """Blocks in use (a file never shrinks after DROP INDEX, so its size says nothing)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        used, size = connection.execute("SELECT used_blocks, block_size FROM pragma_database_size()").fetchone()
    return used * size / 2**20


def cases() -> dict[str, Callable[[], Select]]:
    month = datetime(2025, 3, 1)
    perf = PerformanceResult
    return {
        "regressions (test_timestamp window)": lambda: q.regressions(as_of=AS_OF, method="zscore"),
        "trend since (test_timestamp >=)": lambda: q.trend(metric="throughput", since=AS_OF - timedelta(days=14)),
        "performance(model, hardware) (model_id, hardware_id)": lambda: q.performance("model-0042", "cuda"),
        "hardware_comparison(model) (model_id)": lambda: q.hardware_comparison("model-0042", batch_size=1),
        "recent_failures since (timestamp >=)": lambda: summary.recent_failures(since=AS_OF - timedelta(days=2)),
        "browser_comparison (test_id join)": lambda: q.browser_comparison("webgpu"),
        "one result's rows (test_id =)": lambda: select(perf).where(perf.test_id == 123_456),
        "one month of rows (test_timestamp range)": lambda: select(func.count()).where(
            perf.test_timestamp >= month, perf.test_timestamp < month.replace(month=4)
        ),
        "one month of results (timestamp range)": lambda: select(func.count()).where(
            TestResult.timestamp >= month, TestResult.timestamp < month.replace(month=4)
        ),
        "run_performance(run) (run_id =)": lambda: runs.run_performance(RUN),
        "comparison of two runs (run_id IN)": lambda: comparison(RUN - 1, RUN, metric="throughput"),
        "runs() with their result counts (run_id)": lambda: runs.runs(limit=20),
    }


def paired(first: Callable[[], Any], second: Callable[[], Any], repeats: int) -> tuple[list[float], list[float]]:
    first()
    second()
    timings: tuple[list[float], list[float]] = ([], [])
    for repeat in range(repeats):
        for side in (0, 1) if repeat % 2 == 0 else (1, 0):
            gc.collect()
            started = time.perf_counter()
            (first, second)[side]()
            timings[side].append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", type=Path, required=True, help="the 10M-row file (built if missing, then reused)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--only", default="", help="time only the queries whose name contains this text")
    args = parser.parse_args()
    if not args.path.exists():
        build(args.path, args.rows)
    bare = without_indexes(args.path)
    with duckdb.connect(str(args.path)) as connection:
        indexes = secondary_indexes(connection)
    print("secondary indexes on the fact tables:", ", ".join(name for name, _ in indexes))
    print(f"space in use: {used_mib(args.path):,.0f} MiB with them, {used_mib(bare):,.0f} MiB without")
    print(f"\n{'query (the index it could use)':<56}{'with':>10}{'without':>10}{'ratio':>8}   (ms, medians)")
    # auto_upgrade=False: the files keep the revision they were built at; only their indexes differ.
    with_engine, bare_engine = get_engine(args.path, auto_upgrade=False), get_engine(bare, auto_upgrade=False)
    try:
        with with_engine.connect() as indexed, bare_engine.connect() as plain:
            for name, stmt in cases().items():
                if args.only not in name:
                    continue
                ours, theirs = paired(
                    lambda s=stmt: to_frame(s(), indexed), lambda s=stmt: to_frame(s(), plain), args.repeats
                )
                a, b = statistics.median(ours), statistics.median(theirs)
                print(f"{name:<56}{a * 1e3:>10.2f}{b * 1e3:>10.2f}{b / a:>8.2f}")
    finally:
        with_engine.dispose()
        bare_engine.dispose()
    if args.only:
        bare.unlink()
        return
    # Writing: the same 100,000 pre-built results (ids left to the sequences) into copies of the files: with
    # every index, with only those the head revision keeps on DuckDB (the run_id ones), and with none.
    arrow_tables = {name: table.drop_columns(["id"]) for name, table in prebuild(make_results(100_000)).arrow().items()}
    indexed_copy = args.path.with_name(args.path.stem + "-store.duckdb")
    shutil.copyfile(args.path, indexed_copy)  # the reused 10M-row file itself stays as built
    head_copy = with_indexes_of_head(args.path, bare)
    print(f"space in use with only the indexes head keeps on DuckDB: {used_mib(head_copy):,.0f} MiB")
    stores: tuple[list[float], list[float], list[float]] = ([], [], [])
    for _ in range(5):
        for side, location in enumerate((indexed_copy, head_copy, bare)):
            stores[side].append(arrow_into(f"duckdb:///{location}", arrow_tables))
    every, head, none = (statistics.median(side) for side in stores)
    for label, a in (("INSERT 100,000 results, 10M-row file, every index", every), ("... only head's", head)):
        print(f"{label:<56}{a * 1e3:>10.0f}{none * 1e3:>10.0f}{none / a:>8.2f}")
    for path in (bare, indexed_copy, head_copy):
        path.unlink()


def with_indexes_of_head(path: Path, bare: Path) -> Path:
    """A copy of ``bare`` given back the secondary indexes that the head revision itself keeps on DuckDB (those
    of ``path`` that revision 0001 did not create and 0006 does not drop)."""
    dropped_by_0006 = {name for name, _, _ in INDEXES_OF_0001}
    with duckdb.connect(str(path), read_only=True) as connection:
        kept = [ddl for name, ddl in secondary_indexes(connection) if name not in dropped_by_0006]
    copy = bare.with_name(bare.stem + "-head-indexes.duckdb")
    shutil.copyfile(bare, copy)
    with duckdb.connect(str(copy)) as connection:
        for ddl in kept:
            connection.execute(ddl)
        connection.execute("CHECKPOINT")
    return copy


if __name__ == "__main__":
    main()
