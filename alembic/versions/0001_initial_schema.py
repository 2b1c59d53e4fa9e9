"""Initial schema: the six benchmark tables.

Revision ID: 0001_initial_schema
Revises:
Create Date: 2026-11-26

Primary keys take their values from named sequences with ``DEFAULT nextval(...)`` in the DDL, so bulk loaders
(Arrow ``INSERT ... SELECT`` on DuckDB, ``COPY`` on PostgreSQL) get ids without the ORM, while the ORM keeps
fetching sequence values itself (a server default on the model would make DuckDB flush one row per statement).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial_schema"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = (
    "models_model_id_seq",
    "hardware_platforms_hardware_id_seq",
    "test_results_id_seq",
    "performance_results_id_seq",
    "hardware_compatibility_id_seq",
    "power_metrics_id_seq",
)

JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _id(name: str, sequence: str, type_: sa.types.TypeEngine | None = None) -> sa.Column:
    return sa.Column(name, type_ or sa.Integer(), server_default=sa.text(f"nextval('{sequence}')"), nullable=False)


def _nonneg(table: str, *columns: str) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(f"{c} >= 0", name=op.f(f"ck_{table}_{c}_nonneg")) for c in columns]


def _model_and_hardware(table: str) -> list[sa.Column | sa.ForeignKeyConstraint]:
    return [
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("hardware_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.model_id"], name=op.f(f"fk_{table}_model_id_models")),
        sa.ForeignKeyConstraint(
            ["hardware_id"],
            ["hardware_platforms.hardware_id"],
            name=op.f(f"fk_{table}_hardware_id_hardware_platforms"),
        ),
    ]


def _doubles(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Double(), nullable=True) for name in names]


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))

    op.create_table(
        "models",
        _id("model_id", "models_model_id_seq"),
        sa.Column("model_name", sa.String(), nullable=False),
        sa.Column("model_family", sa.String(), nullable=True),
        sa.Column("model_type", sa.String(), nullable=True),
        sa.Column("model_size", sa.String(), nullable=True),
        sa.Column("parameters_million", sa.Double(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_models")),
        *_nonneg("models", "parameters_million"),
    )
    op.create_index("uq_models_model_name", "models", ["model_name"], unique=True)

    op.create_table(
        "hardware_platforms",
        _id("hardware_id", "hardware_platforms_hardware_id_seq"),
        sa.Column("hardware_type", sa.String(), nullable=False),
        sa.Column("device_name", sa.String(), nullable=True),
        sa.Column("compute_units", sa.Integer(), nullable=True),
        sa.Column("memory_capacity", sa.Double(), nullable=True),
        sa.Column("driver_version", sa.String(), nullable=True),
        sa.Column("supported_precisions", sa.String(), nullable=True),
        sa.Column("max_batch_size", sa.Integer(), nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("hardware_id", name=op.f("pk_hardware_platforms")),
        *_nonneg("hardware_platforms", "compute_units", "memory_capacity", "max_batch_size"),
    )
    op.create_index(op.f("ix_hardware_platforms_hardware_type"), "hardware_platforms", ["hardware_type"])
    op.create_index(
        "uq_hardware_platforms_type_device",
        "hardware_platforms",
        ["hardware_type", sa.text("coalesce(device_name, '')")],
        unique=True,
    )

    op.create_table(
        "test_results",
        _id("id", "test_results_id_seq", sa.BigInteger()),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("test_date", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("test_type", sa.String(), nullable=False),
        *_model_and_hardware("test_results"),
        sa.Column("endpoint_type", sa.String(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("execution_time", sa.Double(), nullable=True),
        sa.Column("memory_usage", sa.Double(), nullable=True),
        sa.Column("details", JSON_DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_results")),
        *_nonneg("test_results", "execution_time", "memory_usage"),
    )
    op.create_index(op.f("ix_test_results_timestamp"), "test_results", ["timestamp"])
    op.create_index(op.f("ix_test_results_model_id_hardware_id"), "test_results", ["model_id", "hardware_id"])

    performance_measures = (
        "average_latency_ms",
        "p50_latency_ms",
        "p90_latency_ms",
        "p99_latency_ms",
        "throughput_items_per_second",
        "memory_peak_mb",
        "power_watts",
        "energy_efficiency_items_per_joule",
    )
    op.create_table(
        "performance_results",
        _id("id", "performance_results_id_seq", sa.BigInteger()),
        *_model_and_hardware("performance_results"),
        sa.Column("batch_size", sa.Integer(), nullable=True),
        sa.Column("sequence_length", sa.Integer(), nullable=True),
        *_doubles(*performance_measures),
        sa.Column("test_timestamp", sa.DateTime(), nullable=True),
        sa.Column("test_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_results")),
        *_nonneg("performance_results", "batch_size", "sequence_length", *performance_measures),
    )
    op.create_index(op.f("ix_performance_results_test_timestamp"), "performance_results", ["test_timestamp"])
    op.create_index(
        op.f("ix_performance_results_model_id_hardware_id"), "performance_results", ["model_id", "hardware_id"]
    )
    op.create_index(op.f("ix_performance_results_test_id"), "performance_results", ["test_id"])

    op.create_table(
        "hardware_compatibility",
        _id("id", "hardware_compatibility_id_seq"),
        *_model_and_hardware("hardware_compatibility"),
        sa.Column("compatibility_status", sa.String(), nullable=True),
        sa.Column("compatibility_score", sa.Double(), nullable=True),
        sa.Column("recommended", sa.Boolean(), nullable=True),
        sa.Column("last_tested", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardware_compatibility")),
        sa.CheckConstraint(
            "compatibility_status IN ('supported', 'limited', 'unsupported')",
            name=op.f("ck_hardware_compatibility_compatibility_status_valid"),
        ),
        sa.CheckConstraint(
            "compatibility_score >= 0 AND compatibility_score <= 1",
            name=op.f("ck_hardware_compatibility_compatibility_score_range"),
        ),
    )
    op.create_index(
        "uq_hardware_compatibility_model_hardware",
        "hardware_compatibility",
        ["model_id", "hardware_id"],
        unique=True,
    )

    power_measures = (
        "power_watts_avg",
        "power_watts_peak",
        "battery_impact_mah",
        "test_duration_seconds",
        "estimated_runtime_hours",
    )
    op.create_table(
        "power_metrics",
        _id("id", "power_metrics_id_seq", sa.BigInteger()),
        sa.Column("test_id", sa.BigInteger(), nullable=True),
        *_model_and_hardware("power_metrics"),
        *_doubles("power_watts_avg", "power_watts_peak", "temperature_celsius_avg", "temperature_celsius_peak"),
        *_doubles("battery_impact_mah", "test_duration_seconds", "estimated_runtime_hours"),
        sa.Column("test_timestamp", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_power_metrics")),
        *_nonneg("power_metrics", *power_measures),
    )
    op.create_index(op.f("ix_power_metrics_test_id"), "power_metrics", ["test_id"])
    op.create_index(op.f("ix_power_metrics_test_timestamp"), "power_metrics", ["test_timestamp"])
    op.create_index(op.f("ix_power_metrics_model_id_hardware_id"), "power_metrics", ["model_id", "hardware_id"])


def downgrade() -> None:
    # Children before parents: DuckDB refuses to drop a table other tables still reference.
    for table in ("power_metrics", "hardware_compatibility", "performance_results", "test_results"):
        op.drop_table(table)
    op.drop_table("hardware_platforms")
    op.drop_table("models")
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
