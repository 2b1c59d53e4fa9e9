"""Which changes are regressions: the percent threshold AND, where the results carry a spread, significance.

The spread of a key in a run comes from, in order:

1. several results of the key in the run: their mean, sample stddev and count;
2. one result that recorded its own spread (pytest-benchmark's ``stddev`` and ``rounds``);
3. nothing: then the threshold alone decides, and ``test`` says so.

With a spread on both sides, a change counts only when Welch's unequal-variance t-test (from the summary
statistics, two-sided) gives ``p_value < alpha``. :func:`decide_regressions` is the one place the verdict is
made: a change-point method (e.g. asv's step detection over a longer history) would replace its body.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WELCH_RESULTS = "welch_t(results)"
WELCH_ROUNDS = "welch_t(stddev,rounds)"
THRESHOLD_ONLY = "threshold only (no spread recorded)"
DEFAULT_ALPHA = 0.05


def _spread(frame: pd.DataFrame, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stddev, n, source) per row for one side: across results when there are several, else the row's own."""
    n_rows = frame[f"{side}_n"].to_numpy(dtype=float)
    across = frame[f"{side}_results_stddev"].to_numpy(dtype=float)
    own = frame[f"{side}_row_stddev"].to_numpy(dtype=float)
    rounds = frame[f"{side}_rounds"].to_numpy(dtype=float)
    several = n_rows >= 2
    stddev = np.where(several, across, own)
    count = np.where(several, n_rows, rounds)
    source = np.where(several, 1, np.where(np.isfinite(own) & (rounds >= 2), 2, 0))
    return stddev, count, source


def welch_p_values(
    mean_a: np.ndarray, sd_a: np.ndarray, n_a: np.ndarray, mean_b: np.ndarray, sd_b: np.ndarray, n_b: np.ndarray
) -> np.ndarray:
    """Two-sided p-values of Welch's t-test from summary statistics (vectorised; scipy's exact t distribution).

    Two spreads of exactly zero: any difference is certain (p = 0), none is p = 1.
    """
    from scipy import stats  # imported here: only comparisons need it

    with np.errstate(divide="ignore", invalid="ignore"):
        _, p_values = stats.ttest_ind_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, equal_var=False)
    both_exact = (sd_a == 0) & (sd_b == 0)
    return np.where(both_exact, np.where(mean_a == mean_b, 1.0, 0.0), p_values)


def decide_regressions(frame: pd.DataFrame, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """Add ``baseline_stddev, contender_stddev, baseline_samples, contender_samples, test, p_value,
    is_regression`` to the rows of :func:`accel_orm.compare.query.comparison` (a copy; the input is untouched)."""
    out = frame.copy()
    base_sd, base_n, base_source = _spread(out, "baseline")
    cont_sd, cont_n, cont_source = _spread(out, "contender")
    judged = (base_source > 0) & (cont_source > 0) & np.isfinite(base_sd) & np.isfinite(cont_sd)
    p_values = np.full(len(out), np.nan)
    if judged.any():
        p_values[judged] = welch_p_values(
            out["contender"].to_numpy(dtype=float)[judged],
            cont_sd[judged],
            cont_n[judged],
            out["baseline"].to_numpy(dtype=float)[judged],
            base_sd[judged],
            base_n[judged],
        )
    from_results = (base_source == 1) & (cont_source == 1)
    out["baseline_stddev"] = np.where(judged, base_sd, np.nan)
    out["contender_stddev"] = np.where(judged, cont_sd, np.nan)
    out["baseline_samples"] = np.where(judged, base_n, out["baseline_n"])
    out["contender_samples"] = np.where(judged, cont_n, out["contender_n"])
    out["test"] = np.where(judged, np.where(from_results, WELCH_RESULTS, WELCH_ROUNDS), THRESHOLD_ONLY)
    out["p_value"] = p_values
    significant = ~judged | (np.nan_to_num(p_values, nan=1.0) < alpha)
    out["is_regression"] = out["exceeds_threshold"].to_numpy(dtype=bool) & significant
    return out
