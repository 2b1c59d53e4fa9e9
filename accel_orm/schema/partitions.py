"""Monthly partitions of ``test_results`` on PostgreSQL, created on demand before rows for a month are written.

PostgreSQL rejects a row whose month has no partition, so writers call :func:`ensure_test_result_partitions`
with the timestamps of a batch first, in a short transaction of its own. It calls the SQL function
``ensure_test_results_partition()``, which since revision 0007 builds the month's table apart and attaches it:
that takes ``test_results`` only SHARE UPDATE EXCLUSIVE, so readers and writers never wait for it, nor it for
them, and concurrent callers of one month queue on an advisory lock instead of racing. The new partition's
foreign keys take SHARE ROW EXCLUSIVE on ``models`` and ``hardware_platforms``, so it does wait for a
transaction that has created a model or hardware row. On DuckDB (one table, no partitions) it does nothing.

A transaction that has written and meets a month without a partition (a generator's later chunk, a second ORM
flush) calls :func:`ensure_partitions_within`: the month is created in a short transaction of its own unless
this one holds a lock that creation would wait for, and then inside it (see there). Applications that write
through ORM sessions are covered by a ``before_flush`` hook doing exactly that. Months that exist cost one
catalog lookup and take no lock. Importing this module registers the hook; :mod:`accel_orm.db` imports it when
it makes a PostgreSQL engine or a ``session_scope`` (DuckDB-only commands skip the ORM import).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from accel_orm.models import TestResult

log = logging.getLogger(__name__)

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


# Whether this transaction holds a lock that creating a month elsewhere would wait for: on test_results or a
# partition, anything above ROW EXCLUSIVE (ATTACH takes the parent SHARE UPDATE EXCLUSIVE); on the tables
# test_results' foreign keys point to, anything above ROW SHARE (the new partition's keys take them SHARE ROW
# EXCLUSIVE), e.g. after creating a model or hardware row.
_HOLDS_WHAT_A_NEW_MONTH_WAITS_FOR = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND ("
    " (l.relation IN (SELECT relid FROM pg_partition_tree('test_results'))"
    "  AND l.mode NOT IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock'))"
    " OR (l.relation IN (SELECT confrelid FROM pg_constraint"
    "  WHERE conrelid = 'test_results'::regclass AND contype = 'f')"
    "  AND l.mode NOT IN ('AccessShareLock', 'RowShareLock'))))"
)
# How long a month created beside an open transaction may wait for other transactions' locks before it is
# created inside the open one instead: beside it, a wait that ends only when the open transaction does (another
# writer queued behind one of its rows, itself holding a lock the new month needs) would be invisible to
# PostgreSQL's deadlock detector and never end; inside it, the detector sees it.
_BESIDE_LOCK_TIMEOUT = text("SET LOCAL lock_timeout = '2s'")
_LOCK_NOT_AVAILABLE = "55P03"


def ensure_partitions_within(connection: Connection, months: Iterable[datetime]) -> list[datetime]:
    """Make sure of the months' partitions for the transaction open on ``connection``, which may have written;
    the months it had to create inside that transaction (usually none).

    A missing month is created in a short transaction of its own, which neither waits for this one's rows nor
    holds anything once done. If this transaction holds a lock that creation would wait for (it has created a
    model or hardware row, or a month itself), or creating it beside takes longer than 2 s to get its locks,
    the month is created inside this transaction instead: then, until it commits, other writers creating
    months, models or hardware wait for it (readers and writers of existing rows do not).
    """
    missing = months_without_partitions(connection, months)
    if not missing:
        return []
    if not connection.execute(_HOLDS_WHAT_A_NEW_MONTH_WAITS_FOR).scalar_one():
        try:
            with connection.engine.begin() as beside:
                beside.execute(_BESIDE_LOCK_TIMEOUT)
                beside.execute(_ENSURE, {"months": missing})
            return []
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
    connection.execute(_ENSURE, {"months": missing})
    return missing


@event.listens_for(Session, "before_flush")
def _ensure_partitions_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    months = {
        month_start(obj.timestamp)
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, TestResult) and obj.timestamp is not None
    }
    if not months or session.get_bind(TestResult).dialect.name != "postgresql":
        return
    inside = ensure_partitions_within(session.connection(), months)
    if inside:
        log.warning(
            "created %d month partition(s) of test_results inside the session's transaction (made beside it, they "
            "would have waited for it or another writer that created models or hardware): until it commits, other "
            "writers creating months, models or hardware wait for it",
            len(inside),
        )
