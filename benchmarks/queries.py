"""Benchmark: the query module + ``to_frame`` against hand-written SQL through the raw DuckDB client.

Generates a DuckDB file with ``--rows`` performance rows (default 10,000,000: 1,000 models, 8 hardware types,
180 days, in time order as ingest writes them) in the real schema created by ``get_engine``, then times each
analysis both ways and prints the medians and their ratio (target <= 1.15), plus ``to_frame`` of a 1M-row
result against the raw client's ``.df()`` (target <= 1.5).

    .venv/bin/python benchmarks/queries.py --rows 1000000          # quick
    .venv/bin/python benchmarks/queries.py --keep --path /tmp/bench_10m.duckdb   # full size, keep the file

"per call" opens the file for every call on both sides, as a user's script would: ``to_frame(stmt, engine)``
(the engine opens a connection per call, NullPool) against ``duckdb.connect(path).execute(sql).df()``. "held"
times the query alone on one open connection: ``to_frame(stmt, connection)`` against ``.execute(sql).df()`` on
that connection's DuckDB driver connection (a second ``duckdb.connect`` to the file while the engine holds it
would fail with "different configuration"). Runs alternate between the two sides so background load hits both.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import Engine, Select, func, select

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from accel_orm import PerformanceResult, get_engine  # noqa: E402
from accel_orm import queries as q  # noqa: E402
from accel_orm.frames import to_frame  # noqa: E402

MODELS = 1_000
HARDWARE = ("cpu", "cuda", "rocm", "mps", "openvino", "qualcomm", "webgpu", "webnn")
DAYS = 180
START = datetime(2025, 1, 1)
AS_OF = START + timedelta(days=DAYS)
FAMILIES = ("text_embedding", "text_generation", "vision", "audio", "multimodal")
BIG_RESULT_ROWS = 1_000_000
BIG_RESULT_NAME = "to_frame 1M rows"


@dataclass(frozen=True)
class Case:
    """One analysis: the statement from the query module and its hand-written SQL equivalent."""

    name: str
    stmt: Callable[[], Select]
    sql: str


def cases(hardware_types: list[str]) -> list[Case]:
    as_of = AS_OF.isoformat(sep=" ")
    pivot = ",\n".join(
        f"""CASE MAX(CASE WHEN e.hardware_type = '{hw}' THEN e.rank END)
              WHEN 3 THEN 'supported' WHEN 2 THEN 'limited' WHEN 1 THEN 'unsupported' END AS {hw}"""
        for hw in hardware_types
    )
    return [
        Case(
            "regressions",
            lambda: q.regressions(as_of=AS_OF, method="zscore"),
            f"""
            WITH w AS (
              SELECT model_id, hardware_id, batch_size, sequence_length,
                avg(CASE WHEN test_timestamp > TIMESTAMP '{as_of}' - INTERVAL 7 DAY
                    THEN throughput_items_per_second END) AS cur,
                count(CASE WHEN test_timestamp > TIMESTAMP '{as_of}' - INTERVAL 7 DAY
                    THEN throughput_items_per_second END) AS cur_n,
                avg(CASE WHEN test_timestamp <= TIMESTAMP '{as_of}' - INTERVAL 7 DAY
                    THEN throughput_items_per_second END) AS prev,
                count(CASE WHEN test_timestamp <= TIMESTAMP '{as_of}' - INTERVAL 7 DAY
                    THEN throughput_items_per_second END) AS prev_n,
                stddev_samp(CASE WHEN test_timestamp <= TIMESTAMP '{as_of}' - INTERVAL 7 DAY
                    THEN throughput_items_per_second END) AS prev_std
              FROM performance_results
              WHERE test_timestamp > TIMESTAMP '{as_of}' - INTERVAL 14 DAY AND test_timestamp <= TIMESTAMP '{as_of}'
                AND throughput_items_per_second IS NOT NULL
              GROUP BY ALL HAVING cur_n > 0 AND prev_n > 0
            )
            SELECT m.model_name, h.hardware_type, h.device_name, w.batch_size, w.sequence_length,
              cur AS current, prev AS previous, (cur - prev) / nullif(prev, 0) * 100 AS percent_change,
              cur_n AS current_n, prev_n AS previous_n, prev_std AS previous_std,
              abs(cur - prev) / nullif(prev_std, 0) AS z_score,
              coalesce(cur_n >= 3 AND prev_n >= 3 AND -(cur - prev) / nullif(prev, 0) * 100 > 5
                AND (abs(cur - prev) / nullif(prev_std, 0) > 3 OR (prev_std = 0 AND cur <> prev)), false)
                AS is_regression
            FROM w JOIN models m ON m.model_id = w.model_id JOIN hardware_platforms h ON h.hardware_id = w.hardware_id
            ORDER BY m.model_name, h.hardware_type, h.device_name, w.batch_size, w.sequence_length
            """,
        ),
        Case(
            "trend",
            lambda: q.trend(metric="throughput", bucket="week", hardware_type="cuda"),
            """
            SELECT date_trunc('week', p.test_timestamp) AS bucket, m.model_name, h.hardware_type,
              avg(p.throughput_items_per_second) AS value, count(p.throughput_items_per_second) AS n
            FROM performance_results p JOIN models m ON m.model_id = p.model_id
              JOIN hardware_platforms h ON h.hardware_id = p.hardware_id
            WHERE p.throughput_items_per_second IS NOT NULL AND p.test_timestamp IS NOT NULL
              AND h.hardware_type = 'cuda'
            GROUP BY 1, 2, 3 ORDER BY m.model_name, h.hardware_type, bucket
            """,
        ),
        Case(
            "compatibility_matrix",
            lambda: q.compatibility_matrix(hardware_types=hardware_types),
            f"""
            WITH v AS (
              SELECT c.model_id, h.hardware_type, max(CASE c.compatibility_status WHEN 'unsupported' THEN 1
                WHEN 'limited' THEN 2 WHEN 'supported' THEN 3 END) AS rank
              FROM hardware_compatibility c JOIN hardware_platforms h ON h.hardware_id = c.hardware_id GROUP BY 1, 2
            ), t AS (
              SELECT r.model_id, h.hardware_type, max(CASE WHEN r.success IS TRUE THEN 3 ELSE 1 END) AS rank
              FROM test_results r JOIN hardware_platforms h ON h.hardware_id = r.hardware_id GROUP BY 1, 2
            ), e AS (
              SELECT coalesce(v.model_id, t.model_id) AS model_id,
                coalesce(v.hardware_type, t.hardware_type) AS hardware_type, coalesce(v.rank, t.rank) AS rank
              FROM v FULL OUTER JOIN t ON v.model_id = t.model_id AND v.hardware_type = t.hardware_type
            )
            SELECT m.model_name, m.model_family, {pivot}
            FROM models m LEFT JOIN e ON e.model_id = m.model_id
            GROUP BY m.model_id, m.model_name, m.model_family ORDER BY m.model_name
            """,
        ),
        Case(
            "hardware_comparison",
            lambda: q.hardware_comparison("model-0042", batch_size=1),
            """
            SELECT h.hardware_type, h.device_name, avg(p.throughput_items_per_second) AS avg_throughput,
              avg(p.average_latency_ms) AS avg_latency_ms, avg(p.memory_peak_mb) AS avg_memory_mb,
              avg(p.power_watts) AS avg_power_watts, count(*) AS n
            FROM performance_results p JOIN models m ON m.model_id = p.model_id
              JOIN hardware_platforms h ON h.hardware_id = p.hardware_id
            WHERE m.model_name = 'model-0042' AND p.batch_size = 1
            GROUP BY h.hardware_type, h.device_name
            ORDER BY avg_throughput DESC NULLS LAST, h.hardware_type, h.device_name
            """,
        ),
    ]


def generate(path: Path, rows: int) -> None:
    """Create the schema through ``get_engine`` and fill it with set-based DuckDB SQL (no Python loops per row).

    Ids come from the schema's sequences (``DEFAULT nextval``): a fresh file numbers models and platforms 1..n in
    insertion order, which the fact rows rely on.
    """
    engine = get_engine(path)
    engine.dispose()
    seconds = DAYS * 86_400
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            INSERT INTO models (model_name, model_family, model_type, model_size, parameters_million)
            SELECT printf('model-%04d', i), $families[i % 5 + 1], 'transformer', 'base', 10 + i % 500
            FROM range($models) t(i)
            """,
            {"families": list(FAMILIES), "models": MODELS},
        )
        con.execute(
            """
            INSERT INTO hardware_platforms (hardware_type, device_name)
            SELECT $types[i + 1], $types[i + 1] || '-device' FROM range($n) t(i)
            """,
            {"types": list(HARDWARE), "n": len(HARDWARE)},
        )
        # Rows arrive in time order (insertion order is preserved; zone maps then prune time ranges); every
        # (model, hardware) pair runs batch sizes 1 and 8 throughout. 2 % of models lose 20 % throughput in the
        # last week.
        con.execute(
            """
            INSERT INTO performance_results (model_id, hardware_id, batch_size, sequence_length, average_latency_ms,
              p50_latency_ms, p90_latency_ms, p99_latency_ms, throughput_items_per_second, memory_peak_mb,
              power_watts, energy_efficiency_items_per_joule, test_timestamp)
            WITH g AS (
              SELECT i, i % $models AS m, (i // $models) % $hw AS h, (i // ($models * $hw)) % 2 AS b,
                $start::TIMESTAMP + to_seconds((i * $seconds // $rows)::BIGINT) AS ts,
                0.9 + 0.2 * (hash(i) % 10007) / 10007.0 AS noise
              FROM range($rows) t(i)
            ), v AS (
              SELECT *, (100 + m % 97 + 30 * h) * noise
                * CASE WHEN m % 50 = 0 AND ts > $as_of::TIMESTAMP - INTERVAL 7 DAY THEN 0.8 ELSE 1 END AS thr
              FROM g
            )
            SELECT m + 1, h + 1, CASE b WHEN 0 THEN 1 ELSE 8 END, 128, 1000 / thr, 0.95 * 1000 / thr,
              1.2 * 1000 / thr, 1.5 * 1000 / thr, thr, 500 + m % 300, 5 + h * 20, thr / (5 + h * 20), ts
            FROM v
            """,
            {
                "models": MODELS,
                "hw": len(HARDWARE),
                "rows": rows,
                "seconds": seconds,
                "start": START,
                "as_of": AS_OF,
            },
        )
        con.execute(
            """
            INSERT INTO hardware_compatibility (model_id, hardware_id, compatibility_status, compatibility_score)
            SELECT m + 1, h + 1, ['supported', 'limited', 'unsupported'][(m + h) % 3 + 1], 0.5
            FROM range($models) a(m), range($hw) b(h) WHERE (m * 7 + h) % 3 = 0
            """,
            {"models": MODELS, "hw": len(HARDWARE)},
        )
        con.execute(
            """
            INSERT INTO test_results (timestamp, test_date, status, test_type, model_id, hardware_id, success)
            SELECT $start::TIMESTAMP + to_seconds((i * $seconds // $n)::BIGINT), NULL,
              CASE WHEN i % 7 = 0 THEN 'Failed' ELSE 'Success' END, 'inference',
              i % $models + 1, (i // $models) % $hw + 1, i % 7 <> 0
            FROM range($n) t(i)
            """,
            {
                "start": START,
                "seconds": seconds,
                "n": MODELS * len(HARDWARE) * 25,
                "models": MODELS,
                "hw": len(HARDWARE),
            },
        )
        con.execute("CHECKPOINT")


def paired_medians(ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median seconds of both sides, interleaved in alternating order so that background load hits both alike."""
    ours()  # warm-up: file cache, plans, the compiled-statement cache
    theirs()
    timings: tuple[list[float], list[float]] = ([], [])
    for repeat in range(repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for side in order:
            run = (ours, theirs)[side]
            gc.collect()
            started = time.perf_counter()
            run()
            timings[side].append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def per_call(engine: Engine, path: Path, stmt: Callable[[], Select], sql: str, repeats: int) -> tuple[float, float]:
    """Each call opens the file, as a user's script would: ``to_frame(stmt, engine)`` vs a fresh raw client.

    Alternating works in one process because the engine (NullPool) closes its DuckDB connection after each call,
    so the raw client never meets an open connection with a different configuration.
    """

    def raw() -> Any:
        with duckdb.connect(str(path)) as con:
            return con.execute(sql).df()

    return paired_medians(lambda: to_frame(stmt(), engine), raw, repeats)


def held_connection(engine: Engine, stmt: Callable[[], Select], sql: str, repeats: int) -> tuple[float, float]:
    """The query alone on one open connection (the module's overhead without the cost of opening the file)."""
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        return paired_medians(lambda: to_frame(stmt(), connection), lambda: driver.execute(sql).df(), repeats)


def check_same_answer(engine: Engine, all_cases: list[Case]) -> None:
    """The hand-written SQL must answer the same question: same columns, rows and values as the module's.

    (The unordered 1M-row LIMIT may pick different rows, so only its shape is compared.)
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        for case in all_cases:
            ours = to_frame(case.stmt(), connection)
            raw = driver.execute(case.sql).df()
            if list(raw.columns) != list(ours.columns) or len(raw) != len(ours):
                raise SystemExit(f"{case.name}: raw SQL and query module disagree ({raw.shape} vs {ours.shape})")
            if case.name != BIG_RESULT_NAME:
                pd.testing.assert_frame_equal(
                    ours.sort_values(list(ours.columns), ignore_index=True),
                    raw.sort_values(list(raw.columns), ignore_index=True),
                    check_dtype=False,
                    rtol=1e-9,
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="performance rows to generate")
    parser.add_argument("--path", type=Path, help="DuckDB file (reused if it exists; default: a temporary file)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated file (an existing --path is always kept)"
    )
    parser.add_argument("--repeats", type=int, default=11, help="timed runs per measurement (median; >= 5)")
    args = parser.parse_args(argv)
    path: Path = args.path or Path(tempfile.mkdtemp(prefix="accel_orm_bench_")) / "bench.duckdb"
    generated = not path.exists()  # an existing file is reused and never deleted
    try:
        if generated:
            started = time.perf_counter()
            generate(path, args.rows)
            print(f"generated {args.rows:,} performance rows in {time.perf_counter() - started:.1f} s: {path}")
        return run(path, max(args.repeats, 5))
    finally:
        if generated and not args.keep:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".wal").unlink(missing_ok=True)
            if args.path is None:
                path.parent.rmdir()


def run(path: Path, repeats: int) -> int:
    engine = get_engine(path)
    try:
        with engine.connect() as connection:
            hardware_types = list(connection.execute(q.hardware_types_stmt()).scalars())
            rows = connection.execute(select(func.count()).select_from(PerformanceResult)).scalar_one()
        all_cases = [*cases(hardware_types), big_result_case()]
        check_same_answer(engine, all_cases)
        results = [
            (
                case,
                per_call(engine, path, case.stmt, case.sql, repeats),
                held_connection(engine, case.stmt, case.sql, repeats),
            )
            for case in all_cases
        ]
    finally:
        engine.dispose()
    return report(path, rows, repeats, results)


def big_result_case() -> Case:
    return Case(
        BIG_RESULT_NAME,
        lambda: q.performance().order_by(None).limit(BIG_RESULT_ROWS),
        f"""
        SELECT m.model_name, h.hardware_type, h.device_name, p.batch_size, p.sequence_length, p.average_latency_ms,
          p.p50_latency_ms, p.p90_latency_ms, p.p99_latency_ms, p.throughput_items_per_second, p.memory_peak_mb,
          p.power_watts, p.test_timestamp
        FROM performance_results p JOIN models m ON m.model_id = p.model_id
          JOIN hardware_platforms h ON h.hardware_id = p.hardware_id
        LIMIT {BIG_RESULT_ROWS}
        """,
    )


def report(
    path: Path, rows: int, repeats: int, results: list[tuple[Case, tuple[float, float], tuple[float, float]]]
) -> int:
    """Print the table; exit status 1 if a per-call ratio misses its target."""
    print(f"\n{rows:,} performance rows in {path}; median of {repeats} alternating runs (ms)")
    print(
        "per call = open the file + query + DataFrame (to_frame(stmt, engine) vs duckdb.connect(path).execute().df())"
    )
    print("held     = the same on one open connection (to_frame(stmt, connection) vs driver.execute().df())\n")
    header = f"{'analysis':<22}{'module':>9}{'raw':>9}{'ratio':>7}{'target':>8}  |{'module':>9}{'raw':>9}{'ratio':>7}"
    print(f"{'':<22}{'per call':^33}  |{'held connection':^25}")
    print(header)
    print("-" * len(header))
    misses = 0
    for case, (ours, theirs), (held_ours, held_theirs) in results:
        target = 1.5 if case.name == BIG_RESULT_NAME else 1.15
        ratio = ours / theirs
        misses += ratio > target
        print(
            f"{case.name:<22}{ours * 1e3:>9.1f}{theirs * 1e3:>9.1f}{ratio:>7.2f}"
            f"{'<=' if ratio <= target else '> '}{target:>6.2f}"
            f"  |{held_ours * 1e3:>9.1f}{held_theirs * 1e3:>9.1f}{held_ours / held_theirs:>7.2f}"
        )
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
