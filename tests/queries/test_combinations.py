"""Any two analyses combine in one statement: joined, unioned, or as CTEs side by side, on both engines.

The functions are discovered (every public function of every ``accel_orm.queries`` module annotated to return a
``Select``), so an analysis added later is covered as soon as it has an entry in ``ARGUMENTS`` (a test fails
until it does). Each pair runs with different arguments on each side, so an analysis combined with itself with
other arguments (throughput against latency regressions) is covered too. Every combined statement is compiled
for both dialects and executed against the known-answer dataset; its counts must equal the counts of its parts
run alone (a cross join holds ``n_a * n_b`` rows, a union ``n_a`` and ``n_b``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Select, func, literal, select, true, union_all
from sqlalchemy.dialects import postgresql

import accel_orm.queries
from accel_orm import get_engine
from accel_orm.schema.duckdb_dialect import AccelDuckDBDialect

from ..conftest import ENGINES, fresh_pg_database
from . import dataset
from .dataset import AS_OF

# Two argument sets per analysis: the first side of a pair uses [0], the second [1].
ARGUMENTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "performance": ({"model_name": "bert-base"}, {"hardware_type": "cuda", "batch_size": 8}),
    "model_comparison": ({"hardware_type": "cuda"}, {"hardware_type": "cpu", "batch_size": None}),
    "hardware_comparison": ({"model_name": "bert-base"}, {"model_name": "t5-small", "batch_size": None}),
    "trend": ({"model_name": "bert-base"}, {"metric": "latency", "bucket": "week"}),
    "regressions": (
        {"metric": "throughput", "as_of": AS_OF},
        {"metric": "latency", "as_of": AS_OF, "method": "zscore"},
    ),
    "compatibility_matrix": ({"hardware_types": ["cpu", "cuda"]}, {"family": "vision", "hardware_types": ["webgpu"]}),
    "compatibility_status": ({}, {"family": "text_embedding"}),
    "hardware_types_stmt": ({}, {}),
    "power_metrics": ({}, {"model_name": "bert-base"}),
    "power_efficiency_by_family": ({}, {"hardware_type": "cpu"}),
    "browser_comparison": ({}, {"model_name": "vit-base"}),
    "optimization_impact": ({}, {"hardware_type": "webgpu"}),
    "performance_summary": ({}, {"hardware_type": "cuda"}),
    "hardware_summary": ({}, {}),
    "recent_failures": ({}, {"since": datetime(2025, 2, 1)}),
    "table_counts": ({}, {}),
    "runs": ({}, {"branch": "main", "limit": 5}),
    "run_performance": ({"run_id": 1}, {"run_id": 2}),
    "series_points": ({"metric": "throughput"}, {"metric": "latency", "model_name": "bert-base"}),
    "key_series": (
        {
            "model_name": "bert-base",
            "hardware_type": "cuda",
            "device_name": None,
            "batch_size": 8,
            "sequence_length": None,
        },
        {
            "model_name": "t5-small",
            "hardware_type": "cpu",
            "device_name": None,
            "batch_size": None,
            "sequence_length": None,
            "metric": "latency",
        },
    ),
}


RUN_ANALYSES = frozenset({"runs", "run_performance"})


def _returns_select(function: Callable[..., Any]) -> bool:
    annotation = inspect.signature(inspect.unwrap(function)).return_annotation
    return annotation in (Select, "Select")


def discover() -> dict[str, Callable[..., Select]]:
    """Every public Select-returning function defined in a public module of ``accel_orm.queries``."""
    found: dict[str, Callable[..., Select]] = {}
    modules = [accel_orm.queries] + [
        importlib.import_module(f"accel_orm.queries.{info.name}")
        for info in pkgutil.iter_modules(accel_orm.queries.__path__)
        if not info.name.startswith("_")
    ]
    for module in modules:
        for name, member in vars(module).items():
            defined_here = getattr(inspect.unwrap(member), "__module__", None) == module.__name__
            if not name.startswith("_") and callable(member) and defined_here and _returns_select(member):
                found[name] = member
    return found


ANALYSES = discover()
PAIRS = sorted({tuple(sorted((a, b))) for a in ANALYSES for b in ANALYSES})


def test_every_analysis_has_arguments() -> None:
    assert len(ANALYSES) >= 16, sorted(ANALYSES)
    assert "regressions" in ANALYSES and "table_counts" in ANALYSES
    missing = sorted(set(ANALYSES) - set(ARGUMENTS))
    assert not missing, f"add arguments for {missing} to ARGUMENTS so their combinations are tested"


def build(name: str, side: int) -> Select:
    return ANALYSES[name](**ARGUMENTS[name][side])


def count_of(stmt: Select) -> Select:
    return select(func.count()).select_from(stmt.subquery())


def combinations(first: str, second: str) -> Iterator[tuple[str, Select, Callable[[int, int], list[tuple[Any, ...]]]]]:
    """(form, combined statement, expected rows from the two parts' counts) for one pair."""
    a, b = build(first, 0), build(second, 1)
    yield (
        "cross join of subqueries",
        select(func.count()).select_from(a.subquery().join(b.subquery(), true())),
        lambda n_a, n_b: [(n_a * n_b,)],
    )
    yield (
        "union of subqueries",
        union_all(
            select(literal("a").label("side"), func.count().label("n")).select_from(a.subquery()),
            select(literal("b").label("side"), func.count().label("n")).select_from(b.subquery()),
        ).order_by("side"),
        lambda n_a, n_b: [("a", n_a), ("b", n_b)],
    )
    a_cte, b_cte = a.cte(), b.cte()
    yield (
        "CTEs side by side",
        select(
            select(func.count()).select_from(a_cte).scalar_subquery().label("n_a"),
            select(func.count()).select_from(b_cte).scalar_subquery().label("n_b"),
        ),
        lambda n_a, n_b: [(n_a, n_b)],
    )
    yield (
        "one nested in the other's CTE",
        select(func.count()).select_from(select(b_cte).join(a.subquery(), true()).subquery()),
        lambda n_a, n_b: [(n_a * n_b,)],
    )


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}+{b}" for a, b in PAIRS])
def test_every_pair_compiles_on_both_dialects(first: str, second: str) -> None:
    for form, stmt, _ in combinations(first, second):
        for dialect in (postgresql.dialect(), AccelDuckDBDialect(paramstyle="numeric_dollar")):
            sql = stmt.compile(dialect=dialect).string
            assert "SELECT" in sql, form


