"""How fast does ``migrate_json`` import a folder of many small result files, and what does a re-run cost?

    python benchmarks/migrate_json.py                    # 10,000 files into fresh DuckDB files, median of 3
    python benchmarks/migrate_json.py --files 2000 --repeat 1 --profile
    python benchmarks/migrate_json.py --url postgresql+psycopg://user@127.0.0.1:5432/bench   # an EMPTY database

The files are generated in a temporary folder (100 sub-folders): half seed-style (one result dict, or a list
of two, already in the output format), half direct_benchmark-style (runner output with 1-2 batch sizes and raw
latency samples, from which percentiles are computed). 2% are byte-identical copies of another file and 2%
re-saved copies (other indentation, other name) holding the same results, so both idempotence paths are on the
hot path. Each timed run migrates into a fresh database; then the same folder is migrated again into the last
one to show what an idempotent re-run costs (hash + ledger lookup per file, no parsing). The machine is shared
and noisy: read medians, not single timings.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from accel_orm import get_engine
from accel_orm.json_import import FileStatus, MigrationReport, migrate_json

MODELS = [f"org/model-{i:03d}" for i in range(150)]
HARDWARE = ["cpu", "cuda", "rocm", "mps", "openvino", "webgpu"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def seed_file(i: int, rng: random.Random) -> Any:
    def one(j: int) -> dict[str, Any]:
        latency = rng.uniform(1, 50)
        return {
            "model_name": MODELS[(i + j) % len(MODELS)],
            "hardware_type": HARDWARE[i % len(HARDWARE)],
            "test_type": "benchmark",
            "status": "Success",
            "success": True,
            "timestamp": (START + timedelta(minutes=i, seconds=j)).isoformat(),
            "execution_time": latency / 1000,
            "performance": {
                "batch_size": 2**j,
                "average_latency_ms": latency,
                "throughput_items_per_second": 1000 / latency,
                "memory_peak_mb": rng.uniform(100, 2000),
            },
            "details": {"run": i},
        }

    return one(0) if i % 2 else [one(0), one(1)]


def direct_file(i: int, rng: random.Random) -> dict[str, Any]:
    stamp = START + timedelta(minutes=i)
    batches = {}
    for batch in (1, 2)[: 1 + i % 2]:
        samples = [rng.uniform(1, 20) for _ in range(5)]
        batches[str(batch)] = {
            "success": True,
            "batch_size": batch,
            "avg_latency_ms": sum(samples) / len(samples),
            "throughput_items_per_second": 1000 * batch / (sum(samples) / len(samples)),
            "memory_mb": rng.uniform(100, 900),
            "latencies_ms": samples,
            "device": "cpu",
            "timestamp": (stamp + timedelta(seconds=batch)).isoformat(),
        }
    return {
        "model": MODELS[i % len(MODELS)],
        "hardware": "cpu",
        "success": True,
        "batch_results": batches,
        "timestamp": stamp.isoformat(),
    }


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """``count`` files in 100 sub-folders; the last 4% are copies (2% byte-identical, 2% re-saved)."""
    rng = random.Random(seed)
    originals = count - 2 * (count // 50)
    written: list[Path] = []
    for i in range(originals):
        sub = folder / f"run_{i % 100:03d}"
        sub.mkdir(exist_ok=True)
        stamp = (START + timedelta(minutes=i)).strftime("%Y%m%d_%H%M%S")
        if i % 2:
            path = sub / f"direct_benchmark_model-{i}_cpu_{stamp}.json"
            path.write_text(json.dumps(direct_file(i, rng), indent=2))
        else:
            path = sub / f"seed_results_{i}.json"
            path.write_text(json.dumps(seed_file(i, rng), indent=2))
        written.append(path)
    copies = folder / "copies"
    copies.mkdir()
    for k in range(count // 50):
        source = written[rng.randrange(len(written))]
        (copies / f"identical_{k}_{source.name}").write_bytes(source.read_bytes())
        resaved = written[rng.randrange(len(written))]
        (copies / f"resaved_{k}_{resaved.name}").write_text(json.dumps(json.loads(resaved.read_text()), indent=None))


def timed_run(engine: Engine, folder: Path, *, profile: bool = False) -> tuple[float, MigrationReport]:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = migrate_json(engine, [folder])
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return time.perf_counter() - started, report


def describe(report: MigrationReport) -> str:
    counts = {status.value: report.count(status) for status in FileStatus if report.count(status)}
    return f"{counts}, {report.rows_added['test_results']} test_results rows"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="an EMPTY PostgreSQL database (default: fresh DuckDB files)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="accel_orm_migrate_") as temp:
        folder = Path(temp) / "results"
        folder.mkdir()
        started = time.perf_counter()
        generate(folder, args.files)
        files = sum(1 for _ in folder.rglob("*.json"))
        print(f"generated {files} files in {time.perf_counter() - started:.1f} s", flush=True)

        runs: list[float] = []
        engine = None
        repeats = 1 if args.url else args.repeat  # a server database cannot be made fresh again here
        for n in range(repeats):
            if engine is not None:
                engine.dispose()
            engine = get_engine(args.url or Path(temp) / f"bench_{n}.duckdb")
            seconds, report = timed_run(engine, folder, profile=args.profile and n == 0)
            runs.append(seconds)
            print(f"run {n + 1}: {seconds:.2f} s, {files / seconds:,.0f} files/s -- {describe(report)}", flush=True)
        median = statistics.median(runs)
        print(f"first import, median of {len(runs)}: {median:.2f} s, {files / median:,.0f} files/s")

        assert engine is not None
        seconds, report = timed_run(engine, folder)
        print(f"re-run (idempotent): {seconds:.2f} s, {files / seconds:,.0f} files/s -- {describe(report)}")
        engine.dispose()
    if median > 60:
        print("SLOWER than the 60 s target", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
