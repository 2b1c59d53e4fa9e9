"""How long does the CI gate take: ``compare_runs`` on 10,000 keys, and importing pytest-benchmark files.

    python benchmarks/compare.py                      # DuckDB, 10,000 keys, medians of 5
    python benchmarks/compare.py --url postgresql+psycopg://user@127.0.0.1:5432/bench   # an EMPTY database
    python benchmarks/compare.py --keys 2000 --files 50

1. Two runs with one result per key each (pytest-benchmark style: mean, stddev, rounds), 10,000 keys
   (100 models x 100 test cases), 3% of keys made 30% slower. Timed: the whole ``compare_runs`` (two REF
   resolutions, the aggregate Select into a frame, Welch's t-test, ordering), and separately the Select alone and
   the decision alone, side by side in the same process; plus rendering JSON and JUnit.
2. ``migrate_json`` over generated pytest-benchmark files (each: 20 benchmarks with 200 raw samples, as
   ``--benchmark-json`` writes them), each timed run into a fresh database.
The machine is shared and noisy: read medians.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from accel_orm import get_engine
from accel_orm.compare import compare_runs, comparison, decide_regressions
from accel_orm.compare.render import to_json, to_junit
from accel_orm.frames import to_frame
from accel_orm.ingest import store_results
from accel_orm.json_import import migrate_json
from accel_orm.runs.refs import resolve_run

START = datetime(2026, 11, 1, tzinfo=UTC)


def key_results(keys: int, slow: set[int], *, contender: bool, rng: random.Random) -> list[dict[str, Any]]:
    results = []
    for key in range(keys):
        mean = 1.0 + (key % 97) / 10
        if contender and key in slow:
            mean *= 1.3
        mean *= rng.uniform(0.99, 1.01)
        results.append(
            {
                "model_name": f"model-{key // 100:03d}",
                "hardware_type": "cpu",
                "device_name": "EPYC",
                "test_type": "benchmark",
                "timestamp": START + timedelta(days=1 if contender else 0),
                "performance": {
                    "average_latency_ms": mean,
                    "latency_stddev_ms": mean * 0.02,
                    "sample_count": 50,
                    "test_case": f"bench.py::test_{key % 100}",
                    "precision": "fp32",
                },
            }
        )
    return results


def median_seconds(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    timings, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), value


def bench_compare(engine: Engine, keys: int, repeat: int) -> None:
    rng = random.Random(3)
    slow = set(rng.sample(range(keys), k=max(1, keys * 3 // 100)))
    store_results(engine, key_results(keys, slow, contender=False, rng=rng), run={"git_commit": "a" * 40})
    store_results(engine, key_results(keys, slow, contender=True, rng=rng), run={"git_commit": "b" * 40})
    whole, result = median_seconds(lambda: compare_runs(engine, "a" * 40, "b" * 40, threshold_pct=10), repeat)
    with engine.connect() as connection:
        base, cont = resolve_run(connection, "a" * 40), resolve_run(connection, "b" * 40)
    stmt = comparison(base, cont, "latency", 10.0)
    select_only, frame = median_seconds(lambda: to_frame(stmt, engine), repeat)
    decide_only, _ = median_seconds(lambda: decide_regressions(frame), repeat)
    as_json, _ = median_seconds(lambda: to_json(result), repeat)
    as_junit, _ = median_seconds(lambda: to_junit(result), repeat)
    found = int(result.rows["is_regression"].sum())
    print(
        f"compare_runs on {len(result.rows):,} keys: {whole * 1000:.0f} ms (median of {repeat}); "
        f"Select into a frame {select_only * 1000:.0f} ms, Welch + verdict {decide_only * 1000:.0f} ms; "
        f"render json {as_json * 1000:.0f} ms, junit {as_junit * 1000:.0f} ms; "
        f"{found} regressions found of {len(slow)} planted"
    )


def pytest_benchmark_file(index: int, rng: random.Random, benchmarks: int, samples: int) -> dict[str, Any]:
    def one(b: int) -> dict[str, Any]:
        data = [rng.gauss(0.001 * (1 + b), 0.00002) for _ in range(samples)]
        ordered = sorted(data)
        mean = statistics.fmean(data)
        return {
            "group": None,
            "name": f"test_case_{b}",
            "fullname": f"tests/test_perf.py::test_case_{b}",
            "params": None,
            "param": None,
            "extra_info": {"precision": "fp32"},
            "options": {"timer": "perf_counter"},
            "stats": {
                "min": ordered[0],
                "max": ordered[-1],
                "mean": mean,
                "stddev": statistics.stdev(data),
                "rounds": samples,
                "median": statistics.median(data),
                "iqr": ordered[samples * 3 // 4] - ordered[samples // 4],
                "q1": ordered[samples // 4],
                "q3": ordered[samples * 3 // 4],
                "iqr_outliers": 0,
                "stddev_outliers": 1,
                "outliers": "1;0",
                "ld15iqr": ordered[0],
                "hd15iqr": ordered[-1],
                "ops": 1 / mean,
                "total": sum(data),
                "data": data,
                "iterations": 1,
            },
        }

    moment = START + timedelta(hours=index)
    return {
        "machine_info": {
            "node": "ci-runner",
            "processor": "x86_64",
            "machine": "x86_64",
            "python_version": "3.11.7",
            "release": "6.1.0",
            "system": "Linux",
            "cpu": {"brand_raw": "AMD EPYC", "count": 2},
        },
        "commit_info": {
            "id": f"{index:040x}",
            "time": moment.isoformat(),
            "dirty": False,
            "project": "p",
            "branch": "main",
        },
        "benchmarks": [one(b) for b in range(benchmarks)],
        "datetime": moment.isoformat(),
        "version": "5.1.0",
    }


def bench_import(url_factory: Callable[[], str], files: int, repeat: int) -> None:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as folder:
        for index in range(files):
            path = Path(folder) / f"{index:04d}_{index:040x}.json"
            path.write_text(json.dumps(pytest_benchmark_file(index, rng, benchmarks=20, samples=200)))
        size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1024**2
        timings = []
        for _ in range(repeat):
            engine = get_engine(url_factory())
            started = time.perf_counter()
            report = migrate_json(engine, [folder])
            timings.append(time.perf_counter() - started)
            engine.dispose()
        seconds = statistics.median(timings)
        print(
            f"migrate-json of {files} pytest-benchmark files ({files * 20:,} benchmarks, {size:.1f} MiB, "
            f"200 samples each): {seconds:.2f} s (median of {repeat}) = {files / seconds:.0f} files/s, "
            f"{files * 20 / seconds:,.0f} benchmarks/s; {report.summary() if hasattr(report, 'summary') else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an EMPTY PostgreSQL database (default: fresh DuckDB files)")
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        counter = iter(range(1_000_000))

        def fresh() -> str:
            if args.url:
                raise SystemExit("--url measures compare only (the import needs a fresh database per run)")
            return f"duckdb:///{scratch}/import-{next(counter)}.duckdb"

        engine = get_engine(args.url or f"duckdb:///{scratch}/compare.duckdb")
        bench_compare(engine, args.keys, args.repeat)
        engine.dispose()
        if not args.url:
            bench_import(fresh, args.files, max(1, args.repeat // 2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
