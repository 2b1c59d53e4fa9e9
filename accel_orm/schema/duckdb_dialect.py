"""Schema reflection for DuckDB, read from DuckDB's own catalog functions.

duckdb-engine's dialect inherits PostgreSQL reflection, which queries ``pg_catalog`` views DuckDB does not fully
provide. On SQLAlchemy 2.1 ``get_columns`` fails (``pg_catalog.pg_collation`` not found), pk/fk/unique reflection
fails (``Type with name REGCLASS does not exist``), and indexes are never returned (upstream: duckdb_engine issues
#1379 and #1391, fix PR #1393 unreleased as of duckdb-engine 0.17.0). Alembic's ``check``/autogenerate and the
integrity check both reflect, so this module answers from ``duckdb_columns()``, ``duckdb_constraints()`` and
``duckdb_indexes()`` instead. Drop it once a duckdb-engine release reflects correctly: the strict-xfail canaries in
``tests/schema/test_duckdb_reflection.py`` XPASS, and so fail the suite, on that day.

The dialect is registered as ``duckdb.accel_orm``; ``accel_orm.db`` uses it for every ``duckdb://`` URL, so
other users of duckdb-engine in the same process are not affected.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import duckdb_engine
from duckdb_engine import ConnectionWrapper
from duckdb_engine import Dialect as DuckDBEngineDialect
from sqlalchemy import text
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Connection, default, reflection
from sqlalchemy.exc import NoSuchTableError

DIALECT_NAME = "duckdb.accel_orm"
USER_AGENT = f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{duckdb_engine.sqlalchemy_version})"

_SIMPLE_TYPES: dict[str, type[sqltypes.TypeEngine[Any]]] = {
    "BOOLEAN": sqltypes.Boolean,
    "TINYINT": sqltypes.SmallInteger,
    "SMALLINT": sqltypes.SmallInteger,
    "INTEGER": sqltypes.Integer,
    "BIGINT": sqltypes.BigInteger,
    "HUGEINT": sqltypes.BigInteger,
    "UTINYINT": sqltypes.SmallInteger,
    "USMALLINT": sqltypes.Integer,
    "UINTEGER": sqltypes.BigInteger,
    "UBIGINT": sqltypes.BigInteger,
    "FLOAT": sqltypes.REAL,
    "DOUBLE": sqltypes.Double,
    "VARCHAR": sqltypes.String,
    "BLOB": sqltypes.LargeBinary,
    "DATE": sqltypes.Date,
    "TIME": sqltypes.Time,
    "INTERVAL": sqltypes.Interval,
    "UUID": sqltypes.Uuid,
    "JSON": sqltypes.JSON,
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_IDENTIFIER = re.compile(r'^"?([A-Za-z_][A-Za-z0-9_$]*)"?$')
# What duckdb-engine's connect() does with these needs its table of DuckDB's setting names (see connect below).
_SETTINGS_PARAMETERS = ("config", "url_config", "preload_extensions", "register_filesystems")


def duckdb_type(data_type: str) -> sqltypes.TypeEngine[Any]:
    """Map a ``duckdb_columns().data_type`` string to a SQLAlchemy type."""
    upper = data_type.upper()
    if upper in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[upper]()
    if upper.startswith("TIMESTAMP"):
        return sqltypes.DateTime(timezone="TIME ZONE" in upper or upper == "TIMESTAMPTZ")
    if match := _DECIMAL.fullmatch(upper):
        return sqltypes.Numeric(int(match.group(1)), int(match.group(2)))
    return sqltypes.NullType()


def split_index_terms(create_index_sql: str) -> list[str]:
    """The comma-separated terms inside ``CREATE INDEX name ON table(<terms>)``, respecting parentheses/quotes."""
    start = create_index_sql.index("(")
    end = create_index_sql.rindex(")")
    body = create_index_sql[start + 1 : end]
    terms: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    for char in body:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            terms.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    terms.append("".join(current).strip())
    return terms


class AccelDuckDBDialect(DuckDBEngineDialect):
    """duckdb-engine with reflection answered from DuckDB's catalog functions."""

    # duckdb-engine turns SQLAlchemy's compiled-statement cache off for its dialect; nothing in this subclass
    # varies a compilation by anything but the statement, so it is on here (to_frame relies on it).
    supports_statement_cache = True

    # The PostgreSQL parent reflects many tables at once through pg_catalog; go back to SQLAlchemy's generic
    # per-table loop, which calls the single-table methods below.
    get_multi_columns = default.DefaultDialect.get_multi_columns
    get_multi_pk_constraint = default.DefaultDialect.get_multi_pk_constraint
    get_multi_foreign_keys = default.DefaultDialect.get_multi_foreign_keys
    get_multi_indexes = default.DefaultDialect.get_multi_indexes
    get_multi_unique_constraints = default.DefaultDialect.get_multi_unique_constraints
    get_multi_check_constraints = default.DefaultDialect.get_multi_check_constraints
    get_multi_table_comment = default.DefaultDialect.get_multi_table_comment
    get_multi_table_options = default.DefaultDialect.get_multi_table_options

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        """duckdb-engine's connect, minus its probe of DuckDB's setting names when there are no settings.

        duckdb-engine sorts ``config`` into settings DuckDB takes when it opens a file and ones it SETs afterwards;
        to know which is which it opens an in-memory database on its first connect in a process (~20 ms of every
        command's start-up: ``accel-orm db current``). With no settings, extensions or filesystems to apply
        (every engine but the sandboxed one) there is nothing to sort, so the file is opened as duckdb-engine
        would open it: same arguments, same user agent, same connection wrapper.
        """
        if any(cparams.get(name) for name in _SETTINGS_PARAMETERS):
            return super().connect(*cargs, **cparams)
        plain: dict[str, Any] = {name: value for name, value in cparams.items() if name not in _SETTINGS_PARAMETERS}
        if duckdb_engine.supports_user_agent:
            plain["config"] = {"custom_user_agent": USER_AGENT}
        return ConnectionWrapper(duckdb.connect(*cargs, **plain))

    @staticmethod
    def _schema_filter(schema: str | None) -> tuple[str, dict[str, Any]]:
        if schema is None:
            return "schema_name = current_schema()", {}
        return "schema_name = :schema_name", {"schema_name": schema}

    def _constraints(
        self, connection: Connection, table_name: str, schema: str | None, constraint_type: str
    ) -> list[Any]:
        where, params = self._schema_filter(schema)
        rows = connection.execute(
            text(
                "SELECT constraint_name, constraint_column_names, referenced_table, referenced_column_names, "
                "expression FROM duckdb_constraints() "
                f"WHERE {where} AND table_name = :table_name AND constraint_type = :constraint_type "
                "ORDER BY constraint_index"
            ),
            {**params, "table_name": table_name, "constraint_type": constraint_type},
        )
        return list(rows)

    @reflection.cache
    def get_columns(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        where, params = self._schema_filter(schema)
        rows = connection.execute(
            text(
                "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
                f"WHERE {where} AND table_name = :table_name ORDER BY column_index"
            ),
            {**params, "table_name": table_name},
        ).all()
        if not rows:
            raise NoSuchTableError(table_name)
        return [
            {
                "name": name,
                "type": duckdb_type(data_type),
                "nullable": bool(nullable),
                "default": default_value,
                "autoincrement": False,
            }
            for name, data_type, nullable, default_value in rows
        ]

    @reflection.cache
    def get_pk_constraint(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        rows = self._constraints(connection, table_name, schema, "PRIMARY KEY")
        if not rows:
            return {"constrained_columns": [], "name": None}
        return {"constrained_columns": list(rows[0].constraint_column_names), "name": None}

    @reflection.cache
    def get_foreign_keys(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        # DuckDB discards constraint names, so foreign keys are reported unnamed and compared by their columns.
        return [
            {
                "name": None,
                "constrained_columns": list(row.constraint_column_names),
                "referred_schema": None,
                "referred_table": row.referenced_table,
                "referred_columns": list(row.referenced_column_names),
                "options": {},
            }
            for row in self._constraints(connection, table_name, schema, "FOREIGN KEY")
        ]

    @reflection.cache
    def get_unique_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        return [
            {"name": None, "column_names": list(row.constraint_column_names)}
            for row in self._constraints(connection, table_name, schema, "UNIQUE")
        ]

    @reflection.cache
    def get_check_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        return [
            {"name": None, "sqltext": row.expression}
            for row in self._constraints(connection, table_name, schema, "CHECK")
        ]

    @reflection.cache
    def get_indexes(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[dict[str, Any]]:
        where, params = self._schema_filter(schema)
        rows = connection.execute(
            text(
                "SELECT index_name, is_unique, sql FROM duckdb_indexes() "
                f"WHERE {where} AND table_name = :table_name AND NOT is_primary ORDER BY index_name"
            ),
            {**params, "table_name": table_name},
        )
        indexes = []
        for name, is_unique, sql in rows:
            column_names: list[str | None] = []
            expressions: list[str] = []
            for term in split_index_terms(sql):
                match = _IDENTIFIER.match(term)
                column_names.append(match.group(1) if match else None)
                expressions.append(match.group(1) if match else term)
            index: dict[str, Any] = {"name": name, "unique": bool(is_unique), "column_names": column_names}
            if None in column_names:
                index["expressions"] = expressions
            indexes.append(index)
        return indexes

    def get_table_comment(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        where, params = self._schema_filter(schema)
        comment = connection.execute(
            text(f"SELECT comment FROM duckdb_tables() WHERE {where} AND table_name = :table_name"),
            {**params, "table_name": table_name},
        ).scalar()
        return {"text": comment or None}

    def get_table_options(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        return {}

    @reflection.cache
    def get_sequence_names(self, connection: Connection, schema: str | None = None, **kw: Any) -> list[str]:
        where, params = self._schema_filter(schema)
        rows = connection.execute(
            text(f"SELECT sequence_name FROM duckdb_sequences() WHERE {where} ORDER BY sequence_name"), params
        )
        return [name for (name,) in rows]

    def has_sequence(self, connection: Connection, sequence_name: str, schema: str | None = None, **kw: Any) -> bool:
        return sequence_name in self.get_sequence_names(connection, schema)

    def has_table(self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        """Tables and views, from DuckDB's catalog: the parent's pg_catalog lookup costs ~50 ms per engine open
        (Alembic asks for ``alembic_version`` every time)."""
        where, params = self._schema_filter(schema)
        found = connection.execute(
            text(
                f"SELECT 1 FROM duckdb_tables() WHERE {where} AND table_name = :name "
                f"UNION ALL SELECT 1 FROM duckdb_views() WHERE {where} AND view_name = :name LIMIT 1"
            ),
            {**params, "name": table_name},
        ).first()
        return found is not None


def register() -> None:
    """Make ``duckdb+accel_orm://`` URLs resolve to :class:`AccelDuckDBDialect` (idempotent)."""
    registry.register(DIALECT_NAME, __name__, "AccelDuckDBDialect")
