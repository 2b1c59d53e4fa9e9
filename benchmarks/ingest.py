"""How fast does TestResultsDBHandler store results, next to the raw speed of the database?

    python benchmarks/ingest.py                       # DuckDB, 100,000 results, medians of 3
    python benchmarks/ingest.py --url postgresql+psycopg://user@127.0.0.1:5432/bench

Measured side by side in one run, each on a fresh database:
- ``store_test_results``: the public API, validation included;
- the raw floor: the same dicts flattened to columns (no validation) and written with one Arrow
  ``INSERT ... SELECT`` per table (DuckDB) or ``COPY`` (PostgreSQL), the same dimension and id handling;
- ``store_test_result`` called per item, on a sample, for the speed-up of batching;
- (DuckDB) a generator of 1,000,000 results streamed through ``store_test_results`` in a child process, whose
  peak RSS is reported.
The machine is shared and noisy: read medians and ratios, not single timings.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from psycopg import sql as pg_sql
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from accel_orm import TestResultsDBHandler, get_engine

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
TEST_COLUMNS = ["test_type", "status", "success", "execution_time", "memory_usage", "timestamp"]


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


# --- the raw floor --------------------------------------------------------------------------------------------------


def _flatten(results: list[dict[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    """The same dicts as columns, no checks: what any loader must do at least."""
    perf = [r["performance"] for r in results]
    powered = [(i, r["power_metrics"]) for i, r in enumerate(results) if "power_metrics" in r]
    return {
        "test": {
            **{c: [r.get(c) for r in results] for c in TEST_COLUMNS},
            "details": [json.dumps(r["details"], separators=(",", ":")) for r in results],
            "test_date": [r["timestamp"].date().isoformat() for r in results],
            "model_name": [r["model_name"] for r in results],
            "hardware": [(r["hardware_type"], r.get("device_name") or "") for r in results],
        },
        "perf": {c: [p.get(c) for p in perf] for c in PERF_COLUMNS},
        "power": {c: [p.get(c) for _, p in powered] for c in POWER_COLUMNS},
        "power_rows": [i for i, _ in powered],  # type: ignore[dict-item]
    }


def _dimension_ids(connection: Any, names: list[str], hardware: list[tuple[str, str]]) -> tuple[Any, Any]:
    model_rows = sorted(set(names))
    connection.execute(
        text("INSERT INTO models (model_name) SELECT unnest(CAST(:names AS VARCHAR[]))"), {"names": model_rows}
    )
    model_ids = dict(connection.execute(text("SELECT model_name, model_id FROM models")).all())
    for hardware_type, device in sorted(set(hardware)):
        connection.execute(
            text("INSERT INTO hardware_platforms (hardware_type, device_name) VALUES (:t, :d)"),
            {"t": hardware_type, "d": device or None},
        )
    hardware_ids = {
        (t, d or ""): i
        for i, t, d in connection.execute(
            text("SELECT hardware_id, hardware_type, device_name FROM hardware_platforms")
        ).all()
    }
    return (
        np.array([model_ids[n] for n in names], dtype=np.int64),
        np.array([hardware_ids[h] for h in hardware], dtype=np.int64),
    )


def raw_floor_duckdb(engine: Engine, results: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        columns = _flatten(results)
        test = columns["test"]
        models, hardware = _dimension_ids(connection, test.pop("model_name"), test.pop("hardware"))
        ids = raw.execute("SELECT nextval('test_results_id_seq') AS id FROM range(?)", [len(results)]).fetchnumpy()
        test_ids = ids["id"]
        tables = {
            "test_results": {
                "id": test_ids,
                "model_id": models,
                "hardware_id": hardware,
                **test,
                "timestamp": [t.replace(tzinfo=None) for t in test["timestamp"]],
            },
            "performance_results": {
                "test_id": test_ids,
                "model_id": models,
                "hardware_id": hardware,
                **columns["perf"],
            },
        }
        rows = np.array(columns["power_rows"], dtype=np.int64)
        tables["power_metrics"] = {
            "test_id": test_ids[rows],
            "model_id": models[rows],
            "hardware_id": hardware[rows],
            **columns["power"],
        }
        for name, data in tables.items():
            raw.register("floor_incoming", pa.table(data))
            names = ", ".join(data)
            raw.execute(f"INSERT INTO {name} ({names}) SELECT {names} FROM floor_incoming")
            raw.unregister("floor_incoming")


def raw_floor_postgres(engine: Engine, results: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        columns = _flatten(results)
        test = columns["test"]
        models, hardware = _dimension_ids(connection, test.pop("model_name"), test.pop("hardware"))
        connection.execute(
            text("SELECT ensure_test_results_partition(m) FROM unnest(:months) m"),
            {
                "months": sorted(
                    {
                        r["timestamp"].replace(tzinfo=None, day=1, hour=0, minute=0, second=0, microsecond=0)
                        for r in results
                    }
                )
            },
        )
        test_ids = np.array(
            connection.execute(
                text("SELECT nextval('test_results_id_seq') FROM generate_series(1, :n)"), {"n": len(results)}
            )
            .scalars()
            .all()
        )
        rows = np.array(columns["power_rows"], dtype=np.int64)
        tables = {
            "test_results": {"id": test_ids, "model_id": models, "hardware_id": hardware, **test},
            "performance_results": {
                "test_id": test_ids,
                "model_id": models,
                "hardware_id": hardware,
                **columns["perf"],
            },
            "power_metrics": {
                "test_id": test_ids[rows],
                "model_id": models[rows],
                "hardware_id": hardware[rows],
                **columns["power"],
            },
        }
        raw = connection.connection.driver_connection
        for name, data in tables.items():
            values = [v.tolist() if isinstance(v, np.ndarray) else v for v in data.values()]
            statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
                pg_sql.Identifier(name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, data))
            )
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in zip(*values, strict=True):
                    copy.write_row(row)


# --- harness --------------------------------------------------------------------------------------------------------


class Databases:
    """Hands out fresh, migrated databases of one engine."""

    def __init__(self, url: str | None, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        if self.url is None:
            return str(self.workdir / f"bench-{self.count}.duckdb")
        server = make_url(self.url)
        name = f"accel_orm_bench_{self.count}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return server.set(database=name).render_as_string(hide_password=False)


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(databases: Databases, results: list[dict[str, Any]], repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"api": [], "floor": []}
    floor = raw_floor_postgres if databases.url else raw_floor_duckdb
    for _ in range(repeats):
        # Alternate the two so drift on a shared machine hits both alike.
        with TestResultsDBHandler(db_url=_as_url(databases.fresh())) as handler:
            times["api"].append(timed(lambda h=handler: h.store_test_results(results)))
        engine = get_engine(databases.fresh())
        times["floor"].append(timed(lambda e=engine: floor(e, results)))
        engine.dispose()
    return times


def _as_url(location: str) -> str:
    return location if "://" in location else f"duckdb:///{location}"


def per_item_rate(databases: Databases, results: list[dict[str, Any]]) -> float:
    with TestResultsDBHandler(db_url=_as_url(databases.fresh())) as handler:
        seconds = timed(lambda: [handler.store_test_result(r) for r in results])
    return len(results) / seconds


STREAM_CHILD = """
import resource, sys, time
sys.path.insert(0, {bench_dir!r})
from ingest import result_stream
from accel_orm import TestResultsDBHandler
started = time.perf_counter()
with TestResultsDBHandler(db_path={path!r}) as handler:
    report = handler.store_test_results(result_stream({count}), atomic={atomic})
