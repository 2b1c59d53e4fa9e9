"""Import ledger: which JSON result files have been migrated, by content hash.

Revision ID: 0003_import_ledger
Revises: 0002_partition_test_results
Create Date: 2026-11-27

``accel_orm.migration.migrate_json`` records one row per imported file (SHA-256 of its bytes, unique) in the
same transaction as the file's results, so re-running a migration adds nothing. The id comes from
``import_ledger_id_seq`` with ``DEFAULT nextval(...)`` in the DDL, like the other tables, so bulk writers
(Arrow on DuckDB, COPY on PostgreSQL) get ids without the ORM.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_import_ledger"
down_revision: str | None = "0002_partition_test_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCE = "import_ledger_id_seq"


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE)))
    op.create_table(
        "import_ledger",
        sa.Column("id", sa.BigInteger(), server_default=sa.text(f"nextval('{SEQUENCE}')"), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_path", sa.String(), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("shape", sa.String(), nullable=True),
        sa.Column("results_count", sa.Integer(), nullable=False),
        sa.Column("results_stored", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_ledger")),
        *[
            sa.CheckConstraint(f"{column} >= 0", name=op.f(f"ck_import_ledger_{column}_nonneg"))
            for column in ("file_size", "results_count", "results_stored")
        ],
    )
    op.create_index("uq_import_ledger_content_sha256", "import_ledger", ["content_sha256"], unique=True)


def downgrade() -> None:
    op.drop_table("import_ledger")
    op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
