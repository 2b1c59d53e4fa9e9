"""The CI gate: compare a contender run with a baseline run, per comparability key, with significance.

- :func:`accel_orm.compare.query.comparison` is the composable Select (means, change, spreads per key);
- :func:`accel_orm.compare.decide.decide_regressions` decides (threshold AND Welch's t where spreads exist);
- :func:`compare_runs` / :func:`comparison_frame` do both from REFs; :mod:`accel_orm.compare.render` writes
  markdown, JSON, JUnit XML and GitHub annotations.

``accel-orm compare --fail-on-regression`` exits with :data:`EXIT_REGRESSION` (3) when any regression is found;
errors exit 1 and usage mistakes 2.
"""

from accel_orm.compare.decide import decide_regressions
from accel_orm.compare.query import comparison
from accel_orm.compare.runs import COLUMNS, RunComparison, compare_runs, comparison_frame
from accel_orm.defaults import EXIT_REGRESSION

"""Exit status of ``accel-orm compare`` / ``query --regressions`` with ``--fail-on-regression`` when a regression
is found (errors are 1, usage mistakes 2, success 0)."""

__all__ = [
    "COLUMNS",
    "EXIT_REGRESSION",
    "RunComparison",
    "compare_runs",
    "comparison",
    "comparison_frame",
    "decide_regressions",
]
