"""Runs: the test_runs table, run_id on the fact tables, and the columns the replaced system's later tools query.

Revision ID: 0004_test_runs
Revises: 0003_import_ledger
Create Date: 2026-12-01

- ``test_runs``: the replaced system's columns verbatim (``run_id, test_name, test_type, started_at, completed_at,
  execution_time_seconds, success, git_commit, git_branch, command_line, metadata, created_at``) plus what a CI
  gate needs: ``git_dirty, ci_provider, ci_job_url, hostname, machine_fingerprint`` and the ``machine`` JSON.
- ``run_id`` (nullable: rows stored before runs existed have none) on ``test_results``, ``performance_results``
  and ``power_metrics``. PostgreSQL gets foreign keys on the last two (see ``FOREIGN_KEY_TABLES`` for why not on
  the partitioned ``test_results``). DuckDB cannot add a foreign key to an existing table. Elsewhere the data layer
  guarantees the reference and ``accel-orm maintenance --check-integrity`` reports orphans.
- The later tools' columns with their meaning there: ``is_simulated`` (``DEFAULT FALSE``, as their own schema
  update added it, so existing rows read as real hardware) and ``simulation_reason`` on ``test_results``,
  ``performance_results`` and ``hardware_platforms``; ``test_results.error_category`` / ``error_details``;
  ``performance_results.precision`` / ``test_case`` / ``created_at``; ``hardware_platforms.description``;
  ``hardware_compatibility.is_compatible`` / ``created_at``; ``models.modality``.
- Existing rows: ``created_at`` takes the best time known (``test_timestamp``, ``last_tested``) rather than the
  moment of the upgrade, so "latest by created_at" queries still order history correctly; ``is_compatible`` is
  derived from ``compatibility_status``.

Every change is ``ADD COLUMN`` (nullable or with a constant default) or a new table, which both engines do
without rewriting existing tables, so PostgreSQL partitions and DuckDB indexes stay as they are. Not done:
``performance_results.result_id`` / ``hardware_compatibility.compatibility_id`` as generated aliases of ``id`` --
DuckDB refuses to add a generated column to an existing table ("not supported yet") and PostgreSQL 15 has only
STORED generated columns, whose addition rewrites the whole table under an exclusive lock.

Downgrade on DuckDB drops ``test_runs`` and the run indexes but keeps the added columns: DuckDB refuses to drop a
column from a table that has an index or is referenced by a foreign key (``Dependency Error``) unless every table
is recreated. The kept columns are nullable or defaulted, so revision-0003 code never notices them, and upgrading
again reuses them (``ADD COLUMN IF NOT EXISTS``) with their values. PostgreSQL drops everything.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_test_runs"
down_revision: str | None = "0003_import_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = "test_runs_run_id_seq"
JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
RUN_TABLES = ("test_results", "performance_results", "power_metrics")
# Tables whose run_id PostgreSQL enforces as a foreign key. Not the partitioned test_results: the key would be cloned
# onto every monthly partition, and creating a partition would then lock test_runs against writers holding run
# rows in open transactions (concurrent writers creating months deadlocked).
FOREIGN_KEY_TABLES = ("performance_results", "power_metrics")
NOW = sa.text("CURRENT_TIMESTAMP")


def _added_columns() -> tuple[tuple[str, sa.Column], ...]:
    """(table, column) added by this revision, in order; downgrade drops them in reverse. Built afresh per call:
    a Column belongs to one table, and a process may upgrade several databases."""
    return (
        ("models", sa.Column("modality", sa.String(), nullable=True)),
        ("hardware_platforms", sa.Column("is_simulated", sa.Boolean(), server_default=sa.false(), nullable=True)),
        ("hardware_platforms", sa.Column("simulation_reason", sa.String(), nullable=True)),
        ("hardware_platforms", sa.Column("description", sa.String(), nullable=True)),
        ("test_results", sa.Column("run_id", sa.BigInteger(), nullable=True)),
        ("test_results", sa.Column("is_simulated", sa.Boolean(), server_default=sa.false(), nullable=True)),
        ("test_results", sa.Column("simulation_reason", sa.String(), nullable=True)),
        ("test_results", sa.Column("error_category", sa.String(), nullable=True)),
        ("test_results", sa.Column("error_details", JSON_DOCUMENT, nullable=True)),
        ("performance_results", sa.Column("run_id", sa.BigInteger(), nullable=True)),
        ("performance_results", sa.Column("precision", sa.String(), nullable=True)),
        ("performance_results", sa.Column("test_case", sa.String(), nullable=True)),
        ("performance_results", sa.Column("is_simulated", sa.Boolean(), server_default=sa.false(), nullable=True)),
        ("performance_results", sa.Column("simulation_reason", sa.String(), nullable=True)),
        ("performance_results", sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=True)),
        ("performance_results", sa.Column("latency_stddev_ms", sa.Double(), nullable=True)),
        ("performance_results", sa.Column("latency_iqr_ms", sa.Double(), nullable=True)),
        ("performance_results", sa.Column("sample_count", sa.Integer(), nullable=True)),
        ("hardware_compatibility", sa.Column("is_compatible", sa.Boolean(), nullable=True)),
        ("hardware_compatibility", sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=True)),
        ("power_metrics", sa.Column("run_id", sa.BigInteger(), nullable=True)),
    )


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create_test_runs() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE)))
    op.create_table(
        "test_runs",
        sa.Column("run_id", sa.BigInteger(), server_default=sa.text(f"nextval('{SEQUENCE}')"), nullable=False),
        sa.Column("test_name", sa.String(), nullable=False),
        sa.Column("test_type", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("execution_time_seconds", sa.Double(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("git_commit", sa.String(), nullable=True),
        sa.Column("git_branch", sa.String(), nullable=True),
        sa.Column("command_line", sa.String(), nullable=True),
        sa.Column("metadata", JSON_DOCUMENT, nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=NOW, nullable=True),
        sa.Column("git_dirty", sa.Boolean(), nullable=True),
        sa.Column("ci_provider", sa.String(), nullable=True),
        sa.Column("ci_job_url", sa.String(), nullable=True),
        sa.Column("hostname", sa.String(), nullable=True),
        sa.Column("machine_fingerprint", sa.String(length=16), nullable=True),
        sa.Column("machine", JSON_DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_test_runs")),
        sa.CheckConstraint("execution_time_seconds >= 0", name=op.f("ck_test_runs_execution_time_seconds_nonneg")),
    )
    op.create_index(op.f("ix_test_runs_git_commit"), "test_runs", ["git_commit"])
    op.create_index(op.f("ix_test_runs_git_branch"), "test_runs", ["git_branch"])


def _backfill() -> None:
    op.execute("UPDATE performance_results SET created_at = test_timestamp WHERE test_timestamp IS NOT NULL")
    op.execute("UPDATE hardware_compatibility SET created_at = last_tested WHERE last_tested IS NOT NULL")
    op.execute(
        "UPDATE hardware_compatibility SET is_compatible = (compatibility_status IN ('supported', 'limited')) "
        "WHERE compatibility_status IS NOT NULL"
    )


def upgrade() -> None:
    _create_test_runs()
    # On DuckDB the columns may survive from an earlier downgrade (see the module docstring).
    reuse = not _is_postgresql()
    for table, column in _added_columns():
        op.add_column(table, column, if_not_exists=reuse)
    _backfill()
    for table in RUN_TABLES:
        op.create_index(op.f(f"ix_{table}_run_id"), table, ["run_id"])
        if _is_postgresql() and table in FOREIGN_KEY_TABLES:
            op.create_foreign_key(op.f(f"fk_{table}_run_id_test_runs"), table, "test_runs", ["run_id"], ["run_id"])


def downgrade() -> None:
    for table in RUN_TABLES:
        if _is_postgresql() and table in FOREIGN_KEY_TABLES:
            op.drop_constraint(op.f(f"fk_{table}_run_id_test_runs"), table, type_="foreignkey")
        op.drop_index(op.f(f"ix_{table}_run_id"), table_name=table)
    if _is_postgresql():
        for table, column in reversed(_added_columns()):
            op.drop_column(table, column.name)
    op.drop_table("test_runs")
    op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
