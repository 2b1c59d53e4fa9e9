"""Every analysis is a plain Select: callers narrow, limit and nest it, and user values stay bound parameters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine, Select, func, inspect, select
from sqlalchemy.dialects import postgresql

from accel_orm import queries as q
from accel_orm.models import Model, PerformanceResult
from accel_orm.queries import hardware_comparison, model_comparison, performance, regressions, trend
from accel_orm.schema.duckdb_dialect import AccelDuckDBDialect

from .conftest import frame, rows
from .dataset import AS_OF, HOSTILE


def test_where_narrows(loaded: Engine) -> None:
    everything = frame(performance(model_name="bert-base", hardware_type="cuda"), loaded)
    narrowed = frame(
        performance(model_name="bert-base", hardware_type="cuda").where(PerformanceResult.batch_size == 8), loaded
    )
    assert len(everything) == 17
    assert len(narrowed) == 6
    assert set(narrowed["batch_size"]) == {8}


def test_where_on_a_grouped_analysis_filters_its_input(loaded: Engine) -> None:
    stmt = model_comparison("qualcomm").where(Model.model_family == "text_generation")
    assert [r["model_name"] for r in rows(stmt, loaded)] == ["t5-small"]


def test_limit(loaded: Engine) -> None:
    assert [r["hardware_type"] for r in rows(hardware_comparison("t5-small").limit(1), loaded)] == ["cuda"]


def test_subquery_in_another_select(loaded: Engine) -> None:
    sub = regressions(as_of=AS_OF, method="mean").subquery("r")
    stmt = (
        select(sub.c.hardware_type, func.count().label("regressions"))
        .where(sub.c.is_regression)
        .group_by(sub.c.hardware_type)
        .order_by(sub.c.hardware_type)
    )
    assert rows(stmt, loaded) == [
        {"hardware_type": "cpu", "regressions": 1},
        {"hardware_type": "cuda", "regressions": 2},
    ]


def test_cte_in_another_select(loaded: Engine) -> None:
    weekly = trend("bert-base", bucket="week", hardware_type="cuda", batch_size=1).cte("weekly")
    stmt = select(func.max(weekly.c.value).label("best_week"), func.sum(weekly.c.n).label("runs"))
    assert rows(stmt, loaded) == [{"best_week": 100.0, "runs": 11}]


def test_reordering_by_a_documented_column(loaded: Engine) -> None:
    stmt = regressions(as_of=AS_OF)
    worst_first = stmt.order_by(None).order_by(stmt.selected_columns.percent_change).limit(1)
    assert [(r["model_name"], r["percent_change"]) for r in rows(worst_first, loaded)] == [("t5-small", -50.0)]


BUILDERS: list[Callable[[str], Select]] = [
    lambda text: q.performance(model_name=text, hardware_type=text),
    lambda text: q.model_comparison(text),
    lambda text: q.hardware_comparison(text),
    lambda text: q.trend(model_name=text, hardware_type=text),
    lambda text: q.regressions(model_name=text, hardware_type=text, as_of=AS_OF),
    lambda text: q.compatibility_matrix(family=text, hardware_types=[text]),
    lambda text: q.compatibility_status(family=text),
    lambda text: q.power_metrics(text, model_name=text),
    lambda text: q.power_efficiency_by_family(text),
    lambda text: q.browser_comparison(text, model_name=text),
    lambda text: q.optimization_impact(text),
]


@pytest.mark.parametrize("build", BUILDERS)
def test_user_text_never_appears_in_the_sql(build: Callable[[str], Select]) -> None:
    marker = "zz'); DROP TABLE models; --"
    stmt = build(marker)
    for dialect in (postgresql.dialect(), AccelDuckDBDialect(paramstyle="numeric_dollar")):
        compiled = stmt.compile(dialect=dialect)
        assert marker not in compiled.string
        assert marker.lower() in {str(value).lower() for value in compiled.params.values()}


def test_hostile_model_name_is_just_a_name(loaded: Engine) -> None:
    result = rows(performance(model_name=HOSTILE), loaded)
    assert [(r["model_name"], r["throughput_items_per_second"]) for r in result] == [(HOSTILE, 1.0)]
    assert rows(hardware_comparison(HOSTILE), loaded)[0]["n"] == 1
    assert rows(performance(model_name="x'); DROP TABLE models; --'"), loaded) == []
    assert inspect(loaded).has_table("models")
    assert len(frame(select(Model.model_name), loaded)) == 6


def test_statements_never_touch_a_database() -> None:
    """Building needs no engine: the builders are pure."""
    assert isinstance(regressions(as_of=datetime(2025, 1, 1)), Select)
    assert isinstance(q.compatibility_matrix(hardware_types=["cpu"]), Select)
