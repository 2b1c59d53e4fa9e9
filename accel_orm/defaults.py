"""The one set of analysis defaults, shared by the query module, the Python facades, the reports and the CLI.

Before this module each entry point had its own: ``queries.regressions()`` compared plain means while the CLI and
the reports used the noise-aware z-score, and ``accel-orm query --compare-hardware`` pooled every batch size while
``queries.hardware_comparison()`` showed batch size 1. Change a default here and every entry point follows.
No imports: the CLI reads these to build ``--help`` without loading SQLAlchemy or pandas.
"""

from __future__ import annotations

REGRESSION_METHODS: tuple[str, ...] = ("zscore", "mean")
"""``zscore``: the shift must also exceed the previous window's noise (Conbench); ``mean``: percentage alone."""
REGRESSION_METHOD = "zscore"
REGRESSION_WINDOW_DAYS = 7.0
REGRESSION_THRESHOLD_PCT = 5.0
REGRESSION_MIN_SAMPLES = 3
REGRESSION_Z_THRESHOLD = 3.0

DEFAULT_READER_ROLE = "accel_orm_reader"
"""The PostgreSQL role hand-written SQL runs as (``accel-orm db create-reader-role`` creates it)."""

EXIT_REGRESSION = 3
"""The exit status of ``--fail-on-regression`` when a regression is found (1: errors, 2: usage mistakes)."""

COMPARISON_BATCH_SIZE: int | None = 1
"""Batch size shown by hardware and model comparisons (``None`` pools every batch size, which mixes conditions)."""


def describe_batch_size(batch_size: int | None) -> str:
    """How tables and charts say which batch size they show: ``batch size 1`` or ``all batch sizes pooled``."""
    return "all batch sizes pooled" if batch_size is None else f"batch size {batch_size}"
