"""How long does the ``accel-orm`` console script take to start, for ``--help`` and ``db current``?

    python benchmarks/cli_startup.py                 # median of 11 runs each
    python benchmarks/cli_startup.py --repeat 21 --imports   # also list which heavy modules got imported
    git archive <old-commit> accel_orm alembic | tar -x -C /tmp/before
    python benchmarks/cli_startup.py --baseline /tmp/before  # before/after, runs alternated side by side

Each run is a fresh process (the real console script next to this interpreter), so the figure includes Python
start-up and every import the command triggers, which is what a person waits for. ``db current`` runs against a
database created once before timing (an upgraded DuckDB file in a temporary folder). The target on the project's
2-core machine is under 0.5 s for both. The machine is shared and noisy: read medians, not single timings.

With ``--baseline DIR`` (a checkout of an older accel_orm), each command runs in a fresh interpreter with
``PYTHONPATH`` set to DIR and to this checkout in turn, alternating, and the medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY_MODULES = ("pandas", "matplotlib", "pyarrow", "numpy", "tqdm", "sqlalchemy", "duckdb", "alembic")


def console_script() -> str:
    found = shutil.which("accel-orm", path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit("the accel-orm console script is not installed next to this interpreter (pip install -e .)")
    return found


def time_command(command: list[str], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        timings.append(time.perf_counter() - start)
    return timings


RUN_CLI = "import sys; from accel_orm.cli import main; sys.exit(main(sys.argv[1:]))"


def compare(arguments: list[str], baseline: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of ``main(arguments)`` in a fresh interpreter, baseline and this checkout alternated.

    Runs in a neutral folder: ``python -c`` puts the working directory first on ``sys.path``, ahead of PYTHONPATH.
    """
    here = Path(__file__).resolve().parents[1]
    sides: dict[Path, list[float]] = {baseline.resolve(): [], here: []}
    neutral = tempfile.gettempdir()
    for _ in range(repeat):
        for root, timings in sides.items():
            env = {**os.environ, "PYTHONPATH": str(root)}
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", RUN_CLI, *arguments], check=True, capture_output=True, env=env, cwd=neutral
            )
            timings.append(time.perf_counter() - start)
    return statistics.median(sides[baseline.resolve()]), statistics.median(sides[here])


def heavy_imports(arguments: list[str]) -> list[str]:
    """The heavy modules the CLI imports for ``arguments`` (run in-process of a child interpreter)."""
    probe = (
        "import sys\n"
        "from accel_orm.cli import main\n"
        f"try:\n    main({arguments!r})\nexcept SystemExit:\n    pass\n"
        f"print('imported:' + ','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    last = done.stdout.strip().splitlines()[-1].removeprefix("imported:")
    return [name for name in last.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--imports", action="store_true", help="also list heavy modules each command imports")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="an older checkout to compare with, side by side")
    args = parser.parse_args()
    script = console_script()
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "startup.duckdb")
        subprocess.run([script, "--db", database, "db", "upgrade"], check=True, capture_output=True)
        commands = {
            "accel-orm --help": [script, "--help"],
            "accel-orm db current": [script, "--db", database, "db", "current"],
        }
        time_command([script, "--help"], 2)  # warm the file cache so the first timed run is not an outlier
        print(f"{'command':<24} {'median s':>9} {'min s':>7} {'max s':>7}  (n={args.repeat})")
        for label, command in commands.items():
            timings = time_command(command, args.repeat)
            print(f"{label:<24} {statistics.median(timings):>9.3f} {min(timings):>7.3f} {max(timings):>7.3f}")
            if args.imports:
                print(f"{'':<24} heavy imports: {', '.join(heavy_imports(command[1:])) or 'none'}")
        if args.baseline is not None:
            print(f"\n{'side by side':<24} {'before s':>9} {'after s':>8} {'ratio':>6}  (medians, n={args.repeat})")
            for label, command in commands.items():
                before, after = compare(command[1:], args.baseline, args.repeat)
                print(f"{label:<24} {before:>9.3f} {after:>8.3f} {after / before:>6.2f}")


if __name__ == "__main__":
    main()
