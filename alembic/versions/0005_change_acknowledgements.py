"""Change acknowledgements: the changes a team has accepted, with who and why.

Revision ID: 0005_change_acknowledgements
Revises: 0003_import_ledger
Create Date: 2026-12-01

``accel-orm changes ack ID --reason TEXT`` writes one row per accepted change; the change detector marks those
changes as acknowledged. A change is identified by its series key (JSON, so a new key column needs no migration
here), metric and the timestamp of the first measurement after it; ``change_id`` is the short hash of those.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_change_acknowledgements"
down_revision: str | None = "0004_test_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "change_acknowledgements",
        sa.Column("change_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("series_key", JSON_DOCUMENT, nullable=False),
        sa.Column("change_timestamp", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("acknowledged_by", sa.String(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_change_acknowledgements")),
    )


def downgrade() -> None:
    op.drop_table("change_acknowledgements")