@pytest.fixture(scope="module", params=ENGINES)
def loaded_once(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One loaded database per engine for the whole module (the pair tests only read)."""
    if request.param == "duckdb":
        engine = get_engine(f"duckdb:///{Path(tmp_path_factory.mktemp('combinations')) / 'bench.duckdb'}")
        dataset.load(engine)
        yield engine
        engine.dispose()
        return
    with fresh_pg_database() as url:
        engine = get_engine(url)
        dataset.load(engine)
        yield engine
        engine.dispose()


@pytest.mark.parametrize("first", sorted(ARGUMENTS))
def test_every_pair_executes_with_the_counts_of_its_parts(first: str, loaded_once: Engine) -> None:
    counts = {}
    with loaded_once.connect() as connection:
        for name in ANALYSES:
            counts[name] = [connection.execute(count_of(build(name, side))).scalar_one() for side in (0, 1)]
        # The dataset must make the check meaningful: most analyses return rows (it records no runs, so the run
        # analyses are empty here; tests/runs covers them with rows).
        with_rows = sum(1 for name, n in counts.items() if n[0] > 0 and name not in RUN_ANALYSES)
        assert with_rows >= len(ANALYSES) - len(RUN_ANALYSES) - 2, counts
        failures = []
        for second in ANALYSES:
            for form, stmt, expected in combinations(first, second):
                try:
                    got = [tuple(row) for row in connection.execute(stmt)]
                except Exception as error:  # collected so one run reports every broken pair
                    failures.append(f"{first} + {second}, {form}: {type(error).__name__}: {error}"[:400])
                    connection.rollback()
                    continue
                want = expected(counts[first][0], counts[second][1])
                if got != want:
                    failures.append(f"{first} + {second}, {form}: got {got}, expected {want}")
    assert not failures, "\n".join(failures)
