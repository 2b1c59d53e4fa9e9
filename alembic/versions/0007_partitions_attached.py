"""PostgreSQL: new month partitions are created apart and attached, so creating one no longer waits for writers.

Revision ID: 0007_partitions_attached
Revises: 0006_fact_table_indexes
Create Date: 2026-12-01

``CREATE TABLE ... PARTITION OF test_results`` (revision 0002's ``ensure_test_results_partition()``) takes
``test_results`` ACCESS EXCLUSIVE: it waits for every open transaction that has read or written the table, and
while it waits, every new reader and writer queues behind it. Inside a transaction it then keeps the table
locked against all of them until that transaction commits. ``ALTER TABLE ... ATTACH PARTITION`` of a table
created apart (``CREATE TABLE ... (LIKE test_results INCLUDING ALL)``) takes ``test_results`` only SHARE
UPDATE EXCLUSIVE, which readers and writers do not conflict with (measured: 12 ms beside an open writer that the
old function waited for). The new partition's foreign keys still take SHARE ROW EXCLUSIVE on ``models`` and
``hardware_platforms``, so it waits for a transaction that has created a model or hardware row.

Concurrent callers of one month take a transaction-scoped advisory lock on it, so the second waits for the first
to attach it rather than finding a table that is not a partition yet. A table of the month's name that is not a
partition (nothing of accel_orm leaves one) is refused with an error, never attached with whatever rows it holds.

DuckDB has no partitions: this revision does nothing there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_partitions_attached"
down_revision: str | None = "0006_fact_table_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTACHING_FUNCTION = """
CREATE OR REPLACE FUNCTION ensure_test_results_partition(ts timestamp without time zone) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    month_start timestamp := date_trunc('month', ts);
    partition_name text := 'test_results_' || to_char(month_start, 'YYYY_MM');
    existing regclass := to_regclass(partition_name);
BEGIN
    IF existing IS NOT NULL AND EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = existing) THEN
        RETURN partition_name;  -- the common case: no lock taken
    END IF;
    -- One creator per month: a concurrent caller waits here until the first has attached it.
    PERFORM pg_advisory_xact_lock(hashtext('accel_orm.ensure_test_results_partition'), hashtext(partition_name));
    -- Looked up again by a query, which sees what the first creator committed; to_regclass() can still answer
    -- from this session's catalog cache, which an advisory lock does not refresh.
    SELECT c.oid INTO existing FROM pg_class c
    WHERE c.relname = partition_name AND c.relnamespace = current_schema()::regnamespace;
    IF existing IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = existing) THEN
            RETURN partition_name;
        END IF;
        RAISE EXCEPTION 'table % exists but is not a partition of test_results', partition_name
            USING HINT = 'accel_orm never leaves one: rename or drop it, then store again';
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE test_results INCLUDING ALL)', partition_name);
    EXECUTE format(
        'ALTER TABLE test_results ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        partition_name, month_start, month_start + interval '1 month'
    );
    RETURN partition_name;
END
$fn$
"""

# Revision 0002's function, restored by downgrade.
PARTITION_OF_FUNCTION = """
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ATTACHING_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PARTITION_OF_FUNCTION)
