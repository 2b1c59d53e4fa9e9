"""The model x hardware compatibility matrix.

Evidence per (model, hardware type), best source first:

1. ``hardware_compatibility`` verdicts (``supported`` / ``limited`` / ``unsupported``); when a type has several
   devices with different verdicts, the best verdict wins;
2. otherwise ``test_results``: ``supported`` if any run succeeded, ``unsupported`` if every run failed;
3. otherwise NULL (never tested).

The set of hardware types is data, but a SELECT's columns are fixed when it is built, so the matrix is two steps::

    types = [row[0] for row in connection.execute(hardware_types_stmt())]
    stmt = compatibility_matrix(family="text_embedding", hardware_types=types)

(:func:`accel_orm.frames.compatibility_frame` does both.) :func:`compatibility_status` is the same evidence in
long form, one row per (model, hardware type), for callers that pivot themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.sql.selectable import CTE

from accel_orm.models import HardwareCompatibility, HardwarePlatform, Model, TestResult
from accel_orm.queries._common import cached_statement, named_cte, normalise_hardware_type

# Statuses (models.COMPATIBILITY_STATUSES) ranked so that MAX() picks the best verdict; the rank is mapped back to
# the status text at the end.
_RANK: dict[str, int] = {"unsupported": 1, "limited": 2, "supported": 3}
_STATUS_BY_RANK: dict[int, str] = {rank: status for status, rank in _RANK.items()}

_UNSAFE = re.compile(r"[^0-9a-z_]+")
_RESERVED_LABELS = frozenset({"model_name", "model_family"})


@cached_statement
def hardware_types_stmt() -> Select:
    """Distinct hardware types that have any compatibility evidence (a verdict or a test result), sorted.

    Result column: ``hardware_type``. Execute it to get the ``hardware_types`` for :func:`compatibility_matrix`.
    """
    h = HardwarePlatform
    has_verdict = exists().where(HardwareCompatibility.hardware_id == h.hardware_id)
    has_test = exists().where(TestResult.hardware_id == h.hardware_id)
    return select(h.hardware_type).where(has_verdict | has_test).distinct().order_by(h.hardware_type)


def hardware_column_labels(hardware_types: Sequence[str]) -> dict[str, str]:
    """The matrix column label of each (normalised) hardware type: lower case, ``[0-9a-z_]`` only, unique.

    ``"WebGPU"`` -> ``webgpu``, ``"apple m2"`` -> ``apple_m2``, ``"8gen3"`` -> ``hw_8gen3``; a clash gets a
    numeric suffix (``cuda_2``). Labels never shadow ``model_name`` / ``model_family``.
    """
    labels: dict[str, str] = {}
    taken = set(_RESERVED_LABELS)
    for raw in hardware_types:
        hardware_type = normalise_hardware_type(raw)
        if hardware_type in labels:
            continue
        base = _UNSAFE.sub("_", hardware_type).strip("_") or "hardware"
        if base[0].isdigit():
            base = f"hw_{base}"
        label, suffix = base, 2
        while label in taken:
            label, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(label)
        labels[hardware_type] = label
    return labels


def _verdicts() -> Select:
    """Best ``hardware_compatibility`` rank per (model, hardware type)."""
    c, h = HardwareCompatibility, HardwarePlatform
    return (
        select(c.model_id, h.hardware_type, func.max(case(_RANK, value=c.compatibility_status)).label("rank"))
        .join(h, h.hardware_id == c.hardware_id)
        .group_by(c.model_id, h.hardware_type)
    )


def _test_outcomes() -> Select:
    """Per (model, hardware type): rank of 'supported' if any test succeeded, else of 'unsupported'."""
    t, h = TestResult, HardwarePlatform
    outcome = case((t.success.is_(True), _RANK["supported"]), else_=_RANK["unsupported"])
    return (
        select(t.model_id, h.hardware_type, func.max(outcome).label("rank"))
        .join(h, h.hardware_id == t.hardware_id)
        .group_by(t.model_id, h.hardware_type)
    )


@functools.cache
def _evidence() -> CTE:
    """Verdicts where they exist, test outcomes otherwise: (model_id, hardware_type, rank).

    Built once and shared: SQL expression objects are immutable, and building this CTE is most of the cost of
    building a matrix statement (about 1 ms, against a 10-15 ms query).
    """
    verdicts = named_cte(_verdicts(), "compat_verdicts")
    outcomes = named_cte(_test_outcomes(), "compat_test_outcomes")
    same_key = and_(verdicts.c.model_id == outcomes.c.model_id, verdicts.c.hardware_type == outcomes.c.hardware_type)
    evidence = select(
        func.coalesce(verdicts.c.model_id, outcomes.c.model_id).label("model_id"),
        func.coalesce(verdicts.c.hardware_type, outcomes.c.hardware_type).label("hardware_type"),
        func.coalesce(verdicts.c.rank, outcomes.c.rank).label("rank"),
    ).select_from(verdicts.join(outcomes, same_key, full=True))
    return named_cte(evidence, "compat_evidence")


def _status(rank: ColumnElement[int]) -> ColumnElement[str]:
    return case(_STATUS_BY_RANK, value=rank)


def _family_filter(stmt: Select, family: str | None) -> Select:
    return stmt if family is None else stmt.where(Model.model_family == family)


@cached_statement
def compatibility_status(family: str | None = None) -> Select:
    """The matrix in long form: one row per (model, hardware type) that has any evidence.

    Result columns: ``model_name, model_family, hardware_type, status`` ('supported' / 'limited' /
    'unsupported'). Ordered by model and hardware type.
    """
    evidence = _evidence()
    stmt = (
        select(Model.model_name, Model.model_family, evidence.c.hardware_type, _status(evidence.c.rank).label("status"))
        .join(evidence, evidence.c.model_id == Model.model_id)
        .order_by(Model.model_name, evidence.c.hardware_type)
    )
    return _family_filter(stmt, family)


def compatibility_matrix(family: str | None = None, hardware_types: Sequence[str] | None = None) -> Select:
    """One row per model (every model, tested or not) and one status column per hardware type.

    ``hardware_types`` are the columns, in order (get them from :func:`hardware_types_stmt`; see the module
    docstring). Result columns: ``model_name, model_family``, then one column per hardware type labelled by
    :func:`hardware_column_labels` (``cuda``, ``webgpu``, ...), holding 'supported' / 'limited' / 'unsupported' or
    NULL when never tested. The hardware type names are bound parameters. Ordered by model name.
    """
    if hardware_types is None:
        raise ValueError(
            "compatibility_matrix needs hardware_types (its columns): execute hardware_types_stmt() first, or use "
            "accel_orm.frames.compatibility_frame(bind) which does both steps"
        )
    return _matrix(family, tuple(hardware_types))


@cached_statement
def _matrix(family: str | None, hardware_types: tuple[str, ...]) -> Select:
    """The matrix statement for one family and column list; cached because reports rebuild the same one."""
    evidence = _evidence()
    cells = [
        _status(func.max(case((evidence.c.hardware_type == hardware_type, evidence.c.rank)))).label(label)
        for hardware_type, label in hardware_column_labels(hardware_types).items()
    ]
    stmt = (
        select(Model.model_name, Model.model_family, *cells)
        .outerjoin(evidence, evidence.c.model_id == Model.model_id)
        .group_by(Model.model_id, Model.model_name, Model.model_family)
        .order_by(Model.model_name)
    )
    return _family_filter(stmt, family)
