"""A second process that holds a DuckDB file's write lock, for tests of waiting and of the locked error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HOLD_FILE = textwrap.dedent(
    """
    import sys, time, duckdb
    connection = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    connection.close()
    """
)


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Start a process holding ``path`` open for writing for ``seconds``; returns once it holds the lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder
