"""For notebook users: every analysis is a composable SQLAlchemy Select; to_frame runs it fast.

python examples/build_queries.py [--db PATH_OR_URL]
"""

from __future__ import annotations

from _common import database_from_args
from sqlalchemy import select

from accel_orm import get_engine, queries
from accel_orm.frames import compatibility_frame, to_frame


def main() -> None:
    engine = get_engine(database_from_args(__doc__ or ""))

    # A query is a Select: narrow it, limit it, use it as a subquery.
    stmt = queries.performance(hardware_type="webgpu")
    fast = stmt.where(stmt.selected_columns.throughput_items_per_second > 500).limit(5)
    print(to_frame(fast, engine)[["model_name", "device_name", "batch_size", "throughput_items_per_second"]])

    # Which browser is fastest per model, from a subquery of browser_comparison().
    browsers = queries.browser_comparison("webgpu").subquery()
    best = select(browsers.c.model_name, browsers.c.browser, browsers.c.avg_throughput).order_by(
        browsers.c.model_name, browsers.c.avg_throughput.desc()
    )
    print(to_frame(best, engine).groupby("model_name").head(1).to_string(index=False))

    # Which browser optimisation helps, matched run by run.
    print(to_frame(queries.optimization_impact("webgpu"), engine).to_string(index=False))

    # What runs where.
    print(compatibility_frame(engine).to_string(index=False))

    # Phones: power and efficiency by model family.
    print(to_frame(queries.power_efficiency_by_family("qualcomm"), engine).to_string(index=False))
    engine.dispose()


if __name__ == "__main__":
    main()
