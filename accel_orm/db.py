"""Engines and sessions for both engines: embedded DuckDB (default) and PostgreSQL (many concurrent writers).

- Times are UTC on both: PostgreSQL sessions run with ``TimeZone=UTC``; DuckDB without its ICU extension has no
  time zones at all (everything is UTC), and where ICU is loaded the session is pinned to UTC too.
- DuckDB files are opened per operation (``NullPool``) and closed when it ends, so a program holding an engine
  does not keep other processes out of the file. A file locked by another process is retried with backoff for
  ``lock_timeout`` seconds, then :class:`DatabaseLockedError` names the file and the holder.
- A brand-new database is upgraded to head on first use; one behind head raises :class:`SchemaOutdatedError`
  with the command to run.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlalchemy import Connection, Engine, create_engine, event, exc, func, select
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool, StaticPool

from accel_orm import lock_requests, sandbox
from accel_orm.config import Database, resolve
from accel_orm.errors import (
    ConstraintViolationError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    DeadlockError,
    ReadOnlyViolationError,
    SchemaError,
    SchemaOutdatedError,
    SchemaTooNewError,
)
from accel_orm.schema import duckdb_dialect, revisions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 30.0
# Once a waiter has asked the holder to step aside, it retries at least this often (seconds).
_ANNOUNCED_RETRY = 0.05
# Serialises concurrent first-use upgrades of one PostgreSQL database (an arbitrary, fixed 64-bit key).
_UPGRADE_LOCK_KEY = 0x616363656C5F6F72
_DUCKDB_MAGIC = b"DUCK"

_SHOWN_COMMAND_LINE = 120
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")

duckdb_dialect.register()

# The Database each engine of get_engine was opened for, so callers holding an engine never re-resolve it.
_DATABASES: weakref.WeakKeyDictionary[Engine, Database] = weakref.WeakKeyDictionary()


def database_of(engine: Engine) -> Database:
    """Where ``engine`` points: the value :func:`get_engine` resolved (engines made elsewhere: from their URL)."""
    database = _DATABASES.get(engine)
    return database if database is not None else Database.from_url(engine.url)


def get_engine(
    url_or_path: str | os.PathLike[str] | URL | Database | None = None,
    *,
    auto_upgrade: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    read_only: bool = False,
    sandboxed: bool = False,
    create: bool = True,
    echo: bool = False,
) -> Engine:
    """An engine for the database named by ``url_or_path`` (else the environment; see :mod:`accel_orm.config`).

    With ``auto_upgrade`` (the default) an empty database is migrated to head and an outdated one raises
    :class:`SchemaOutdatedError`. ``read_only`` opens DuckDB files read-only (other read-only processes may
    open them at the same time). ``sandboxed`` (for hand-written SQL, with ``read_only``) also opens DuckDB without
    file, network or extension access and with its configuration locked (see :mod:`accel_orm.sandbox`). Call
    ``engine.dispose()`` when done. ``create=False`` (for commands that only read or inspect) never creates a
    database: a missing DuckDB file raises :class:`DatabaseNotFoundError` and an empty database is not given
    the schema.
    """
    database = resolve(url_or_path)
    if database.is_duckdb:
        engine = _duckdb_engine(
            database, lock_timeout=lock_timeout, read_only=read_only, sandboxed=sandboxed, create=create, echo=echo
        )
    elif database.backend == "postgresql":
        engine = _postgresql_engine(database.url, read_only=read_only, echo=echo)
    else:
        raise ValueError(
            f"unsupported database {database.describe()!r}: accel_orm works with DuckDB files and PostgreSQL "
            "(postgresql+psycopg://user:password@host/dbname)"
        )
    _DATABASES[engine] = database
    with no_file_left_on_failure(database):
        try:
            if auto_upgrade:
                ensure_schema(engine, allow_create=create and not read_only)
            else:
                # Fail here, with advice, rather than at the caller's first query.
                with translate_errors(database), engine.connect():
                    pass
        except BaseException:
            engine.dispose()
            raise
    return engine


@contextmanager
def no_file_left_on_failure(database: Database | URL) -> Iterator[None]:
    """Remove the DuckDB file (and its WAL) that the block created, if the block raises.

    Opening a DuckDB path creates the file, so without this a command that fails (a downgrade of a database that
    was never there, a first-use upgrade that breaks) would leave an empty database behind. Files that existed
    before the block are never touched. Close every connection to the file inside the block.
    """
    path = _database(database).path
    if path is None or path.exists():
        yield
        return
    try:
        yield
    except BaseException:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def _duckdb_engine(
    database: Database, *, lock_timeout: float, read_only: bool, sandboxed: bool, create: bool, echo: bool
) -> Engine:
    path = database.path
    replacements = str(database.url.query.get("python_enable_replacements", "true"))
    if replacements.strip().lower() in {"false", "0", "off", "no"}:
        raise ValueError(
            f"{database.describe()}: accel_orm cannot work with python_enable_replacements={replacements}: it hands "
            "result rows to DuckDB as Arrow tables by replacement scan. Remove the setting from the URL."
        )
    if path is not None:
        _check_duckdb_location(path, read_only=read_only, create=create)
    connect_args: dict[str, Any] = {"read_only": read_only} if path is not None else {}
    if sandboxed:
        connect_args["config"] = dict(sandbox.DUCKDB_SANDBOX_CONFIG)
    engine = create_engine(
        database.url.set(drivername=duckdb_dialect.DIALECT_NAME.replace(".", "+")),
        poolclass=NullPool if path is not None else StaticPool,
        connect_args=connect_args,
        echo=echo,
    )

    @event.listens_for(engine, "do_connect")
    def _connect_with_lock_retry(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
        return _connect_duckdb(dialect, cargs, cparams, path=path, lock_timeout=lock_timeout)

    @event.listens_for(engine, "handle_error")
    def _drop_invalidated_connections(context: Any) -> None:
        # After a FatalException (a full disk during a checkpoint, ...) DuckDB has invalidated the database: a
        # rollback on the connection fails too, and the pool would log that with a traceback. Treating it as a
        # disconnect makes SQLAlchemy discard the connection instead.
        if isinstance(context.original_exception, duckdb.FatalException):
            context.is_disconnect = True

    buffer_one_row_group = not read_only and _BULK_APPEND_BUFFER not in database.url.query

    @event.listens_for(engine, "connect")
    def _pin_utc(dbapi_connection: Any, connection_record: Any) -> None:
        try:
            dbapi_connection.execute("SET TimeZone = 'UTC'")
        except duckdb.InvalidInputException as error:
            # Without the ICU extension DuckDB has no time zones: timestamps already behave as UTC.
            if "icu" not in str(error).lower():
                raise
        if buffer_one_row_group:
            _buffer_one_row_group(dbapi_connection)
        if sandboxed:
            sandbox.lock_duckdb_configuration(dbapi_connection)  # last: nothing may change the settings after this

    return engine


# DuckDB's setting for how many full row groups of a transaction's appends it keeps in memory before writing
# them to the file together (default 5, ~614,000 rows of a table).
_BULK_APPEND_BUFFER = "write_buffer_row_group_count"


def _buffer_one_row_group(dbapi_connection: Any) -> None:
    """Have DuckDB write each full row group of a long transaction's appends to the file as soon as it is full.

    A store of 1,000,000 results in one transaction held up to five row groups of each fact table in memory
    (DuckDB's default; ~210 MiB of uncommitted rows by its own accounting): the process peaked at 607-613 MiB
    with it, against 530-538 MiB with one, in the same time (measured side by side, the default put back through
    the URL; ``python benchmarks/ingest.py`` prints the figure). Shorter stores never fill a row group (122,880
    rows) and are not affected. The setting is DuckDB's for the whole database in this process; a URL that sets
    it (``?write_buffer_row_group_count=5``) is left alone, and a DuckDB too old to have it buffers as it always
    did."""
    with suppress(duckdb.CatalogException):  # "unrecognized configuration parameter"
        dbapi_connection.execute(f"SET {_BULK_APPEND_BUFFER} = 1")


def _check_duckdb_location(path: Path, *, read_only: bool, create: bool) -> None:
    """Refuse, before DuckDB touches anything, files that are not DuckDB databases and unwritable places."""
    if path.exists():
        if path.is_dir():
            raise DatabaseUnavailableError(f"{path} is a directory, not a DuckDB database file")
        with path.open("rb") as handle:
            header = handle.read(16)
        if header and header[8:12] != _DUCKDB_MAGIC:
            raise DatabaseUnavailableError(
                f"{path} is not a DuckDB database file (unrecognised header); it was not modified. "
                "Point BENCHMARK_DB_PATH (or --db) at a .duckdb file, or at a new path to create one."
            )
        if not read_only and not os.access(path, os.W_OK):
            raise DatabaseUnavailableError(f"{path} is not writable: check its permissions or open it read-only")
    elif read_only or not create:
        raise DatabaseNotFoundError(
            f"there is no database at {path} (nothing was created). Check the path, or create one with: "
            f"accel-orm --db {path} db upgrade"
        )
    else:
        parent = path.parent
        if not parent.is_dir():
            raise DatabaseUnavailableError(f"cannot create {path}: the directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise DatabaseUnavailableError(f"cannot create {path}: the directory {parent} is not writable")


def _connect_duckdb(dialect: Any, cargs: Any, cparams: Any, *, path: Path | None, lock_timeout: float) -> Any:
    """Open a DuckDB connection, waiting with exponential backoff while another process holds the file."""
    deadline = time.monotonic() + lock_timeout
    delay = 0.02
    announced = False
    announced_pid: str | None = None
    while True:
        try:
            connection = dialect.connect(*cargs, **dict(cparams))
        except duckdb.IOException as error:
            holder = _LOCK_HOLDER.search(str(error))
            if holder is None:
                raise DatabaseUnavailableError(f"cannot open DuckDB database {path}: {error}") from error
            who = _describe_process(holder["program"], holder["pid"])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if announced and path is not None:
                    lock_requests.withdraw(path)
                raise DatabaseLockedError(
                    f"DuckDB database {path} is locked by another process: {who}; waited {lock_timeout:g} s. "
                    "DuckDB allows one writing process at a time: close the other program (or let it finish), "
                    "raise lock_timeout (accel-orm --lock-timeout SECONDS), or use PostgreSQL "
                    "(BENCHMARK_DB_URL=postgresql+psycopg://...) for many concurrent writers."
                ) from error
            if path is not None:
                # Ask the holder to step aside (accel_orm holders look for this note), and look again often, so
                # the moment it lets go is not lost to a long backoff.
                lock_requests.announce(path)
                announced = True
            if holder["pid"] != announced_pid:
                # Said once per holder, at the first refusal: a silent wait looks like a hang.
                log.warning(
                    "DuckDB database %s is in use by %s; waiting up to %g s for it (lock timeout)",
                    path,
                    who,
                    lock_timeout,
                )
                announced_pid = holder["pid"]
            log.debug("DuckDB file %s is locked by PID %s; retrying in %.2fs", path, holder["pid"], delay)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, _ANNOUNCED_RETRY if announced else 1.0)
        else:
            if announced and path is not None:
                lock_requests.withdraw(path)
            return connection


def _describe_process(program: str, pid: str) -> str:
    """``PID 4242 (accel-orm maintenance --optimize-db)``: the holder's command line where the OS shows it."""
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # not Linux, or the process is gone or not ours to inspect: DuckDB's program name will do
        command_line = ""
    shown = " ".join(command_line.split())  # one line, however the holder was started (python -c "...")
    if len(shown) > _SHOWN_COMMAND_LINE:
        shown = shown[: _SHOWN_COMMAND_LINE - 3] + "..."
    return f"PID {pid} ({shown or program})"


def _register_orm_partition_hook() -> None:
    """Make ORM flushes of ``TestResult`` create their PostgreSQL month partitions (a Session event).

    Registered when a PostgreSQL engine or a :func:`session_scope` is made, not when this module is imported: the
    hook needs the ORM and the models, whose import would cost every DuckDB command (``accel-orm db current``)
    a tenth of its start-up, and on DuckDB it does nothing.
    """
    from accel_orm.schema import partitions  # noqa: F401  (importing it registers the hook, once)


def _postgresql_engine(url: URL, *, read_only: bool, echo: bool) -> Engine:
    _register_orm_partition_hook()
    options = "-c TimeZone=UTC"
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if read_only:
        options += " -c default_transaction_read_only=on"
        # Prepare every statement: a prepared statement is exactly one statement, so text such as
        # "COMMIT; SET TRANSACTION READ WRITE; DELETE ..." cannot step out of the read-only transaction.
        connect_args["prepare_threshold"] = 0
    return create_engine(url, pool_pre_ping=True, connect_args={**connect_args, "options": options}, echo=echo)


def ensure_schema(engine: Engine, *, allow_create: bool = True) -> None:
    """Upgrade a fresh database to head; raise if it is behind, ahead, or not ours."""
    database = database_of(engine)
    where = database.describe()
    with translate_errors(database), engine.connect() as connection:
        is_postgresql = connection.dialect.name == "postgresql"
        if is_postgresql:
            # Two processes meeting a fresh database at once must not both create the tables.
            connection.execute(select(func.pg_advisory_xact_lock(_UPGRADE_LOCK_KEY)))
        state, revision = revisions.schema_state(connection)
        if state is revisions.SchemaState.CURRENT:
            connection.commit()
            return
        if state is revisions.SchemaState.FRESH and allow_create:
            from accel_orm.schema import upgrade  # Alembic: only to migrate (its import costs every open)

            log.info("creating the accel_orm schema in %s", where)
            upgrade.upgrade_connection(connection)
            connection.commit()
            return
        connection.rollback()
    head = revisions.head_revision()
    if state is revisions.SchemaState.FRESH:
        raise SchemaOutdatedError(
            f"{where} has no accel_orm schema yet, and this command does not create one; create it with: "
            f"accel-orm --db {where} db upgrade"
        )
    if state is revisions.SchemaState.OUTDATED:
        raise SchemaOutdatedError(
            f"{where} is at schema revision {revision}, but this accel_orm needs {head}. Upgrade it with: "
            f"accel-orm --db {where} db upgrade   (or, from a source checkout: alembic upgrade head)"
        )
    if state is revisions.SchemaState.TOO_NEW:
        raise SchemaTooNewError(
            f"{where} is at schema revision {revision}, which this accel_orm does not know (its newest is "
            f"{head}): it was migrated by a newer accel_orm. Upgrade the package (pip install -U accel-orm)."
        )
    raise SchemaError(
        f"{where} already holds benchmark tables that accel_orm's migrations did not create (no alembic_version "
        "table). Migrate its data into a new accel_orm database instead of opening it in place."
    )


def _raw_errors(duckdb_error: type[BaseException], psycopg_error: str) -> tuple[type[BaseException], ...]:
    """DuckDB's error class plus psycopg's, if psycopg is loaded (the optional "postgres" extra).

    Looked up when an error is being translated, not imported up front: a psycopg error can only come from a
    loaded psycopg, and importing it costs DuckDB-only commands a tenth of their start-up.
    """
    psycopg = sys.modules.get("psycopg")
    return (duckdb_error, getattr(psycopg, psycopg_error)) if psycopg is not None else (duckdb_error,)


@contextmanager
def translate_errors(database: Engine | Database | URL | None = None) -> Iterator[None]:
    """Turn driver errors into accel_orm's exceptions, which say what to do next (naming ``database``)."""
    where = _database(database).describe() if database is not None else "the database"
    try:
        yield
    except exc.IntegrityError as error:
        raise ConstraintViolationError(f"{where} refused the write: {_driver_message(error)}") from error
    except _raw_errors(duckdb.ConstraintException, "IntegrityError") as error:
        # Raised by driver calls made directly (Arrow inserts on DuckDB, COPY on PostgreSQL), not via SQLAlchemy.
        raise ConstraintViolationError(f"{where} refused the write: {_first_line(error)}") from error
    except exc.DBAPIError as error:
        message = _driver_message(error)
        if _is_read_only_violation(error.orig):
            raise ReadOnlyViolationError(
                f"{where} was opened read-only, so this statement was refused: {message}"
            ) from error
        if isinstance(error, exc.OperationalError) and _is_unreachable(error.orig):
            raise DatabaseUnavailableError(
                f"cannot reach {where}: {message}. Is the server running, and are BENCHMARK_DB_URL's host, port, "
                "database name and credentials right?"
            ) from error
        if postgresql_sqlstate(error.orig) == PG_DEADLOCK_DETECTED:
            raise DeadlockError(_deadlock_message(where, message)) from error
        raise DatabaseError(f"{where}: {message}") from error
    except _raw_errors(duckdb.Error, "Error") as error:
        if postgresql_sqlstate(error) == PG_DEADLOCK_DETECTED:  # e.g. from a COPY sent on the raw connection
            raise DeadlockError(_deadlock_message(where, _first_line(error))) from error
        raise DatabaseError(f"{where}: {_first_line(error)}") from error


def _deadlock_message(where: str, message: str) -> str:
    return (
        f"{where}: PostgreSQL ended this transaction to break a deadlock with another session ({message}). "
        "Nothing of the transaction was written; running it again normally succeeds."
    )


def _database(where: Engine | Database | URL) -> Database:
    if isinstance(where, Database):
        return where
    return database_of(where) if isinstance(where, Engine) else Database.from_url(where)


# PostgreSQL reports what went wrong as a SQLSTATE code; its message text is translated (lc_messages) and
# reworded between versions, so errors are classified by code.
# https://www.postgresql.org/docs/current/errcodes-appendix.html
PG_READ_ONLY_SQL_TRANSACTION = "25006"
PG_INSUFFICIENT_PRIVILEGE = "42501"
PG_DEADLOCK_DETECTED = "40P01"
PG_CONNECTION_EXCEPTION_CLASS = "08"  # 08000, 08001 cannot connect, 08006 connection failure, ...
PG_NOT_ADMITTED = frozenset(
    {
        "28000",  # invalid_authorization_specification (no such role, pg_hba.conf rejects the login)
        "28P01",  # invalid_password
        "3D000",  # invalid_catalog_name: the database does not exist
        "57P03",  # cannot_connect_now: the server is starting up or shutting down
    }
)


def postgresql_sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE of a PostgreSQL driver error (None for other errors and for failures with no server reply)."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.Error):
        return None
    return getattr(error, "sqlstate", None)


def _is_read_only_violation(error: BaseException | None) -> bool:
    if isinstance(error, duckdb.Error):
        # DuckDB has no SQLSTATE; its read-only refusal is an InvalidInputException naming the read-only mode.
        return isinstance(error, duckdb.InvalidInputException) and "read-only mode" in str(error)
    return postgresql_sqlstate(error) == PG_READ_ONLY_SQL_TRANSACTION


def _is_unreachable(error: BaseException | None) -> bool:
    """The server could not be reached or would not admit this login."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.Error):
        return False
    sqlstate = postgresql_sqlstate(error)
    if sqlstate is None:
        # The client gave up before any server answered (refused, timed out, unknown host): libpq has no code.
        return isinstance(error, psycopg.OperationalError)
    return sqlstate.startswith(PG_CONNECTION_EXCEPTION_CLASS) or sqlstate in PG_NOT_ADMITTED


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _driver_message(error: exc.DBAPIError) -> str:
    return _first_line(error.orig) if error.orig is not None else str(error)


@contextmanager
def session_scope(engine: Engine, **session_kwargs: Any) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises.

    Driver errors leave as accel_orm exceptions (:class:`ConstraintViolationError`, :class:`DatabaseError`, ...).
    Objects stay readable after the commit (``expire_on_commit=False``).
    """
    from sqlalchemy.orm import Session

    _register_orm_partition_hook()
    session_kwargs.setdefault("expire_on_commit", False)
    with translate_errors(engine), Session(engine, **session_kwargs) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def connection_scope(engine: Engine) -> Iterator[Connection]:
    """A Core connection in one transaction (commit on success, rollback on error), with translated errors."""
    with translate_errors(engine), engine.begin() as connection:
        yield connection
