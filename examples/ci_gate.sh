#!/usr/bin/env bash
# The CI gate for a pull request: benchmark this commit, record it, compare it with the baseline, fail on a
# regression. Run it from the repository root of a project whose benchmarks use pytest-benchmark.
#
#   examples/ci_gate.sh BASELINE_REF          # BASELINE_REF: a run id, commit (>= 7 chars) or branch (default: main)
#
# Environment: BENCHMARK_DB_PATH / BENCHMARK_DB_URL (where runs are kept; default ./benchmark_db.duckdb),
# BENCH_TESTS (what pytest runs; default: benchmarks/), THRESHOLD (percent; default 10), PYTHON (default python3).
# Exit status: 0 no regression, 3 a regression was found, 1 an error (unknown REF, ...), 2 a usage mistake.
# On GitHub Actions the comparison is also written as annotations and appended to $GITHUB_STEP_SUMMARY.
set -euo pipefail

baseline="${1:-main}"
results="$(mktemp -d)"
commit="$(git rev-parse HEAD)"

# 1. Measure: one JSON file per run; commit, branch and machine come from the file itself.
"${PYTHON:-python3}" -m pytest -q -p no:cacheprovider "${BENCH_TESTS:-benchmarks/}" \
    --benchmark-json="$results/$commit.json"

# 2. Record: each pytest-benchmark file becomes one run (see `accel-orm runs`).
accel-orm -q migrate-json --directories "$results"

# 3. Gate: one row per benchmark; Welch's t-test on the recorded spread decides what is noise.
format=markdown
if [ -n "${GITHUB_ACTIONS:-}" ]; then format=github; fi
accel-orm compare --baseline "$baseline" --contender "$commit" --threshold "${THRESHOLD:-10}" \
    --format "$format" --fail-on-regression
