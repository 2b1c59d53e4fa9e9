"""Declarative ORM classes for the six benchmark tables.

Table and column names are a public contract: people query the database file directly with hand-written SQL
(``SELECT tr.details->>'optimization_type' FROM test_results tr JOIN models m ...``), so they never change.
This module holds no I/O and no business logic; writes go through ``accel_orm.ingest`` and reads through
``accel_orm.queries``.

References to ``test_results`` (``power_metrics.test_id``, ``performance_results.test_id``) are *not* database
foreign keys. On PostgreSQL ``test_results`` is partitioned by month, so its primary key is ``(id, timestamp)``
and a foreign key to ``id`` alone is impossible; keeping the same rule on DuckDB keeps one model set for both
engines. The data layer only ever writes ids it has just inserted, and ``maintenance.check_integrity`` reports
any orphan. All other foreign keys are enforced by the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship

# Stable constraint names let later migrations drop or alter them by name on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on DuckDB (readable as ``details->>'key'``), JSONB on PostgreSQL. ``none_as_null`` stores Python None as
# SQL NULL rather than the JSON text 'null'.
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# Timestamps are stored as naive UTC (TIMESTAMP WITHOUT TIME ZONE) on both engines; every connection runs with
# its session time zone pinned to UTC so that now() and casts agree with what the data layer writes.
UTCTimestamp = DateTime(timezone=False)

COMPATIBILITY_STATUSES = ("supported", "limited", "unsupported")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        float: Double(),
        str: String(),
        datetime: UTCTimestamp,
        dict[str, Any]: JSONDocument,
    }

    def to_dict(self) -> dict[str, Any]:
        """Plain column values, so reports never hold live ORM objects."""
        return {column.key: getattr(self, column.key) for column in self.__mapper__.column_attrs}


def postgresql_only_index(*columns: str) -> Index:
    """A secondary index on a fact table: PostgreSQL plans with it; on DuckDB it only slowed writes (revision
    0006 dropped it there, after measuring every query at 10M rows), so DDL and schema comparison skip it."""
    return Index(None, *columns, info={POSTGRESQL_ONLY: True}).ddl_if(dialect="postgresql")


POSTGRESQL_ONLY = "postgresql_only"


def _non_negative(*columns: str) -> list[CheckConstraint]:
    """One named CHECK per measure, so a violation names the offending column.

    The short suffix keeps the longest generated name within PostgreSQL's 63-character identifier limit.
    """
    return [CheckConstraint(f"{column} >= 0", name=f"{column}_nonneg") for column in columns]


class Model(Base):
    __tablename__ = "models"

    model_id: Mapped[int] = mapped_column(Integer, Sequence("models_model_id_seq"), primary_key=True)
    model_name: Mapped[str]
    model_family: Mapped[str | None]
    model_type: Mapped[str | None]
    model_size: Mapped[str | None]
    parameters_million: Mapped[float | None]
    added_at: Mapped[datetime | None]

    test_results: Mapped[list[TestResult]] = relationship(back_populates="model")
    performance_results: Mapped[list[PerformanceResult]] = relationship(back_populates="model")
    compatibility: Mapped[list[HardwareCompatibility]] = relationship(back_populates="model")
    power_metrics: Mapped[list[PowerMetric]] = relationship(back_populates="model")

    __table_args__ = (
        # Uniqueness is declared as named unique indexes throughout: DuckDB keeps index names but discards
        # constraint names, and stable names are what lets migrations and `alembic check` agree on both engines.
        Index("uq_models_model_name", "model_name", unique=True),
        # No index on the descriptive columns: DuckDB cannot update an indexed column of a row that other tables
        # reference, and ingest fills in model facts (family, size, ...) that arrive after the first result.
        *_non_negative("parameters_million"),
    )

    def __repr__(self) -> str:
        return f"Model(model_id={self.model_id!r}, model_name={self.model_name!r})"


class HardwarePlatform(Base):
    __tablename__ = "hardware_platforms"

    hardware_id: Mapped[int] = mapped_column(Integer, Sequence("hardware_platforms_hardware_id_seq"), primary_key=True)
    hardware_type: Mapped[str]
    device_name: Mapped[str | None]
    compute_units: Mapped[int | None]
    memory_capacity: Mapped[float | None]
    driver_version: Mapped[str | None]
    supported_precisions: Mapped[str | None]
    max_batch_size: Mapped[int | None]
    detected_at: Mapped[datetime | None]

    test_results: Mapped[list[TestResult]] = relationship(back_populates="hardware")
    performance_results: Mapped[list[PerformanceResult]] = relationship(back_populates="hardware")
    compatibility: Mapped[list[HardwareCompatibility]] = relationship(back_populates="hardware")
    power_metrics: Mapped[list[PowerMetric]] = relationship(back_populates="hardware")

    __table_args__ = (
        Index(None, "hardware_type"),
        *_non_negative("compute_units", "memory_capacity", "max_batch_size"),
    )

    def __repr__(self) -> str:
        return f"HardwarePlatform(hardware_id={self.hardware_id!r}, {self.hardware_type!r}, {self.device_name!r})"


# One row per (type, device). NULLs are distinct in a plain unique constraint, so the device name is coalesced:
# a second "cpu" with no device name is a duplicate too.
Index(
    "uq_hardware_platforms_type_device",
    HardwarePlatform.hardware_type,
    func.coalesce(HardwarePlatform.device_name, ""),
    unique=True,
)


class TestResult(Base):
    __tablename__ = "test_results"
    __test__ = False  # a pytest collector would otherwise take "Test*" classes for test cases

    id: Mapped[int] = mapped_column(BigInteger, Sequence("test_results_id_seq"), primary_key=True)
    # The partition key on PostgreSQL, hence required.
    timestamp: Mapped[datetime] = mapped_column(UTCTimestamp, nullable=False)
    test_date: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str | None]
    test_type: Mapped[str]
    model_id: Mapped[int] = mapped_column(ForeignKey("models.model_id"))
    hardware_id: Mapped[int] = mapped_column(ForeignKey("hardware_platforms.hardware_id"))
    endpoint_type: Mapped[str | None]
    success: Mapped[bool | None]
    error_message: Mapped[str | None]
    execution_time: Mapped[float | None]
    memory_usage: Mapped[float | None]
    details: Mapped[dict[str, Any] | None]

    model: Mapped[Model] = relationship(back_populates="test_results")
    hardware: Mapped[HardwarePlatform] = relationship(back_populates="test_results")
    performance_results: Mapped[list[PerformanceResult]] = relationship(
        back_populates="test_result",
        primaryjoin=lambda: TestResult.id == foreign(PerformanceResult.test_id),
    )
    power_metrics: Mapped[list[PowerMetric]] = relationship(
        back_populates="test_result",
        primaryjoin=lambda: TestResult.id == foreign(PowerMetric.test_id),
    )

    __table_args__ = (
        postgresql_only_index("timestamp"),
        postgresql_only_index("model_id", "hardware_id"),
        *_non_negative("execution_time", "memory_usage"),
    )

    def __repr__(self) -> str:
        return f"TestResult(id={self.id!r}, timestamp={self.timestamp!r}, status={self.status!r})"


class PerformanceResult(Base):
    __tablename__ = "performance_results"

    id: Mapped[int] = mapped_column(BigInteger, Sequence("performance_results_id_seq"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.model_id"))
    hardware_id: Mapped[int] = mapped_column(ForeignKey("hardware_platforms.hardware_id"))
    batch_size: Mapped[int | None]
    sequence_length: Mapped[int | None]
    average_latency_ms: Mapped[float | None]
    p50_latency_ms: Mapped[float | None]
    p90_latency_ms: Mapped[float | None]
    p99_latency_ms: Mapped[float | None]
    throughput_items_per_second: Mapped[float | None]
    memory_peak_mb: Mapped[float | None]
    power_watts: Mapped[float | None]
    energy_efficiency_items_per_joule: Mapped[float | None]
    test_timestamp: Mapped[datetime | None]
    # Extra column: the test result this row was measured in (application-level reference, see module doc).
    test_id: Mapped[int | None] = mapped_column(BigInteger)

    model: Mapped[Model] = relationship(back_populates="performance_results")
    hardware: Mapped[HardwarePlatform] = relationship(back_populates="performance_results")
    test_result: Mapped[TestResult | None] = relationship(
        back_populates="performance_results",
        primaryjoin=lambda: TestResult.id == foreign(PerformanceResult.test_id),
    )

    __table_args__ = (
        postgresql_only_index("test_timestamp"),
        postgresql_only_index("model_id", "hardware_id"),
        postgresql_only_index("test_id"),
        *_non_negative(
            "batch_size",
            "sequence_length",
            "average_latency_ms",
            "p50_latency_ms",
            "p90_latency_ms",
            "p99_latency_ms",
            "throughput_items_per_second",
            "memory_peak_mb",
            "power_watts",
            "energy_efficiency_items_per_joule",
        ),
    )


class HardwareCompatibility(Base):
    __tablename__ = "hardware_compatibility"

    id: Mapped[int] = mapped_column(Integer, Sequence("hardware_compatibility_id_seq"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.model_id"))
    hardware_id: Mapped[int] = mapped_column(ForeignKey("hardware_platforms.hardware_id"))
    compatibility_status: Mapped[str | None]
    compatibility_score: Mapped[float | None]
    recommended: Mapped[bool | None]
    last_tested: Mapped[datetime | None]

    model: Mapped[Model] = relationship(back_populates="compatibility")
    hardware: Mapped[HardwarePlatform] = relationship(back_populates="compatibility")

    __table_args__ = (
        # The current verdict per pair: ingest upserts it, so the matrix never has to pick between duplicates.
        Index("uq_hardware_compatibility_model_hardware", "model_id", "hardware_id", unique=True),
        CheckConstraint(
            "compatibility_status IN ('supported', 'limited', 'unsupported')", name="compatibility_status_valid"
        ),
        CheckConstraint("compatibility_score >= 0 AND compatibility_score <= 1", name="compatibility_score_range"),
    )


class PowerMetric(Base):
    __tablename__ = "power_metrics"

    id: Mapped[int] = mapped_column(BigInteger, Sequence("power_metrics_id_seq"), primary_key=True)
    # References test_results.id (application-level reference, see module doc).
    test_id: Mapped[int | None] = mapped_column(BigInteger)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.model_id"))
    hardware_id: Mapped[int] = mapped_column(ForeignKey("hardware_platforms.hardware_id"))
    power_watts_avg: Mapped[float | None]
    power_watts_peak: Mapped[float | None]
    temperature_celsius_avg: Mapped[float | None]
    temperature_celsius_peak: Mapped[float | None]
    battery_impact_mah: Mapped[float | None]
    test_duration_seconds: Mapped[float | None]
    estimated_runtime_hours: Mapped[float | None]
    test_timestamp: Mapped[datetime | None]

    model: Mapped[Model] = relationship(back_populates="power_metrics")
    hardware: Mapped[HardwarePlatform] = relationship(back_populates="power_metrics")
    test_result: Mapped[TestResult | None] = relationship(
        back_populates="power_metrics",
        primaryjoin=lambda: TestResult.id == foreign(PowerMetric.test_id),
    )

    __table_args__ = (
        postgresql_only_index("test_id"),
        postgresql_only_index("test_timestamp"),
        postgresql_only_index("model_id", "hardware_id"),
        *_non_negative(
            "power_watts_avg",
            "power_watts_peak",
            "battery_impact_mah",
            "test_duration_seconds",
            "estimated_runtime_hours",
        ),
    )


class ImportLedger(Base):
    """One row per JSON result file whose results ``accel_orm.migration.migrate_json`` has committed.

    Keyed by the SHA-256 of the file's bytes, so re-running a migration over the same folder (or over a copy of a
    file somewhere else) adds nothing. Rows are written in the same transaction as the file's results: a ledger row
    exists exactly when the file's results are in the database.
    """

    __tablename__ = "import_ledger"

    id: Mapped[int] = mapped_column(BigInteger, Sequence("import_ledger_id_seq"), primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Where the file was when it was imported (absolute); later copies with the same bytes are not recorded.
    source_path: Mapped[str]
    file_size: Mapped[int] = mapped_column(BigInteger)
    shape: Mapped[str | None]
    results_count: Mapped[int]  # results the file holds
    results_stored: Mapped[int]  # of those, new to the database (the rest were already stored from other files)
    imported_at: Mapped[datetime]

    __table_args__ = (
        Index("uq_import_ledger_content_sha256", "content_sha256", unique=True),
        *_non_negative("file_size", "results_count", "results_stored"),
    )

    def __repr__(self) -> str:
        return f"ImportLedger(id={self.id!r}, content_sha256={self.content_sha256!r}, source_path={self.source_path!r})"
