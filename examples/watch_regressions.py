"""For CI jobs: fail the build when something got slower this week (noise-aware, direction-aware).

python examples/watch_regressions.py [--db PATH_OR_URL]    # exit 1 when a regression is found
"""

from __future__ import annotations

import sys

from _common import database_from_args

from accel_orm import get_engine, queries
from accel_orm.frames import to_frame


def main() -> int:
    engine = get_engine(database_from_args(__doc__ or ""))
    found = 0
    for metric in ("throughput", "latency", "memory"):
        # z-score: flag only shifts beyond the previous week's noise, not every large percentage.
        stmt = queries.regressions(metric=metric, window_days=7, threshold_pct=5.0, method="zscore")
        flagged = to_frame(stmt.where(stmt.selected_columns.is_regression), engine)
        for row in flagged.itertuples():
            found += 1
            print(
                f"REGRESSION {metric}: {row.model_name} on {row.hardware_type} ({row.device_name}), "
                f"batch {row.batch_size}: {row.previous:.2f} -> {row.current:.2f} ({row.percent_change:+.1f}%, "
                f"z={row.z_score:.1f})"
            )
    engine.dispose()
    print(f"{found} regression(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
