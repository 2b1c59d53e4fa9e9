"""Building blocks shared by the query modules: the fact-to-dimension joins and optional filters.

Nothing here executes SQL. Filters take Python values and compare them as bound parameters, so user text never
becomes SQL text.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Double, Select, func, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import Label, _anonymous_label
from sqlalchemy.sql.selectable import CTE

from accel_orm.metrics import get_metric
from accel_orm.models import HardwarePlatform, Model, PerformanceResult
from accel_orm.timestamps import naive_utc, utc_now

Builder = TypeVar("Builder", bound=Callable[..., Select])


def cached_statement(builder: Builder) -> Builder:
    """Memoise a statement builder on its (hashable) arguments.

    SQL expression objects are immutable (``.where()`` returns a new statement), so callers can share one; a
    cached statement also keeps its memoised cache key, which makes ``to_frame``'s compiled-SQL lookup nearly free.
    Building a statement costs 0.2-1.5 ms, comparable to the overhead budget of a 10-15 ms query.
    """
    return cast(Builder, functools.lru_cache(maxsize=128)(builder))


_cte_seeds = itertools.count()


def named_cte(stmt: Select, purpose: str) -> CTE:
    """``stmt`` as a CTE whose name is unique in any statement it ends up in, e.g. ``regression_windows_1``.

    A fixed name (``.cte("regression_windows")``) breaks composition: two analyses joined in one statement
    would both define it (``CompileError: Multiple, unrelated CTEs found with the same name``). SQLAlchemy's
    anonymous names are numbered per compiled statement, so every CTE gets its own; the purpose stays readable
    in the SQL. ``.cte()`` with no name does the same but renders ``anon_1``: this is that mechanism with a prefix
    (SQLAlchemy's own anonymous label, the one ``.cte()`` uses; tests/queries/test_composition.py guards it).
    """
    return stmt.cte(_anonymous_label.safe_construct(next(_cte_seeds), purpose))


def normalise_hardware_type(hardware_type: str) -> str:
    """Hardware types are stored in lower case (``cuda``, ``webgpu``); accept ``CUDA`` or `` WebGPU `` too."""
    return hardware_type.strip().lower()


# The comparability key, in ONE place: numbers measured under different conditions are never compared. Ids, not
# names, so aggregation groups on narrow columns; :data:`COMPARABILITY_KEY_NAMES` are the same key as output columns
# once model and hardware ids are resolved to names.
COMPARABILITY_KEY = (
    PerformanceResult.model_id,
    PerformanceResult.hardware_id,
    PerformanceResult.batch_size,
    PerformanceResult.sequence_length,
    PerformanceResult.precision,
    PerformanceResult.test_case,
)
COMPARABILITY_KEY_NAMES = (
    "model_name",
    "hardware_type",
    "device_name",
    "batch_size",
    "sequence_length",
    "precision",
    "test_case",
)


def by_key_names(stats: CTE, *columns: Any) -> Select:
    """``SELECT <key by name>, columns FROM stats`` joined to models and hardware, ordered by the key.

    ``stats`` is a per-key aggregate (grouped by :data:`COMPARABILITY_KEY`); the result leads with
    :data:`COMPARABILITY_KEY_NAMES` (model and hardware resolved to names), as every comparison reports them.
    """
    key = (
        Model.model_name,
        HardwarePlatform.hardware_type,
        HardwarePlatform.device_name,
        *(stats.c[column.key] for column in COMPARABILITY_KEY[2:]),
    )
    return (
        select(*key, *columns)
        .select_from(stats)
        .join(Model, Model.model_id == stats.c.model_id)
        .join(HardwarePlatform, HardwarePlatform.hardware_id == stats.c.hardware_id)
        .order_by(*key)
    )


def comparable_rows(include_simulated: bool = False) -> list[ColumnElement[bool]]:
    """Filters every comparison applies: simulated results are left out unless asked for (NULL counts as real)."""
    return [] if include_simulated else [PerformanceResult.is_simulated.is_not(True)]


def performance_joined(*columns: Any) -> Select:
    """``SELECT columns FROM performance_results JOIN models JOIN hardware_platforms`` (the common fact join)."""
    return (
        select(*columns)
        .select_from(PerformanceResult)
        .join(Model, Model.model_id == PerformanceResult.model_id)
        .join(HardwarePlatform, HardwarePlatform.hardware_id == PerformanceResult.hardware_id)
    )


def filter_performance(
    stmt: Select,
    *,
    model_name: str | None = None,
    hardware_type: str | None = None,
    batch_size: int | None = None,
) -> Select:
    """Add the optional model / hardware type / batch size filters that most performance analyses accept."""
    conditions: list[ColumnElement[bool]] = []
    if model_name is not None:
        conditions.append(Model.model_name == model_name)
    if hardware_type is not None:
        conditions.append(HardwarePlatform.hardware_type == normalise_hardware_type(hardware_type))
    if batch_size is not None:
        conditions.append(PerformanceResult.batch_size == batch_size)
    return stmt.where(*conditions) if conditions else stmt


def mean(expression: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[float]:
    """``avg(expression)`` typed as a double, so result types (and empty frames) are floats on both engines."""
    return func.avg(expression, type_=Double())


def nonzero(expression: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[float]:
    """``nullif(expression, 0)``: a divisor that turns division by zero into NULL on both engines."""
    return func.nullif(expression, 0, type_=Double())


def metric_average(metric_name: str, label: str) -> Label[Any]:
    """``avg(<metric column>) AS label``, with the column taken from the metric table."""
    return mean(get_metric(metric_name).column).label(label)


def standard_averages() -> list[Label[Any]]:
    """The four averages the comparison analyses report, plus the sample count ``n`` (throughput first)."""
    return [
        metric_average("throughput", "avg_throughput"),
        metric_average("latency", "avg_latency_ms"),
        metric_average("memory", "avg_memory_mb"),
        metric_average("power", "avg_power_watts"),
        func.count().label("n"),
    ]


def utc_naive(moment: datetime | None) -> datetime:
    """Timestamps are stored as naive UTC: convert an aware datetime, default to now."""
    return utc_now() if moment is None else naive_utc(moment)


def require_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Validate an enumerated argument; the ValueError names every allowed value."""
    choices = tuple(allowed)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}: expected one of {', '.join(choices)}")
    return value
