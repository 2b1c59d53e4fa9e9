"""Run the real ``accel-orm`` console script in a subprocess, as users do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., subprocess.CompletedProcess[str]]


def _console_script() -> list[str]:
    found = shutil.which("accel-orm", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the accel-orm console script is not installed in this environment (pip install -e .)")
    return [found]


@pytest.fixture
def accel_orm(tmp_path: Path) -> Runner:
    """``accel_orm("--db", path, "db", "current")`` -> CompletedProcess (never raises on a non-zero exit)."""
    command = _console_script()

    def run(*args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_DB_")}
        env.pop("CI", None)
        return subprocess.run(
            [*command, *map(str, args)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
        )

    return run
