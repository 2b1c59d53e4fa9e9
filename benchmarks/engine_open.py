"""Benchmark: what ``get_engine`` costs per call on an existing, current DuckDB file (the CLI pays it per command).

Opens the same file ``--repeats`` times (after one warm-up open that creates the schema) and prints the median,
plus the median of ``upgrade.script_directory()`` (Alembic's script folder, parsed from disk unless cached) and
``upgrade.head_revision()`` (read from the revision files with ``ast`` without Alembic, once per process; see
``accel_orm.schema.revisions``) alone.

    .venv/bin/python benchmarks/engine_open.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from accel_orm import get_engine  # noqa: E402
from accel_orm.schema import upgrade  # noqa: E402


def median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31, help="timed calls per measurement (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "open.duckdb"
        get_engine(path).dispose()  # creates the schema: the timed opens find a current database

        def open_and_dispose() -> None:
            get_engine(path).dispose()

        engine_ms = median_ms(open_and_dispose, args.repeats)
        scripts_ms = median_ms(upgrade.script_directory, args.repeats)
        head_ms = median_ms(upgrade.head_revision, args.repeats)
    print(f"median of {args.repeats} calls on a current DuckDB file (ms)")
    print(f"get_engine(path) + dispose   {engine_ms:8.2f}")
    print(f"upgrade.script_directory()   {scripts_ms:8.2f}")
    print(f"upgrade.head_revision()      {head_ms:8.2f}")


if __name__ == "__main__":
    main()
