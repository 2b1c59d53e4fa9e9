"""Fact-table secondary indexes only where they help: kept on PostgreSQL, dropped on DuckDB.

Revision ID: 0006_fact_table_indexes
Revises: 0003_import_ledger
Create Date: 2026-12-01

Measured at 10,000,000 performance rows (``python benchmarks/indexes.py``): on DuckDB none of the eight
secondary indexes of ``test_results``, ``performance_results`` and ``power_metrics`` made any query of
``accel_orm.queries`` or the maintenance jobs' lookups faster (rows arrive in time order and id order, so zone
maps already skip what a time window or an id does not need; joins are hash joins), some range filters got
slower, and storing 20,000 results into the 10M-row file took 1.44x as long with them. Primary keys and the
unique indexes stay. PostgreSQL plans with its B-tree indexes (``test_id`` joins, time windows on the
unpartitioned fact tables), so it keeps all of them: this revision does nothing there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_fact_table_indexes"
down_revision: str | None = "0005_change_acknowledgements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns) as revision 0001 created them.
DUCKDB_DROPPED = (
    ("ix_test_results_timestamp", "test_results", ["timestamp"]),
    ("ix_test_results_model_id_hardware_id", "test_results", ["model_id", "hardware_id"]),
    ("ix_performance_results_test_timestamp", "performance_results", ["test_timestamp"]),
    ("ix_performance_results_model_id_hardware_id", "performance_results", ["model_id", "hardware_id"]),
    ("ix_performance_results_test_id", "performance_results", ["test_id"]),
    ("ix_power_metrics_test_id", "power_metrics", ["test_id"]),
    ("ix_power_metrics_test_timestamp", "power_metrics", ["test_timestamp"]),
    ("ix_power_metrics_model_id_hardware_id", "power_metrics", ["model_id", "hardware_id"]),
)


def _on_duckdb() -> bool:
    return op.get_context().dialect.name == "duckdb"


def upgrade() -> None:
    if _on_duckdb():
        for name, table, _ in DUCKDB_DROPPED:
            op.drop_index(name, table_name=table)


def downgrade() -> None:
    if _on_duckdb():
        for name, table, columns in DUCKDB_DROPPED:
            op.create_index(name, table, columns)
