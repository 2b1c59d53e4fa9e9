#!/usr/bin/env bash
# Install what the tests need and run the whole suite, PostgreSQL and browser tests included.
# Installs Debian's chromium + chromium-driver for the browser tests when they are missing, starts a throwaway
# PostgreSQL server on loopback (installing Debian's postgresql package if needed) and stops it afterwards, pass
# or fail. Extra arguments go to pytest, e.g. `scripts/test.sh -k migrations -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

scripts/browser-test-deps

pg_env=$(scripts/pg-test-server start)
eval "$pg_env"
trap 'scripts/pg-test-server stop "$PG_TEST_DIR"' EXIT

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy accel_orm  # settings: [tool.mypy] in pyproject.toml
.venv/bin/python -m pytest "$@"
