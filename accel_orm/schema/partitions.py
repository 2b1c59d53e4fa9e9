"""Monthly partitions of ``test_results`` on PostgreSQL, created on demand before rows for a month are written.

PostgreSQL rejects a row whose month has no partition, so writers call :func:`ensure_test_result_partitions`
with the timestamps of a batch first. It calls ``ensure_test_results_partition()`` (installed by migration
0002), which catches the ``duplicate_table`` race between concurrent writers, in its own short autocommit
transaction: creating a partition takes a lock that waits for open insert transactions, so it must not run
inside one. On DuckDB (one table, no partitions) it does nothing.

Applications that write through ORM sessions are covered by a ``before_flush`` hook: it makes sure of the months
of new or changed ``TestResult`` objects. Months that exist cost one catalog lookup and take no lock. A missing
month is created in a short transaction of its own when the session's transaction holds no lock that the
creation would wait for (the usual case: the first flush); created inside the session's transaction instead, it
would keep ``test_results`` locked against every reader and writer until the session commits. A session that
has already touched ``test_results`` creates it inside its own transaction (a separate connection would wait
forever on the lock the session itself holds).
Importing this module registers the hook; :mod:`accel_orm.db` imports it when it makes a PostgreSQL engine or a
``session_scope`` (DuckDB-only commands skip the ORM import).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from accel_orm.models import TestResult

PARTITION_PREFIX = "test_results_"
_PARTITION_NAME = re.compile(rf"^{PARTITION_PREFIX}\d{{4}}_\d{{2}}$")


def is_partition_table(name: str | None) -> bool:
    """``test_results_YYYY_MM``: a monthly partition, not a model of its own."""
    return name is not None and _PARTITION_NAME.match(name) is not None


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter for schema comparison (``alembic check``, the integrity check): skip the partitions."""
    return not (type_ == "table" and is_partition_table(name))


IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def schema_filter(dialect_name: str) -> IncludeObject:
    """:func:`include_object` for one engine: also skips declared foreign keys that engine does not enforce.

    ``run_id`` references carry ``info={"enforced_on": ("postgresql",)}`` (see :mod:`accel_orm.models`): DuckDB
    cannot add a foreign key to an existing table, so its schema legitimately lacks them.
    """

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "foreign_key_constraint" and not reflected and not _enforced_on(obj, dialect_name):
            return False
        return include_object(obj, name, type_, reflected, compare_to)

    return include


def _enforced_on(constraint: Any, dialect_name: str) -> bool:
    """False when a declared foreign key names the engines enforcing it and ``dialect_name`` is not one of them."""
    for element in getattr(constraint, "elements", ()):
        engines = element.info.get("enforced_on")
        if engines is not None and dialect_name not in engines:
            return False
    return True


_ENSURE = text("SELECT ensure_test_results_partition(month) FROM unnest(:months) AS month ORDER BY month").bindparams(
    bindparam("months", type_=ARRAY(DateTime()))
)


_WITHOUT_PARTITION = text(
    "SELECT month FROM unnest(:months) AS month"
    f" WHERE to_regclass('{PARTITION_PREFIX}' || to_char(month, 'YYYY_MM')) IS NULL ORDER BY month"
).bindparams(bindparam("months", type_=ARRAY(DateTime())))


def months_without_partitions(connection: Connection, months: Iterable[datetime]) -> list[datetime]:
    """The month starts among ``months`` that have no partition yet: a catalog lookup that takes no lock, so it
    is safe inside a transaction that has written (creating the partition is not, see ``accel_orm.ingest.store``)."""
    wanted = sorted({month_start(moment) for moment in months})
    if not wanted:
        return []
    return list(connection.execute(_WITHOUT_PARTITION, {"months": wanted}).scalars())


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def partition_name(moment: datetime) -> str:
    """``test_results_YYYY_MM`` for the month holding ``moment``."""
    return f"{PARTITION_PREFIX}{moment.year:04d}_{moment.month:02d}"


def ensure_test_result_partitions(bind: Engine | Connection, timestamps: Iterable[datetime]) -> list[str]:
    """Make sure every month in ``timestamps`` (naive UTC) has a partition; return the partition names.

    Given an Engine, it works in a short autocommit transaction of its own (the normal case: call it before the
    transaction that inserts). Given a Connection, it works inside that connection's transaction, which then
    holds the new partition's lock until it commits. Safe to call from many processes at once. A no-op
    returning [] on engines without partitioning.
    """
    if bind.dialect.name != "postgresql":
        return []
    months = sorted({month_start(moment) for moment in timestamps})
    if not months:
        return []
    if isinstance(bind, Connection):
        return list(bind.execute(_ENSURE, {"months": months}).scalars())
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return list(connection.execute(_ENSURE, {"months": months}).scalars())


# Whether this transaction holds a lock that creating a partition waits for: any lock on test_results (or its
# partitions and indexes), which the creation takes ACCESS EXCLUSIVE, or a lock stronger than ACCESS SHARE on
# another user table (the new partition's foreign keys take SHARE ROW EXCLUSIVE on models and hardware_platforms).
_HOLDS_WHAT_A_PARTITION_WAITS_FOR = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE l.pid = pg_backend_pid() AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND (c.relname LIKE 'test\\_results%' OR l.mode <> 'AccessShareLock'))"
)


@event.listens_for(Session, "before_flush")
def _ensure_partitions_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    months = {
        month_start(obj.timestamp)
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, TestResult) and obj.timestamp is not None
    }
    if not months or session.get_bind(TestResult).dialect.name != "postgresql":
        return
    connection = session.connection()
    missing = months_without_partitions(connection, months)
    if not missing:
        return
    if connection.execute(_HOLDS_WHAT_A_PARTITION_WAITS_FOR).scalar_one():
        connection.execute(_ENSURE, {"months": missing})
    else:
        ensure_test_result_partitions(connection.engine, missing)
