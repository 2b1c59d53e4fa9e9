"""accel_orm: the data layer for ML benchmark results (embedded DuckDB by default, PostgreSQL for many writers)."""

from accel_orm.api import BenchmarkDBQuery, TestResultsDBHandler
from accel_orm.db import get_engine, session_scope
from accel_orm.errors import (
    AccelOrmError,
    ConstraintViolationError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    InvalidResultError,
    ReadOnlyViolationError,
    RunNotFoundError,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
    SqlConfinementError,
)
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

__all__ = [
    "AccelOrmError",
    "Base",
    "BenchmarkDBQuery",
    "ConstraintViolationError",
    "DatabaseError",
    "DatabaseLockedError",
    "DatabaseNotFoundError",
    "DatabaseUnavailableError",
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
    "get_engine",
    "session_scope",
]
