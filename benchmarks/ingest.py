"""How fast does accel_orm store results, next to honest floors measured side by side in the same run?

    python benchmarks/ingest.py                       # DuckDB, 100,000 results, 5 interleaved repeats
    python benchmarks/ingest.py --url postgresql+psycopg://user@127.0.0.1:5432/bench

Every bulk side gets a fresh database per repeat, the sides are interleaved so drift on a shared machine hits
all alike, and each prints its median, min and max. The floors do NOT build their columns from the dicts inside
the timing: that is work only accel_orm does, and hiding it in a floor is what made old ratios look good.

DuckDB
  (a) ``store_test_results(results)``: the public API, validation included;
  (b) the same rows (ids and the run reference included) pre-built as Arrow tables, ``INSERT ... SELECT`` into
      the project's migrated tables (constraints, indexes, sequences as they ship) and COMMIT;
  (c) the same Arrow tables into bare tables with the same columns and no index or constraint;
  (b') as (b), but with the fact tables' foreign keys to ``models`` and ``hardware_platforms`` taken out:
      not a floor (accel_orm keeps them, so both engines refuse the same orphan rows), but the part of the
      gap between (b) and (c) that is DuckDB checking those keys and keeping its hidden index per key;
  (e) ``store_test_result(r)`` called repeatedly on ONE handler, against a held raw DuckDB connection that
      runs one bound single-row ``INSERT`` into test_results per result (each auto-committed, i.e. durable);
      the results are a harness loop's (four models); (e') is the worst case, a model never seen before in
      every call (each call then also creates a model row). accel_orm runs such a loop with DuckDB's worker
      threads off, so the floor is also timed on one thread, the stricter comparison;
  (f) converting the same dicts to Arrow columns at all, with nothing checked: one C-level struct conversion
      (``pa.array`` with the fields' types) plus ``details`` by the stdlib's C JSON encoder. Any API that takes
      dicts pays it, so (b) + (f) is the practical limit for (a);
  (6) a generator of 1,000,000 results through ``store_test_results`` in a child process, peak RSS.
PostgreSQL
  (a) ``store_test_results`` and (d) psycopg ``COPY`` of pre-formatted rows (``write_row`` of ready tuples) into
      the real partitioned tables (partitions and dimension rows exist beforehand), one transaction, COMMIT
      included; (d') the same rows already formatted as CSV text, written in one piece: no COPY loader can do less;
  (e) the per-call path against a held psycopg connection's single-row INSERT + COMMIT.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql as pg_sql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from accel_orm import TestResultsDBHandler, get_engine
from accel_orm.ingest.columnar import _json_encoder
from accel_orm.ingest.validate import _encode_json
from accel_orm.schema.partitions import ensure_test_result_partitions

MODELS = [f"model-{i:03d}" for i in range(200)]
HARDWARE = [
    ("cpu", None),
    ("cuda", "NVIDIA A100"),
    ("rocm", "MI250"),
    ("mps", "M2"),
    ("openvino", None),
    ("qualcomm", "Snapdragon 8 Gen 3"),
    ("webgpu", "chrome"),
    ("webnn", "firefox"),
]
START = datetime(2026, 1, 1, tzinfo=UTC)
FLOOR_RUN_ID = 1  # the test_runs row the floors' rows belong to, as accel_orm's belong to the run it records

PERF_COLUMNS = [
    "batch_size",
    "sequence_length",
    "average_latency_ms",
    "p50_latency_ms",
    "p90_latency_ms",
    "p99_latency_ms",
    "throughput_items_per_second",
    "memory_peak_mb",
]
POWER_COLUMNS = ["power_watts_avg", "power_watts_peak", "temperature_celsius_avg", "battery_impact_mah"]
TEST_COLUMNS = ["test_type", "status", "success", "execution_time", "memory_usage"]
# The results' fields as Arrow types, for (f): what a conversion that checks nothing would build.
RESULT_STRUCT = pa.struct(
    [
        *((name, pa.string()) for name in ["model_name", "hardware_type", "device_name", "test_type", "status"]),
        ("success", pa.bool_()),
        ("execution_time", pa.float64()),
        ("memory_usage", pa.float64()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        (
            "performance",
            pa.struct([(name, pa.int64() if i < 2 else pa.float64()) for i, name in enumerate(PERF_COLUMNS)]),
        ),
        ("power_metrics", pa.struct([(name, pa.float64()) for name in POWER_COLUMNS])),
    ]
)


def make_result(i: int, rng: random.Random) -> dict[str, Any]:
    hardware_type, device = HARDWARE[i % len(HARDWARE)]
    latency = rng.uniform(1, 50)
    result: dict[str, Any] = {
        "model_name": MODELS[i % len(MODELS)],
        "hardware_type": hardware_type,
        "device_name": device,
        "test_type": "inference",
        "status": "Success",
        "success": True,
        "execution_time": latency / 1000 * 10,
        "memory_usage": rng.uniform(100, 4000),
        "timestamp": START + timedelta(seconds=i * 30),
        "details": {"precision": "fp16", "iteration": i},
        "performance": {
            "batch_size": 1 << (i % 5),
            "sequence_length": 128,
            "average_latency_ms": latency,
            "p50_latency_ms": latency * 0.95,
            "p90_latency_ms": latency * 1.2,
            "p99_latency_ms": latency * 1.5,
            "throughput_items_per_second": 1000 / latency,
            "memory_peak_mb": rng.uniform(100, 4000),
        },
    }
    if i % 10 == 0:
        result["power_metrics"] = {
            "power_watts_avg": rng.uniform(1, 5),
            "power_watts_peak": rng.uniform(5, 9),
            "temperature_celsius_avg": rng.uniform(30, 50),
            "battery_impact_mah": 12.5,
        }
    return result


def make_results(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_result(i, rng) for i in range(count)]


def result_stream(count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(11)
    return (make_result(i, rng) for i in range(count))


# --- the rows, pre-built outside any timing -------------------------------------------------------------------------


@dataclass
class PrebuiltRows:
    """The benchmark's results as the fact tables' columns, ids included (dimension ids 1..n in list order).

    They are the rows accel_orm writes, ``run_id`` included: a store records the run it belongs to (run 1 here),
    and the run reference costs the engines index and foreign-key work a floor without it would not pay.
    """

    tables: dict[str, dict[str, list[Any]]]
    models: list[str] = field(default_factory=lambda: list(MODELS))
    hardware: list[tuple[str, str | None]] = field(default_factory=lambda: list(HARDWARE))

    def arrow(self) -> dict[str, pa.Table]:
        return {name: pa.table(columns) for name, columns in self.tables.items()}

    def rows(self) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
        return {name: (list(c), list(zip(*c.values(), strict=True))) for name, c in self.tables.items()}


def prebuild(results: list[dict[str, Any]]) -> PrebuiltRows:
    model_ids = {name: i + 1 for i, name in enumerate(MODELS)}
    hardware_ids = {key: i + 1 for i, key in enumerate(HARDWARE)}
    models = [model_ids[r["model_name"]] for r in results]
    hardware = [hardware_ids[(r["hardware_type"], r["device_name"])] for r in results]
    stamps = [r["timestamp"].astimezone(UTC).replace(tzinfo=None) for r in results]
    ids = list(range(1, len(results) + 1))
    runs = [FLOOR_RUN_ID] * len(results)
    test = {
        "id": ids,
        "timestamp": stamps,
        "test_date": [s.date().isoformat() for s in stamps],
        "model_id": models,
        "hardware_id": hardware,
        **{c: [r.get(c) for r in results] for c in TEST_COLUMNS},
        "details": [_encode_json(r["details"]) for r in results],
        "run_id": runs,
    }
    perf = {
        "id": ids,
        "test_id": ids,
        "model_id": models,
        "hardware_id": hardware,
        **{c: [r["performance"].get(c) for r in results] for c in PERF_COLUMNS},
        "test_timestamp": stamps,
        "run_id": runs,
    }
    powered = [i for i, r in enumerate(results) if "power_metrics" in r]
    power = {
        "id": list(range(1, len(powered) + 1)),
        "test_id": [ids[i] for i in powered],
        "model_id": [models[i] for i in powered],
        "hardware_id": [hardware[i] for i in powered],
        **{c: [results[i]["power_metrics"].get(c) for i in powered] for c in POWER_COLUMNS},
        "test_timestamp": [stamps[i] for i in powered],
        "run_id": [FLOOR_RUN_ID] * len(powered),
    }
    return PrebuiltRows({"test_results": test, "performance_results": perf, "power_metrics": power})


# --- fresh databases ------------------------------------------------------------------------------------------------


class Databases:
    """Hands out fresh databases of one engine: migrated by accel_orm, or (DuckDB) bare."""

    def __init__(self, url: str | None, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.count = 0

    def fresh_location(self) -> str:
        self.count += 1
        if self.url is None:
            return f"duckdb:///{self.workdir / f'bench-{self.count}.duckdb'}"
        server = make_url(self.url)
        name = f"accel_orm_bench_{self.count}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return server.set(database=name).render_as_string(hide_password=False)

    def migrated(self, *, with_dimensions: bool, prebuilt: PrebuiltRows | None = None) -> str:
        """A fresh database at head (optionally holding the benchmark's models and hardware, ids 1..n)."""
        location = self.fresh_location()
        engine = get_engine(location)
        if with_dimensions and prebuilt is not None:
            with engine.begin() as connection:
                for name in prebuilt.models:
                    connection.execute(text("INSERT INTO models (model_name) VALUES (:n)"), {"n": name})
                for hardware_type, device in prebuilt.hardware:
                    connection.execute(
                        text("INSERT INTO hardware_platforms (hardware_type, device_name) VALUES (:t, :d)"),
                        {"t": hardware_type, "d": device},
                    )
                connection.execute(
                    text(
                        "INSERT INTO test_runs (run_id, test_name, test_type, started_at)"
                        " VALUES (:id, 'ingest benchmark', 'performance', CURRENT_TIMESTAMP)"
                    ),
                    {"id": FLOOR_RUN_ID},
                )
                if connection.dialect.name == "postgresql":
                    stamps = prebuilt.tables["test_results"]["timestamp"]
                    ensure_test_result_partitions(connection, stamps)
        engine.dispose()
        return location

    def without_foreign_keys(self, prebuilt: PrebuiltRows) -> str:
        """A migrated DuckDB file (as for (b)) whose fact tables are recreated without their foreign keys.

        DuckDB cannot drop a constraint, so each table is made again from its own DDL minus the FOREIGN KEY
        clauses, its indexes recreated: columns, defaults, checks and the primary key stay as they ship."""
        location = self.migrated(with_dimensions=True, prebuilt=prebuilt)
        with duckdb.connect(location.removeprefix("duckdb:///")) as connection:
            for name in prebuilt.tables:
                (ddl,) = connection.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
                indexes = connection.execute("SELECT sql FROM duckdb_indexes() WHERE table_name = ?", [name]).fetchall()
                keyless = re.sub(r", FOREIGN KEY \(\w+\) REFERENCES \w+\(\w+\)", "", ddl)
                if "FOREIGN KEY" in keyless or keyless == ddl:
                    raise RuntimeError(f"(b'): cannot take the foreign keys out of {name}'s DDL: {ddl}")
                connection.execute(f"DROP TABLE {name}")
                connection.execute(keyless)
                for (index,) in indexes:
                    connection.execute(index)
        return location

    def bare_duckdb(self, prebuilt: PrebuiltRows) -> str:
        """A DuckDB file with the fact tables' columns and types, but no index, constraint or sequence."""
        location = self.fresh_location()
        path = location.removeprefix("duckdb:///")
        with duckdb.connect(path) as connection:
            for name, arrow in prebuilt.arrow().items():
                connection.register("shape", arrow.slice(0, 0))
                connection.execute(f"CREATE TABLE {name} AS SELECT * FROM shape")
                connection.unregister("shape")
        return location


# --- the sides ------------------------------------------------------------------------------------------------------


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def unchecked_conversion(results: list[dict[str, Any]]) -> float:
    """(f): seconds to turn the dicts into Arrow columns (details as JSON text) with no check of any kind."""
    encode = _json_encoder()

    def run() -> None:
        pa.array(results, type=RESULT_STRUCT)
        pa.array(["".join(encode(result["details"], 0)) for result in results], type=pa.string())

    return timed(run)


def arrow_into(location: str, arrow_tables: dict[str, pa.Table]) -> float:
    """Time ``INSERT ... SELECT`` of the pre-built Arrow tables in one transaction, COMMIT included."""
    with duckdb.connect(location.removeprefix("duckdb:///")) as connection:

        def run() -> None:
            connection.execute("BEGIN")
            for name, arrow in arrow_tables.items():
                connection.register("incoming", arrow)
                names = ", ".join(arrow.column_names)
                connection.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM incoming")
                connection.unregister("incoming")
            connection.execute("COMMIT")

        return timed(run)


def copy_into_postgres(location: str, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """Time psycopg ``COPY`` of pre-formatted rows into the real (partitioned) tables, COMMIT included."""
    import psycopg

    with psycopg.connect(make_url(location).set(drivername="postgresql").render_as_string(False)) as connection:

        def run() -> None:
            with connection.cursor() as cursor:
                for name, (columns, values) in rows.items():
                    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
                        pg_sql.Identifier(name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, columns))
                    )
                    with cursor.copy(statement) as copy:
                        for row in values:
                            copy.write_row(row)
            connection.commit()

        return timed(run)


