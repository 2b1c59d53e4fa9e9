"""Two runs side by side, per comparability key, as one composable Select.

One scan of ``performance_results`` restricted to the two runs, grouped by the comparability key with conditional
aggregates (``avg(CASE WHEN run_id = :baseline THEN value END)``): no join on key columns, so keys with NULL parts
(a benchmark without a batch size) compare like any other, and comparing a run with itself needs nothing special.
Only keys present in both runs appear.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Double, Select, case, false, func, literal, select

from accel_orm.metrics import Metric, get_metric
from accel_orm.models import PerformanceResult
from accel_orm.queries._common import COMPARABILITY_KEY, by_key_names, comparable_rows, mean, named_cte, nonzero

SIDES = ("baseline", "contender")


def _side_aggregates(side: str, in_run: ColumnElement[bool], value: Any, row_sd: ColumnElement[Any]) -> list[Any]:
    p = PerformanceResult
    chosen = case((in_run, value))
    return [
        mean(chosen).label(side),
        func.count(chosen).label(f"{side}_n"),
        func.stddev_samp(chosen, type_=Double()).label(f"{side}_results_stddev"),
        mean(case((in_run, row_sd))).label(f"{side}_row_stddev"),
        func.sum(case((in_run, p.sample_count))).label(f"{side}_rounds"),
    ]


def comparison(
    baseline_run_id: int,
    contender_run_id: int,
    metric: str | Metric = "latency",
    threshold_pct: float = 5.0,
    include_simulated: bool = False,
) -> Select:
    """Per key present in both runs: the metric's mean in each run, the change and the spread behind each side.

    Result columns: ``model_name, hardware_type, device_name, batch_size, sequence_length, precision, test_case,
    metric, baseline, contender`` (means of the key's rows in each run), ``percent_change`` (how much *worse* the
    contender is, in percent, in the metric's bad direction: positive = worse, negative = better; NULL when the
    baseline is 0), ``exceeds_threshold`` (``percent_change > threshold_pct``), and per side (``baseline_*``,
    ``contender_*``): ``_n`` (rows), ``_results_stddev`` (sample stddev across those rows, NULL for one row),
    ``_row_stddev`` (the rows' own recorded spread, e.g. pytest-benchmark's stddev, converted to this metric),
    ``_rounds`` (measurements behind the rows). Significance is judged on these by
    :func:`accel_orm.compare.decide.decide_regressions`.
    """
    chosen = get_metric(metric)
    p = PerformanceResult
    value = chosen.column
    if chosen.spread_from_latency:
        row_sd = value * p.latency_stddev_ms / nonzero(p.average_latency_ms)
    else:
        row_sd = literal(None, type_=Double())
    stats = named_cte(
        select(
            *COMPARABILITY_KEY,
            *_side_aggregates("baseline", p.run_id == baseline_run_id, value, row_sd),
            *_side_aggregates("contender", p.run_id == contender_run_id, value, row_sd),
        )
        .where(
            p.run_id.in_({baseline_run_id, contender_run_id}), value.is_not(None), *comparable_rows(include_simulated)
        )
        .group_by(*COMPARABILITY_KEY)
        .having(
            func.count(case((p.run_id == baseline_run_id, value))) > 0,
            func.count(case((p.run_id == contender_run_id, value))) > 0,
        ),
        "run_comparison",
    )
    percent_change = (stats.c.contender - stats.c.baseline) / nonzero(stats.c.baseline) * 100.0 * chosen.worse_sign
    side_columns = [
        stats.c[f"{side}{suffix}"] for side in SIDES for suffix in ("_n", "_results_stddev", "_row_stddev", "_rounds")
    ]
    return by_key_names(
        stats,
        literal(chosen.name).label("metric"),
        stats.c.baseline,
        stats.c.contender,
        percent_change.label("percent_change"),
        func.coalesce(percent_change > threshold_pct, false()).label("exceeds_threshold"),
        *side_columns,
    )
