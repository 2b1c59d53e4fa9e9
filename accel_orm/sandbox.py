"""What confines hand-written SQL (``run_sql``, ``accel-orm query --sql``) on each engine.

The promise: one statement per call, and no statement can write the database, read or write a file outside it,
run a program, load an extension or change the server's configuration. A read-only connection alone does not
keep it: DuckDB's read-only mode still runs ``COPY ... TO``, ``read_csv('/etc/passwd')`` and ``INSTALL``, and a
PostgreSQL read-only transaction still runs ``COPY ... TO PROGRAM`` and ``pg_read_file`` for a superuser.

- **DuckDB**: the file is opened read-only with ``enable_external_access = false`` (no file, network, ATTACH or
  extension access beyond the database itself), no extension autoload or autoinstall, no replacement scans (a
  name DuckDB does not know is never looked up among the process's Python variables), and the configuration
  locked (``lock_configuration``) once the connection is set up, so no statement can switch any of it back.
  DuckDB's own parser splits the text: exactly one statement, and only a query (SELECT and its forms, EXPLAIN,
  PRAGMA, CALL) is run.
- **PostgreSQL**: the statement runs in a read-only transaction as a *reader role* holding only SELECT on the
  tables (``accel-orm db create-reader-role`` creates it). A login role that is itself unprivileged switches to
  the reader with ``SET ROLE``. A privileged login (a superuser, or a member of a superuser role or of
  ``pg_read_server_files``, ``pg_write_server_files``, ``pg_execute_server_program`` or ``pg_monitor``) could
  switch straight back inside the statement (``set_config('role', 'postgres', true)`` followed by
  ``query_to_xml('SELECT pg_read_file(...)', ...)``), so for such a login accel_orm connects *as the reader role*
  instead, and refuses, saying how to set it up, when it cannot. The statement is sent as one prepared
  statement, which the server parses as exactly one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlalchemy import Connection, bindparam, exc, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from accel_orm.errors import DatabaseError, ReadOnlyViolationError, SqlConfinementError

READER_ROLE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# --- DuckDB ------------------------------------------------------------------------------------------------------

DUCKDB_SANDBOX_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    # DuckDB's Python client would otherwise answer a table name it does not know with a Python variable of that
    # name in the frame running the statement (duckdb_engine's, which holds no data today): nothing of the
    # process is readable by name, whatever that frame holds tomorrow.
    "python_enable_replacements": False,
}
_DUCKDB_QUERY_TYPES = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
    }
)
_REFUSED = (
    "hand-written SQL runs read-only and sandboxed: it may not write the database, read or write files outside "
    "it, run programs, load extensions or change settings"
)


def lock_duckdb_configuration(dbapi_connection: Any) -> None:
    """Freeze the connection's settings (called after the engine's own set-up, e.g. the UTC time zone)."""
    dbapi_connection.execute("SET lock_configuration = true")


def check_duckdb_statement(raw_connection: Any, sql: str) -> None:
    """Exactly one statement, and a query: parsed by DuckDB itself, before anything runs."""
    try:
        statements = raw_connection.extract_statements(sql)
    except duckdb.Error as error:
        raise DatabaseError(f"the SQL does not parse: {_first_line(error)}") from error
    if len(statements) != 1:
        raise ReadOnlyViolationError(
            f"give exactly one SQL statement per call (found {len(statements)}; statements separated by ';' are "
            "refused, and none of them was run)"
        )
    kind = statements[0].type
    if kind not in _DUCKDB_QUERY_TYPES:
        raise ReadOnlyViolationError(f"refused the {kind.name} statement: {_REFUSED}")


@contextmanager
def refusals_explained() -> Iterator[None]:
    """Errors of the sandbox itself become :class:`ReadOnlyViolationError` saying what is promised."""
    try:
        yield
    except (duckdb.PermissionException, duckdb.InvalidInputException) as error:
        if isinstance(error, duckdb.InvalidInputException) and not _is_duckdb_lock_refusal(error):
            raise
        raise ReadOnlyViolationError(f"refused: {_REFUSED} ({_first_line(error)})") from error
    except exc.DBAPIError as error:
        if _sqlstate(error.orig) in PG_REFUSALS:
            raise ReadOnlyViolationError(f"refused: {_REFUSED} ({_first_line(error)})") from error
        raise


def _is_duckdb_lock_refusal(error: duckdb.Error) -> bool:
    message = str(error)
    return "configuration has been locked" in message or "read-only mode" in message


# --- PostgreSQL --------------------------------------------------------------------------------------------------

PG_REFUSALS = frozenset(
    {
        "42501",  # insufficient_privilege: the reader may not (COPY TO file/PROGRAM, pg_read_file, lo_import, ...)
        "25001",  # active_sql_transaction: ALTER SYSTEM, or leaving read-only mode, inside the transaction
    }
)
# Predefined roles that give file, program or server-directory access.
PG_PRIVILEGED_ROLES = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program", "pg_monitor")
# Functions that read the server's files or change its state; EXECUTE is revoked from PUBLIC by default.
PG_FILE_FUNCTIONS = (
    "pg_read_file(text)",
    "pg_read_binary_file(text)",
    "pg_ls_dir(text)",
    "pg_stat_file(text)",
    "pg_ls_logdir()",
    "pg_ls_waldir()",
    "pg_ls_tmpdir()",
    "lo_import(text)",
    "lo_export(oid,text)",
    "pg_reload_conf()",
    "pg_rotate_logfile()",
)

_ROLE_PRIVILEGES = text(
    """
    SELECT r.rolname,
           r.rolsuper,
           r.rolcanlogin,
           EXISTS (SELECT 1 FROM pg_roles s
                   WHERE s.rolsuper AND s.oid <> r.oid AND pg_has_role(r.oid, s.oid, 'MEMBER')) AS reaches_superuser,
           ARRAY(SELECT p FROM unnest(:roles) AS p WHERE pg_has_role(r.oid, p, 'MEMBER')) AS privileged_roles,
           ARRAY(SELECT f FROM unnest(:functions) AS f
                 WHERE to_regprocedure(f) IS NOT NULL AND has_function_privilege(r.oid, f, 'EXECUTE')) AS functions
    FROM pg_roles r WHERE r.rolname = :name
    """
).bindparams(
    bindparam("roles", value=list(PG_PRIVILEGED_ROLES), type_=ARRAY(Text)),
    bindparam("functions", value=list(PG_FILE_FUNCTIONS), type_=ARRAY(Text)),
)


@dataclass(frozen=True)
class RolePrivileges:
    name: str
    can_login: bool
    reasons: tuple[str, ...]  # why the role is privileged beyond reading; empty when it is not

    @property
    def privileged(self) -> bool:
        return bool(self.reasons)


def role_privileges(connection: Connection, name: str) -> RolePrivileges | None:
    """What ``name`` may do beyond reading tables (None if there is no such role)."""
    row = connection.execute(_ROLE_PRIVILEGES, {"name": name}).one_or_none()
    if row is None:
        return None
    reasons: list[str] = []
    if row.rolsuper:
        reasons.append("is a superuser")
    elif row.reaches_superuser:
        reasons.append("is a member of a superuser role")
    if not row.rolsuper:
        reasons.extend(f"is a member of {role}" for role in row.privileged_roles)
        reasons.extend(f"may execute {function}" for function in row.functions)
    return RolePrivileges(name=row.rolname, can_login=row.rolcanlogin, reasons=tuple(reasons))


def session_user(connection: Connection) -> str:
    return str(connection.execute(select(func.session_user())).scalar_one())


@dataclass(frozen=True)
class PostgresqlPlan:
    """How to confine the statement: ``SET ROLE`` on this connection, or log in as the reader role."""

    reader_role: str
    login_as_reader: bool
    login: RolePrivileges


def plan_postgresql(connection: Connection, reader_role: str, where: str) -> PostgresqlPlan:
    """Decide how the statement will run under ``reader_role``, or refuse with how to set it up."""
    check_reader_role_name(reader_role)
    login = role_privileges(connection, session_user(connection))
    assert login is not None  # the session user exists: we are connected as it
    reader = role_privileges(connection, reader_role)
    create = f"accel-orm --db {where} db create-reader-role {reader_role}"
    if reader is None:
        raise SqlConfinementError(
            f"hand-written SQL on PostgreSQL runs as a reader role that may only SELECT, and {where} has no role "
            f"{reader_role!r}. Create it once (as a role that owns the tables and may create roles): {create}"
        )
    if reader.privileged:
        raise SqlConfinementError(
            f"the reader role {reader_role!r} {', '.join(reader.reasons)}, so it cannot confine hand-written SQL. "
            f"Use a role that may only SELECT (e.g. drop it and run: {create})"
        )
    unreadable = _tables_not_readable_by(connection, reader_role)
    if unreadable:
        raise SqlConfinementError(
            f"the reader role {reader_role!r} may not read {', '.join(unreadable)} in {where} (roles are shared by "
            f"every database of the server; this one has not granted it SELECT yet). Run: {create}"
        )
    if not login.privileged:
        if not _is_member(connection, login.name, reader_role):
            raise SqlConfinementError(
                f"the login role {login.name!r} may not SET ROLE {reader_role}: grant it once with "
                f"GRANT {reader_role} TO {login.name}   (or run: {create})"
            )
        return PostgresqlPlan(reader_role=reader_role, login_as_reader=False, login=login)
    if not reader.can_login:
        raise SqlConfinementError(
            f"the login role {login.name!r} {', '.join(login.reasons)}; a statement run under SET ROLE from such a "
            f"session can switch back, so hand-written SQL runs only as the reader role itself, and "
            f"{reader_role!r} may not log in. Run: ALTER ROLE {reader_role} LOGIN (and give it a password), or "
            "connect with a login role that is not privileged"
        )
    return PostgresqlPlan(reader_role=reader_role, login_as_reader=True, login=login)


def set_reader_role(connection: Connection, reader_role: str) -> None:
    """``SET LOCAL ROLE`` through ``set_config`` (the role name is a bound value, never SQL text)."""
    connection.execute(select(func.set_config("role", reader_role, True)))


def require_unprivileged_session(connection: Connection, reader_role: str) -> None:
    """After logging in as the reader role: make sure it is the reader and cannot reach anything more."""
    login = role_privileges(connection, session_user(connection))
    assert login is not None
    if login.name != reader_role or login.privileged:
        raise SqlConfinementError(
            f"logged in as {login.name!r}, expected the unprivileged reader role {reader_role!r}"
            + (f" ({', '.join(login.reasons)})" if login.reasons else "")
        )


def reader_login_failed(plan: PostgresqlPlan, where: str, error: Exception) -> SqlConfinementError:
    return SqlConfinementError(
        f"the login role {plan.login.name!r} {', '.join(plan.login.reasons)}; a statement run under SET ROLE from "
        f"such a session can switch back, so hand-written SQL runs only when logged in as the reader role "
        f"{plan.reader_role!r}, and that login failed ({_first_line(error)}). Let {plan.reader_role} log in to "
        f"{where} (a password in ~/.pgpass or PGPASSFILE, or a pg_hba.conf entry), or connect with a login role "
        "that is not privileged"
    )


def check_reader_role_name(name: str) -> None:
    if not READER_ROLE_PATTERN.fullmatch(name):
        raise ValueError(
            f"reader role: expected a lower-case PostgreSQL role name (letters, digits, _; at most 63), got {name!r}"
        )


_UNREADABLE_TABLES = text(
    """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
      AND NOT has_table_privilege(:role, c.oid, 'SELECT')
    ORDER BY c.relname
    """
)


def _tables_not_readable_by(connection: Connection, role: str) -> list[str]:
    return list(connection.execute(_UNREADABLE_TABLES, {"role": role}).scalars())


def _is_member(connection: Connection, member: str, role: str) -> bool:
    return bool(connection.execute(select(func.pg_has_role(member, role, "MEMBER"))).scalar_one())


def _sqlstate(error: BaseException | None) -> str | None:
    return getattr(error, "sqlstate", None) if error is not None and not isinstance(error, duckdb.Error) else None


def _first_line(error: BaseException) -> str:
    text_ = str(error).strip()
    return text_.splitlines()[0] if text_ else type(error).__name__