def copy_text_into_postgres(location: str, texts: dict[str, tuple[list[str], bytes]]) -> float:
    """Time ``COPY ... (FORMAT csv)`` of rows already formatted as CSV text: the least any COPY loader can do."""
    import psycopg

    with psycopg.connect(make_url(location).set(drivername="postgresql").render_as_string(False)) as connection:

        def run() -> None:
            with connection.cursor() as cursor:
                for name, (columns, text) in texts.items():
                    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
                        pg_sql.Identifier(name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, columns))
                    )
                    with cursor.copy(statement) as copy:
                        copy.write(text)
            connection.commit()

        return timed(run)


def csv_texts(prebuilt: PrebuiltRows) -> dict[str, tuple[list[str], bytes]]:
    texts = {}
    for name, arrow in prebuilt.arrow().items():
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(arrow, sink, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
        texts[name] = (arrow.column_names, sink.getvalue().to_pybytes())
    return texts


def api_bulk(location: str, results: list[dict[str, Any]]) -> float:
    with TestResultsDBHandler(db_url=location) as handler:
        return timed(lambda: handler.store_test_results(results))


def per_call_workloads(results: list[dict[str, Any]], count: int) -> tuple[list[dict[str, Any]], ...]:
    """(e): a harness loop, results of four models on their hardware, as one test run stores them one by one;
    (e'): ``count`` results each naming a model not seen before (the first call creates every model)."""
    harness = [r for r in results if r["model_name"] in MODELS[:4]][:count]
    return harness, results[:count]


def api_per_call(location: str, results: list[dict[str, Any]]) -> float:
    """Seconds per ``store_test_result`` on one handler (the first call, which opens the file, not counted)."""
    with TestResultsDBHandler(db_url=location) as handler:
        handler.store_test_result(results[0])
        return timed(lambda: [handler.store_test_result(r) for r in results[1:]]) / (len(results) - 1)


_SINGLE_INSERT_COLUMNS = ["timestamp", "test_date", "model_id", "hardware_id", *TEST_COLUMNS, "details", "run_id"]


def held_single_inserts(location: str, prebuilt: PrebuiltRows, count: int, *, threads: int | None = None) -> float:
    """Seconds per bound single-row INSERT (auto-committed) on one held connection (DuckDB: on ``threads``
    worker threads, if given)."""
    test = prebuilt.tables["test_results"]
    rows = [tuple(test[c][i] for c in _SINGLE_INSERT_COLUMNS) for i in range(count)]
    names = ", ".join(_SINGLE_INSERT_COLUMNS)
    if location.startswith("duckdb"):
        statement = f"INSERT INTO test_results ({names}) VALUES ({', '.join('?' * len(rows[0]))})"
        with duckdb.connect(location.removeprefix("duckdb:///")) as connection:
            if threads is not None:
                connection.execute(f"SET threads = {int(threads)}")
            connection.execute(statement, rows[0])
            return timed(lambda: [connection.execute(statement, row) for row in rows[1:]]) / (count - 1)
    import psycopg

    statement = f"INSERT INTO test_results ({names}) VALUES ({', '.join(['%s'] * len(rows[0]))})"
    with psycopg.connect(make_url(location).set(drivername="postgresql").render_as_string(False)) as connection:
        connection.autocommit = True
        connection.execute(statement, rows[0])
        return timed(lambda: [connection.execute(statement, row) for row in rows[1:]]) / (count - 1)


# --- the 1M-result generator ----------------------------------------------------------------------------------------

# The child reads its peak from /proc/self/status (VmHWM): getrusage's ru_maxrss is no good here, since Linux
# carries the spawning process's peak across exec into it, so a child of a bigger parent reported the parent's.
STREAM_CHILD = """
import resource, sys, time
sys.path.insert(0, {bench_dir!r})
from ingest import result_stream
from accel_orm import TestResultsDBHandler
started = time.perf_counter()
with TestResultsDBHandler(db_path={path!r}) as handler:
    report = handler.store_test_results(result_stream({count}), atomic={atomic})
seconds = time.perf_counter() - started
try:
    with open("/proc/self/status") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:  # not Linux: ru_maxrss, in bytes on macOS
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
print("RESULT", report.stored, seconds, peak_kib)
"""


def stream_peak_rss(path: Path, count: int, *, atomic: bool) -> tuple[int, float, float]:
    code = STREAM_CHILD.format(bench_dir=str(Path(__file__).parent), path=str(path), count=count, atomic=atomic)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    stored, seconds, max_rss_kib = line.split()[1:]
    return int(stored), float(seconds), int(max_rss_kib) / 1024


# --- report ---------------------------------------------------------------------------------------------------------


def line(label: str, seconds: list[float], per: float, unit: str) -> str:
    median = statistics.median(seconds)
    rate = per / median
    return (
        f"  {label:<58} {rate:>10,.0f} {unit}  median {median * 1000:9.2f} ms"
        f"  (min {min(seconds) * 1000:.2f}, max {max(seconds) * 1000:.2f})"
    )


def ratio(label: str, slow: list[float], fast: list[float], target: str) -> str:
    return f"  {label:<58} {statistics.median(slow) / statistics.median(fast):>10.2f} x   ({target})"


def time_per_call(
    databases: Databases,
    prebuilt: PrebuiltRows,
    per_call: list[dict[str, Any]],
    per_call_new: list[dict[str, Any]],
    times: dict[str, list[float]],
) -> None:
    """One repeat of (e), (e') and their floor, each on a fresh database."""
    times["e_api"].append(api_per_call(databases.migrated(with_dimensions=False), per_call))
    times["e_new"].append(api_per_call(databases.migrated(with_dimensions=False), per_call_new))
    location = databases.migrated(with_dimensions=True, prebuilt=prebuilt)
    times["e_raw"].append(held_single_inserts(location, prebuilt, len(per_call)))
    if databases.url is None:  # the stricter floor: DuckDB on one thread, as accel_orm's loop runs it
        location = databases.migrated(with_dimensions=True, prebuilt=prebuilt)
        times.setdefault("e_raw_1", []).append(held_single_inserts(location, prebuilt, len(per_call), threads=1))


def print_per_call(times: dict[str, list[float]], calls: int, floor: str, target: str) -> None:
    print(line(f"(e) store_test_result per call, one handler ({calls} calls)", times["e_api"], 1, "calls/s"))
    print(line("(e') the same, every call naming a model never seen before", times["e_new"], 1, "calls/s"))
    print(line(f"(e) held connection, {floor}", times["e_raw"], 1, "rows/s"))
    if "e_raw_1" in times:
        print(line("(e) the same floor with DuckDB on one thread (SET threads=1)", times["e_raw_1"], 1, "rows/s"))
    print(ratio("(e) store_test_result / held single-row INSERT", times["e_api"], times["e_raw"], target))
    print(ratio("(e') new model every call / held single-row INSERT", times["e_new"], times["e_raw"], "for reference"))
    if "e_raw_1" in times:
        print(ratio("(e) store_test_result / the one-thread floor", times["e_api"], times["e_raw_1"], "same threads"))


def run_duckdb(databases: Databases, results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    prebuilt = prebuild(results)
    arrow_tables = prebuilt.arrow()
    sides = ("a", "b", "b'", "c", "f", "e_api", "e_new", "e_raw")
    times: dict[str, list[float]] = {side: [] for side in sides}
    per_call, per_call_new = per_call_workloads(results, args.per_call)
    for _ in range(args.repeats):
        times["a"].append(api_bulk(databases.migrated(with_dimensions=False), results))
        times["b"].append(arrow_into(databases.migrated(with_dimensions=True, prebuilt=prebuilt), arrow_tables))
        times["b'"].append(arrow_into(databases.without_foreign_keys(prebuilt), arrow_tables))
        times["c"].append(arrow_into(databases.bare_duckdb(prebuilt), arrow_tables))
        times["f"].append(unchecked_conversion(results))
        if per_call:
            time_per_call(databases, prebuilt, per_call, per_call_new, times)
    # Side by side per repeat: what inserting pre-built rows plus merely converting the dicts costs.
    times["b+f"] = [b + f for b, f in zip(times["b"], times["f"], strict=True)]
    n = len(results)
    print(f"DuckDB {duckdb.__version__}: {n:,} results (all with performance, 10% with power), {args.repeats} repeats")
    print(line("(a) accel_orm store_test_results", times["a"], n, "results/s"))
    print(line("(b) pre-built Arrow INSERT ... SELECT, migrated tables", times["b"], n, "results/s"))
    print(line("(b') as (b), without the foreign keys (not kept)", times["b'"], n, "results/s"))
    print(line("(c) pre-built Arrow INSERT ... SELECT, bare tables", times["c"], n, "results/s"))
    print(line("(f) the dicts to Arrow columns, nothing checked", times["f"], n, "results/s"))
    print(line("(b) + (f): the practical limit for an API taking dicts", times["b+f"], n, "results/s"))
    print(ratio("(a) / (b)", times["a"], times["b"], "target <= 2"))
    print(ratio("(a) / (c)", times["a"], times["c"], "target <= 4"))
    print(ratio("(a) / ((b) + (f))", times["a"], times["b+f"], "what checking, dimensions and runs add"))
    print(ratio("((b) + (f)) / (b)", times["b+f"], times["b"], "the best (a) / (b) any dict-based API can reach"))
    print(ratio("((b) + (f)) / (c)", times["b+f"], times["c"], "the best (a) / (c) any dict-based API can reach"))
    print(ratio("(b) / (b')", times["b"], times["b'"], "what DuckDB's foreign keys cost the floor"))
    if per_call:
        print_per_call(times, len(per_call), "bound single-row INSERT, autocommit", "target <= 3")
    if args.stream:
        for atomic in (False, True):
            mode = "one transaction (atomic=True)" if atomic else "commit per chunk (atomic=False)"
            path = databases.workdir / f"stream-{atomic}.duckdb"
            stored, seconds, peak = stream_peak_rss(path, args.stream, atomic=atomic)
            print(
                f"  generator of {stored:,} results, {mode}: {stored / seconds:,.0f} results/s, "
                f"peak RSS {peak:,.0f} MiB  (target < 600)"
            )


def run_postgres(databases: Databases, results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    prebuilt = prebuild(results)
    rows = prebuilt.rows()
    texts = csv_texts(prebuilt)
    times: dict[str, list[float]] = {"a": [], "d": [], "d_text": [], "e_api": [], "e_new": [], "e_raw": []}
    per_call, per_call_new = per_call_workloads(results, args.per_call)
    for _ in range(args.repeats):
        times["a"].append(api_bulk(databases.migrated(with_dimensions=False), results))
        times["d"].append(copy_into_postgres(databases.migrated(with_dimensions=True, prebuilt=prebuilt), rows))
        location = databases.migrated(with_dimensions=True, prebuilt=prebuilt)
        times["d_text"].append(copy_text_into_postgres(location, texts))
        if per_call:
            time_per_call(databases, prebuilt, per_call, per_call_new, times)
    n = len(results)
    print(f"PostgreSQL: {n:,} results (all with performance, 10% with power), {args.repeats} repeats")
    print(line("(a) accel_orm store_test_results", times["a"], n, "results/s"))
    print(line("(d) psycopg COPY of pre-formatted rows, partitioned tables", times["d"], n, "results/s"))
    print(line("(d') COPY of pre-formatted CSV text, partitioned tables", times["d_text"], n, "results/s"))
    print(ratio("(a) / (d)", times["a"], times["d"], "target <= 1.3"))
    print(ratio("(a) / (d')", times["a"], times["d_text"], "the strictest floor"))
    if per_call:
        print_per_call(times, len(per_call), "bound single-row INSERT + COMMIT", "for reference")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="PostgreSQL server URL (default: DuckDB files in a temp dir)")
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-call", type=int, default=200, help="store_test_result calls per repeat (0: skip)")
    parser.add_argument("--stream", type=int, default=1_000_000, help="generator size for the memory check (0: skip)")
    args = parser.parse_args()

    results = make_results(args.results)
    with tempfile.TemporaryDirectory(prefix="accel-orm-bench-") as workdir:
        databases = Databases(args.url, Path(workdir))
        if args.url:
            run_postgres(databases, results, args)
        else:
            run_duckdb(databases, results, args)
    print(f"  (this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")


if __name__ == "__main__":
    main()
