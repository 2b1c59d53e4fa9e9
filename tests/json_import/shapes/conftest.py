"""Shared fixtures: where the real runner output lives, and a parser bound to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from accel_orm.json_import.shapes import ParsedFile, parse_file
from tests.conftest import FIXTURES

RUN = "benchmark_results/benchmarks_20250305_195254/20250305_195301"


@pytest.fixture(scope="session")
def fixture_root() -> Path:
    """The read-only folder of real benchmark files; its absence is a broken checkout, not a reason to skip."""
    if not FIXTURES.is_dir():
        pytest.fail(f"fixture folder missing: expected the real runner output at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def parsed(fixture_root: Path) -> Callable[[str], ParsedFile]:
    """``parsed("relative/path.json")``: the fixture file parsed (cached: the files are read-only)."""
    cache: dict[str, ParsedFile] = {}

    def parse(relative: str) -> ParsedFile:
        if relative not in cache:
            cache[relative] = parse_file(fixture_root / relative)
        return cache[relative]

    return parse