seconds = time.perf_counter() - started
print("RESULT", report.stored, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def stream_peak_rss(path: Path, count: int, *, atomic: bool) -> tuple[int, float, float]:
    code = STREAM_CHILD.format(bench_dir=str(Path(__file__).parent), path=str(path), count=count, atomic=atomic)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    stored, seconds, max_rss_kib = line.split()[1:]
    return int(stored), float(seconds), int(max_rss_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="PostgreSQL server URL (default: DuckDB files in a temp dir)")
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-item", type=int, default=1_000, help="sample size for the per-item rate")
    parser.add_argument("--stream", type=int, default=1_000_000, help="generator size for the memory check (0: skip)")
    args = parser.parse_args()

    results = make_results(args.results)
    engine_name = "PostgreSQL" if args.url else "DuckDB"
    print(f"{engine_name}: {args.results:,} results (all with performance, 10% with power), medians of {args.repeats}")
    with tempfile.TemporaryDirectory(prefix="accel-orm-bench-") as workdir:
        databases = Databases(args.url, Path(workdir))
        times = measure(databases, results, args.repeats)
        api, floor = statistics.median(times["api"]), statistics.median(times["floor"])
        per_item = per_item_rate(databases, results[: args.per_item])
        floor_name = "psycopg COPY" if args.url else "Arrow INSERT ... SELECT"
        print(f"  store_test_results         {args.results / api:>10,.0f} results/s  (median {api:.2f} s)")
        print(f"  raw floor ({floor_name}) {args.results / floor:>10,.0f} results/s  (median {floor:.2f} s)")
        print(f"  ratio to the raw floor      {api / floor:>10.2f} x   (target <= 2, at most 3)")
        print(f"  store_test_result per item {per_item:>10,.0f} results/s  (sample of {args.per_item:,})")
        print(f"  batch speed-up over per-item {args.results / api / per_item:>8.0f} x   (target >= 30)")
        if args.stream and not args.url:
            for atomic in (False, True):
                mode = "one transaction (atomic=True)" if atomic else "commit per chunk (atomic=False)"
                path = Path(workdir) / f"stream-{atomic}.duckdb"
                stored, seconds, peak = stream_peak_rss(path, args.stream, atomic=atomic)
                print(
                    f"  generator of {stored:,} results, {mode}: {stored / seconds:,.0f} results/s, "
                    f"peak RSS {peak:,.0f} MiB  (target < 600)"
                )
    print(f"  (this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")


if __name__ == "__main__":
    main()
