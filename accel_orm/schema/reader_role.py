"""PostgreSQL: the reader role hand-written SQL runs as (``accel-orm db create-reader-role [NAME]``).

The role may log in (so a superuser's session can hand the statement to a real reader login, see
:mod:`accel_orm.sandbox`) and holds exactly: CONNECT on the database, USAGE on the schema, SELECT on every table
in it, and SELECT on tables the creating role adds later (default privileges: later migrations, new monthly
partitions). It is no superuser and creates nothing. The creating role is made a member so that, when it is not
privileged itself, it can ``SET ROLE`` to the reader. Running the command again re-grants (it is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, func, select

from accel_orm.db import connection_scope
from accel_orm.defaults import DEFAULT_READER_ROLE
from accel_orm.errors import SqlConfinementError
from accel_orm.sandbox import check_reader_role_name, role_privileges, session_user


@dataclass
class ReaderRoleReport:
    role: str
    created: bool
    steps: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        head = f"{'Created' if self.created else 'Updated'} the reader role {self.role}:"
        return "\n".join([head, *(f"  {step}" for step in self.steps)])


def create_reader_role(engine: Engine, name: str = DEFAULT_READER_ROLE) -> ReaderRoleReport:
    """Create (or bring up to date) the SELECT-only role hand-written SQL runs as on this PostgreSQL database."""
    check_reader_role_name(name)
    require_postgresql(engine.dialect.name)
    with connection_scope(engine) as connection:
        return _create(connection, name)


def require_postgresql(dialect_name: str) -> None:
    if dialect_name != "postgresql":
        raise ValueError(
            "create-reader-role is for PostgreSQL: on DuckDB hand-written SQL is confined by DuckDB's own settings "
            "(read-only, no external access, locked configuration), with no role to create"
        )


def _create(connection: Connection, name: str) -> ReaderRoleReport:
    quote = connection.dialect.identifier_preparer.quote
    role = quote(name)  # checked against READER_ROLE_PATTERN above; quoted all the same
    existing = role_privileges(connection, name)
    if existing is not None and existing.privileged:
        raise SqlConfinementError(
            f"a role {name!r} exists and {', '.join(existing.reasons)}: it cannot serve as the SELECT-only reader. "
            "Choose another name (accel-orm db create-reader-role NAME) or drop that role first"
        )
    database = quote(str(connection.execute(select(func.current_database())).scalar_one()))
    schema = quote(str(connection.execute(select(func.current_schema())).scalar_one()))
    creator = session_user(connection)
    statements = []
    if existing is None:
        statements.append(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
        )
    statements += [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
    ]
    login = role_privileges(connection, creator)
    if login is not None and "is a superuser" not in login.reasons:
        statements.append(f"GRANT {role} TO {quote(creator)}")  # lets an unprivileged owner SET ROLE to it
    for statement in statements:
        connection.exec_driver_sql(statement)
    return ReaderRoleReport(role=name, created=existing is None, steps=statements)
