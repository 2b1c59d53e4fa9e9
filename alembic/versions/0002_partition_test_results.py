"""Partition test_results by month (PostgreSQL); DuckDB keeps one time-ordered table.

Revision ID: 0002_partition_test_results
Revises: 0001_initial_schema
Create Date: 2026-11-26

PostgreSQL: ``test_results`` becomes ``PARTITION BY RANGE (timestamp)`` with monthly partitions named
``test_results_YYYY_MM``. A partitioned table's primary key must contain the partition column, so the key becomes
``(id, timestamp)``; ids still come from ``test_results_id_seq`` and stay unique. Months that hold rows and the
window from last month to three months ahead are created here; later months are created on demand by
``ensure_test_results_partition(timestamp)``, a function that tolerates concurrent callers (see
``accel_orm.schema.partitions``). There is deliberately no DEFAULT partition: it would block creating the month
partitions later.

DuckDB has no partitioned tables. Its min/max zone maps already prune time ranges when rows arrive in time
order, so this revision leaves the DuckDB table alone; closed months are archived to Parquet instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_partition_test_results"
down_revision: str | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARKED = "test_results_unpartitioned"
MONTHS_BEHIND = 1
MONTHS_AHEAD = 3

ENSURE_PARTITION_FUNCTION = """
CREATE OR REPLACE FUNCTION ensure_test_results_partition(ts timestamp without time zone) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    month_start timestamp := date_trunc('month', ts);
    partition_name text := 'test_results_' || to_char(month_start, 'YYYY_MM');
BEGIN
    IF to_regclass(partition_name) IS NULL THEN
        BEGIN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF test_results FOR VALUES FROM (%L) TO (%L)',
                partition_name, month_start, month_start + interval '1 month'
            );
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            -- Another session created the same month a moment earlier: that is the outcome we wanted.
            NULL;
        END;
    END IF;
    RETURN partition_name;
END
$fn$
"""


def _test_results(name: str, *, partitioned: bool) -> None:
    """Create test_results as revision 0001 defines it, optionally partitioned by month."""
    primary_key = ("id", "timestamp") if partitioned else ("id",)
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger(), server_default=sa.text("nextval('test_results_id_seq')"), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("test_date", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("test_type", sa.String(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("hardware_id", sa.Integer(), nullable=False),
        sa.Column("endpoint_type", sa.String(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("error_message", sa.String(), nullable=True),
        sa.Column("execution_time", sa.Double(), nullable=True),
        sa.Column("memory_usage", sa.Double(), nullable=True),
        sa.Column("details", postgresql.JSONB(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["models.model_id"], name=op.f("fk_test_results_model_id_models")),
        sa.ForeignKeyConstraint(
            ["hardware_id"],
            ["hardware_platforms.hardware_id"],
            name=op.f("fk_test_results_hardware_id_hardware_platforms"),
        ),
        sa.PrimaryKeyConstraint(*primary_key, name=op.f("pk_test_results")),
        sa.CheckConstraint("execution_time >= 0", name=op.f("ck_test_results_execution_time_nonneg")),
        sa.CheckConstraint("memory_usage >= 0", name=op.f("ck_test_results_memory_usage_nonneg")),
        postgresql_partition_by="RANGE (timestamp)" if partitioned else None,
    )
    op.create_index(op.f("ix_test_results_timestamp"), name, ["timestamp"])
    op.create_index(op.f("ix_test_results_model_id_hardware_id"), name, ["model_id", "hardware_id"])


def _park_current_table() -> None:
    """Rename test_results and its globally named indexes out of the way so the new table can take the names."""
    op.rename_table("test_results", PARKED)
    op.execute(f"ALTER TABLE {PARKED} RENAME CONSTRAINT pk_test_results TO pk_{PARKED}")
    for index in ("ix_test_results_timestamp", "ix_test_results_model_id_hardware_id"):
        op.execute(f"ALTER INDEX {index} RENAME TO {index.replace('test_results', PARKED)}")


def _copy_back_and_drop_parked() -> None:
    op.execute(f"INSERT INTO test_results SELECT * FROM {PARKED}")
    op.drop_table(PARKED)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _park_current_table()
    _test_results("test_results", partitioned=True)
    op.execute(ENSURE_PARTITION_FUNCTION)
    # Every month that already has rows, plus a window around today, before any row is copied back.
    op.execute(
        sa.text(
            "SELECT ensure_test_results_partition(month) FROM ("
            f"  SELECT DISTINCT date_trunc('month', timestamp) AS month FROM {PARKED}"
            "  UNION SELECT generate_series("
            "    date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => :behind),"
            "    date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => :ahead),"
            "    interval '1 month')"
            ") AS months"
        ).bindparams(behind=MONTHS_BEHIND, ahead=MONTHS_AHEAD)
    )
    _copy_back_and_drop_parked()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _park_current_table()
    _test_results("test_results", partitioned=False)
    _copy_back_and_drop_parked()  # dropping the partitioned parent drops its monthly partitions too
    op.execute("DROP FUNCTION IF EXISTS ensure_test_results_partition(timestamp without time zone)")
