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

``run_id`` (on ``test_results``, ``performance_results`` and ``power_metrics``) references ``test_runs``. PostgreSQL
enforces it as a foreign key on ``performance_results`` and ``power_metrics``. Not on ``test_results``: a foreign
key on the partitioned table is cloned onto every monthly partition, so creating a partition would need a lock on
``test_runs`` that conflicts with writers holding run rows in open transactions, and concurrent writers creating
months deadlock (measured: the 8-writer test hung). DuckDB cannot add a foreign key to an existing table at all
(``ALTER TABLE ... ADD FOREIGN KEY`` is not implemented). Where the database does not enforce it, the reference is
guaranteed by the data layer and reported by ``maintenance.check_integrity``; the constraint's
``info={"enforced_on": (...)}`` names the engines that have it, so schema comparison does not ask for the others.
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
    false,
    func,
    text,
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
# ``hardware_compatibility.is_compatible`` (the later tools' flag) is true for these statuses: a model that runs
# with limitations still runs.
COMPATIBLE_STATUSES = ("supported", "limited")

# Row creation time, as the later tools' ``created_at DEFAULT CURRENT_TIMESTAMP`` columns (sessions run in UTC).
CREATED_NOW = text("CURRENT_TIMESTAMP")
# Foreign keys only PostgreSQL enforces (see the module docstring).
POSTGRESQL_ONLY_FOREIGN_KEY: dict[str, tuple[str, ...]] = {"enforced_on": ("postgresql",)}
DATA_LAYER_ONLY: dict[str, tuple[str, ...]] = {"enforced_on": ()}


def _run_reference(enforced: dict[str, tuple[str, ...]] = POSTGRESQL_ONLY_FOREIGN_KEY) -> Any:
    """``run_id`` -> ``test_runs.run_id``: nullable (results stored before runs existed have none), indexed."""
    return mapped_column(BigInteger, ForeignKey("test_runs.run_id", info=enforced), index=True)


def _not_simulated() -> Any:
    """The later tools' ``is_simulated BOOLEAN DEFAULT FALSE``: results on real hardware unless said otherwise."""
    return mapped_column(server_default=false())


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
    return Index(None, *columns, info={POSTGRESQL_ONLY_INDEX: True}).ddl_if(dialect="postgresql")


# The Index.info flag of indexes only PostgreSQL gets (the DuckDB Alembic implementation skips them).
POSTGRESQL_ONLY_INDEX = "postgresql_only"


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
    # The later tools' column: text, image, audio, multimodal, ...
    modality: Mapped[str | None]

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
    # The later tools' columns: a platform emulated rather than present (e.g. WebGPU in a headless browser).
    is_simulated: Mapped[bool | None] = _not_simulated()
    simulation_reason: Mapped[str | None]
    description: Mapped[str | None]

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
    run_id: Mapped[int | None] = _run_reference(DATA_LAYER_ONLY)  # not on the partitioned table (module doc)
    # The later tools' columns: whether the result came from simulated hardware and why; an error's class
    # (e.g. "out_of_memory", "unsupported_operation") and its structured details.
    is_simulated: Mapped[bool | None] = _not_simulated()
    simulation_reason: Mapped[str | None]
    error_category: Mapped[str | None]
    error_details: Mapped[dict[str, Any] | None]

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
    run_id: Mapped[int | None] = _run_reference()
    # The later tools' columns: numeric precision (fp32, fp16, int8, ...; part of the comparability key), the
    # test case (a benchmark's full name), simulation flags and the row's creation time.
    precision: Mapped[str | None]
    test_case: Mapped[str | None]
    is_simulated: Mapped[bool | None] = _not_simulated()
    simulation_reason: Mapped[str | None]
    created_at: Mapped[datetime | None] = mapped_column(server_default=CREATED_NOW)
    # Spread of the latency behind the value, so comparisons can judge noise: sample standard deviation and
    # interquartile range (ms) and how many measurements (rounds) the value summarises. Validated >= 0 by ingest
    # (DuckDB cannot add CHECK constraints to an existing table).
    latency_stddev_ms: Mapped[float | None]
    latency_iqr_ms: Mapped[float | None]
    sample_count: Mapped[int | None] = mapped_column(Integer)

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
    # The later tools' flag, kept equal to ``compatibility_status IN ('supported', 'limited')`` by the data layer
    # (and checked by the integrity check): neither engine can add it as a generated column to an existing table
    # without rewriting it.
    is_compatible: Mapped[bool | None]
    created_at: Mapped[datetime | None] = mapped_column(server_default=CREATED_NOW)

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
    run_id: Mapped[int | None] = _run_reference()

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


class TestRun(Base):
    """One benchmark run: a CI job, a ``pytest --benchmark-json`` file, a harness invocation.

    The first twelve columns are the replaced system's ``test_runs`` table, verbatim. The rest identify a run for
    a CI gate: the git state, the CI provider and job URL, and the machine. What gates filter and group on is a
    column (commit, branch, dirty, provider, job URL, host name, machine fingerprint); the machine's descriptive
    facts (OS, CPU model, cores, memory, GPUs and driver, Python) are one JSON document, ``machine``, because they
    vary by platform and are read, not filtered. ``machine_fingerprint`` is a short hash of those facts: two runs
    with the same fingerprint ran on equivalent machines.
    """

    __tablename__ = "test_runs"
    __test__ = False

    run_id: Mapped[int] = mapped_column(BigInteger, Sequence("test_runs_run_id_seq"), primary_key=True)
    test_name: Mapped[str]
    test_type: Mapped[str]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    execution_time_seconds: Mapped[float | None]
    success: Mapped[bool | None]
    git_commit: Mapped[str | None]
    git_branch: Mapped[str | None]
    command_line: Mapped[str | None]
    # "metadata" is the column's name; the attribute needs another (Base.metadata is SQLAlchemy's).
    run_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    created_at: Mapped[datetime | None] = mapped_column(server_default=CREATED_NOW)
    git_dirty: Mapped[bool | None]
    ci_provider: Mapped[str | None]
    ci_job_url: Mapped[str | None]
    hostname: Mapped[str | None]
    machine_fingerprint: Mapped[str | None] = mapped_column(String(16))
    machine: Mapped[dict[str, Any] | None]

    __table_args__ = (
        Index(None, "git_commit"),
        Index(None, "git_branch"),
        *_non_negative("execution_time_seconds"),
    )

    def __repr__(self) -> str:
        return f"TestRun(run_id={self.run_id!r}, git_commit={self.git_commit!r}, git_branch={self.git_branch!r})"


class ImportLedger(Base):
    """One row per JSON result file whose results ``accel_orm.json_import.migrate_json`` has committed.

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


class ChangeAcknowledgement(Base):
    """A team's decision to accept one detected change (a new model version that is slower by design).

    A change is identified by its series (``series_key``: the comparability key's column values, see
    :data:`accel_orm.queries.series.SERIES_KEY`), its ``metric`` and ``change_timestamp`` (the first measurement
    after the step); ``change_id`` is the short stable hash of those that every change output shows. The key is a
    JSON document so that a new key column (precision, test case) needs no migration of this table.
    """

    __tablename__ = "change_acknowledgements"

    change_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str]
    series_key: Mapped[dict[str, Any]]
    change_timestamp: Mapped[datetime]
    reason: Mapped[str]
    acknowledged_by: Mapped[str | None]
    acknowledged_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"ChangeAcknowledgement(change_id={self.change_id!r}, metric={self.metric!r})"
