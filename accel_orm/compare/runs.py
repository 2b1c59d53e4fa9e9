"""Compare two runs: REFs in, one row per comparability key with the verdict out (a DataFrame)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine

from accel_orm.compare.decide import DEFAULT_ALPHA, decide_regressions
from accel_orm.compare.query import comparison
from accel_orm.frames import to_frame
from accel_orm.metrics import Metric, get_metric
from accel_orm.queries._common import COMPARABILITY_KEY_NAMES
from accel_orm.runs.refs import resolve_run

# The public columns, in order (``--format json`` writes exactly these per row).
COLUMNS = (
    *COMPARABILITY_KEY_NAMES,
    "metric",
    "unit",
    "direction",
    "baseline",
    "contender",
    "percent_change",
    "p_value",
    "test",
    "is_regression",
    "exceeds_threshold",
    "baseline_samples",
    "contender_samples",
    "baseline_stddev",
    "contender_stddev",
)

INTEGER_COLUMNS = ("batch_size", "sequence_length", "baseline_samples", "contender_samples")


@dataclass
class RunComparison:
    """The outcome of comparing a contender run with a baseline run."""

    baseline_run_id: int
    contender_run_id: int
    metric: Metric
    threshold_pct: float
    alpha: float
    include_simulated: bool
    rows: pd.DataFrame  # COLUMNS, regressions first, then by how much worse

    @property
    def regressions(self) -> pd.DataFrame:
        return self.rows[self.rows["is_regression"]]

    @property
    def has_regressions(self) -> bool:
        return bool(self.rows["is_regression"].any())


def _ordered(rows: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    rows = rows.assign(unit=metric.unit, direction="higher is better" if metric.higher_is_better else "lower is better")
    rows = rows.sort_values(
        ["is_regression", "percent_change"], ascending=[False, False], na_position="last", kind="stable"
    )
    rows = rows.loc[:, list(COLUMNS)].reset_index(drop=True)
    # Whole numbers stay whole where some are missing (pandas would make them floats).
    return rows.astype({name: "Int64" for name in INTEGER_COLUMNS})


def compare_runs(
    bind: Engine | Connection,
    baseline: str | int,
    contender: str | int,
    *,
    metric: str | Metric = "latency",
    threshold_pct: float = 5.0,
    alpha: float = DEFAULT_ALPHA,
    include_simulated: bool = False,
) -> RunComparison:
    """Resolve both REFs (run id, commit or unique prefix >= 7, branch), compare, decide.

    A key is a regression when the contender is worse by more than ``threshold_pct`` percent and, where both runs
    carry a spread, Welch's t-test gives ``p < alpha`` (see :mod:`accel_orm.compare.decide`). Simulated results are
    left out unless ``include_simulated``.
    """
    if threshold_pct < 0:
        raise ValueError(f"threshold must be >= 0 percent, got {threshold_pct!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    chosen = get_metric(metric)
    with _connection(bind) as connection:
        baseline_id = resolve_run(connection, baseline)
        contender_id = resolve_run(connection, contender)
        stmt = comparison(baseline_id, contender_id, chosen, threshold_pct, include_simulated)
        rows = decide_regressions(to_frame(stmt, connection), alpha)
    return RunComparison(
        baseline_id, contender_id, chosen, threshold_pct, alpha, include_simulated, _ordered(rows, chosen)
    )


def comparison_frame(
    bind: Engine | Connection, baseline: str | int, contender: str | int, **options: object
) -> pd.DataFrame:
    """:func:`compare_runs` as a DataFrame (one row per key, the columns of :data:`COLUMNS`)."""
    return compare_runs(bind, baseline, contender, **options).rows  # type: ignore[arg-type]


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    """An Engine opens (and closes) a connection; a Connection is used as it is."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection
