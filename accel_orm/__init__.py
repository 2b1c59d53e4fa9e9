"""accel_orm: the data layer for ML benchmark results (embedded DuckDB by default, PostgreSQL for many writers).

The public names below are imported on first use (PEP 562), not when the package is imported: the ``accel-orm``
command lives inside this package, and ``accel-orm --help`` must not pay for SQLAlchemy, DuckDB, pandas and
pyarrow before it can print (``python benchmarks/cli_startup.py`` measures it). ``from accel_orm import X``
works exactly as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from accel_orm.errors import (
    AccelOrmError,
    ConstraintViolationError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    DeadlockError,
    InvalidResultError,
    ReadOnlyViolationError,
    RunNotFoundError,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
    SqlConfinementError,
    UnknownNameError,
)

if TYPE_CHECKING:
    from accel_orm.api import BenchmarkDBQuery, TestResultsDBHandler
    from accel_orm.db import get_engine, session_scope
    from accel_orm.models import (
        Base,
        HardwareCompatibility,
        HardwarePlatform,
        Model,
        PerformanceResult,
        PowerMetric,
        TestResult,
        TestRun,
    )

_LAZY: dict[str, str] = {
    "BenchmarkDBQuery": "accel_orm.api",
    "TestResultsDBHandler": "accel_orm.api",
    "get_engine": "accel_orm.db",
    "session_scope": "accel_orm.db",
    "Base": "accel_orm.models",
    "HardwareCompatibility": "accel_orm.models",
    "HardwarePlatform": "accel_orm.models",
    "Model": "accel_orm.models",
    "PerformanceResult": "accel_orm.models",
    "PowerMetric": "accel_orm.models",
    "TestResult": "accel_orm.models",
    "TestRun": "accel_orm.models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'accel_orm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AccelOrmError",
    "Base",
    "BenchmarkDBQuery",
    "ConstraintViolationError",
    "DatabaseError",
    "DatabaseLockedError",
    "DatabaseNotFoundError",
    "DatabaseUnavailableError",
    "DeadlockError",
    "HardwareCompatibility",
    "HardwarePlatform",
    "InvalidResultError",
    "Model",
    "PerformanceResult",
    "PowerMetric",
    "ReadOnlyViolationError",
    "RunNotFoundError",
    "SchemaError",
    "SchemaOutdatedError",
    "SchemaTooNewError",
    "SqlConfinementError",
    "TestResult",
    "TestResultsDBHandler",
    "TestRun",
    "UnknownNameError",
    "get_engine",
    "session_scope",
]
