"""Execute a statement straight into a pandas DataFrame, fast on both engines.

SQLAlchemy's result machinery builds a Python row object per row and runs per-value processors, which is most of
the time of a large fetch (778k rows: ``fetchall`` 1.19 s, ``pd.read_sql`` 1.73 s, DuckDB's own Arrow fetch
0.04 s). So rows never pass through SQLAlchemy result objects here:

- DuckDB: the statement is compiled with the engine's dialect (bound parameters stay parameters: ``$1, $2, ...``),
  the compiled SQL is cached per statement shape, and DuckDB itself executes it with the parameter values on the
  connection's raw driver connection (so inside its transaction) and hands the result over as Arrow, converted to
  pandas column by column. The cache matters because duckdb-engine disables SQLAlchemy's statement cache
  (``supports_statement_cache = False``), and compiling a CTE-heavy analysis costs 1-3 ms, a noticeable share of a
  10-20 ms query.
- PostgreSQL and anything else: SQLAlchemy executes (its statement cache works there) and the frame is built in
  one call from the driver's raw row tuples.

Hand-written SQL runs through :func:`run_read_only_sql` on a read-only connection (what ``run_sql`` and
``accel-orm query --sql`` execute); see its docstring for exactly what is promised.

Column names are the statement's labels (what SQLAlchemy's ``result.keys()`` reports); timestamps are
``datetime64``; an empty result is an empty frame with the right columns (and, for a Select, dtypes from its column
types).
"""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, Executable, Select, text, types
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import LRUCache

from accel_orm.config import Database
from accel_orm.db import database_of, get_engine, translate_errors
from accel_orm.errors import DatabaseError
from accel_orm.queries import compatibility_matrix, hardware_types_stmt

Bind = Engine | Connection | Session

_CACHE_SIZE = 256


def to_frame(stmt: Executable, bind: Bind) -> pd.DataFrame:
    """Run ``stmt`` on ``bind`` (an Engine, a Connection or a Session) and return the rows as a DataFrame.

    With a Connection or a Session the statement runs inside its transaction (it sees uncommitted rows); with an
    Engine a connection is opened for the call and closed afterwards.
    """
    with _connection(bind) as connection, translate_errors(connection.engine):
        if connection.dialect.name == "duckdb":
            frame = _duckdb_frame(connection, stmt)
        else:
            frame = _records_frame(connection, stmt)
    return _apply_declared_types(frame, stmt)


@contextmanager
def _connection(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Session):
        yield bind.connection()
    elif isinstance(bind, Connection):
        yield bind
    elif isinstance(bind, Engine):
        with bind.connect() as connection:
            yield connection
    else:
        raise TypeError(f"to_frame needs an Engine, a Connection or a Session, got {type(bind).__name__}")


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled for one dialect: SQL with positional placeholders and how to order its parameters."""

    compiled: SQLCompiler
    names: tuple[str, ...]
    processors: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, compiled: SQLCompiler, dialect: Dialect) -> _Prepared:
        names = tuple(compiled.positiontup or ())
        processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        return cls(compiled, names, processors)

    def parameters(self, values: dict[str, Any]) -> list[Any]:
        ordered = []
        for name in self.names:
            value = values[name]
            processor = self.processors.get(name)
            ordered.append(processor(value) if processor is not None else value)
        return ordered


_compiled_cache: weakref.WeakKeyDictionary[Dialect, LRUCache[Any, _Prepared]] = weakref.WeakKeyDictionary()


def compile_positional(stmt: Executable, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL text and the positional parameter values a positional-paramstyle driver (DuckDB) should execute.

    User values are never rendered into the text: they come back in the list. Compiled forms are cached per dialect
    and statement shape (SQLAlchemy's cache key), exactly as SQLAlchemy's own statement cache would; statements
    with expanding parameters (``IN`` lists), whose text depends on the values, are compiled on every call.
    """
    if not dialect.positional:
        raise ValueError(f"compile_positional needs a positional paramstyle, not {dialect.paramstyle!r}")
    cache_key = stmt._generate_cache_key()  # the documented hook of SQLAlchemy's compiled-statement caching
    if cache_key is None:
        return _compile_uncached(stmt, dialect)
    cache = _compiled_cache.get(dialect)
    if cache is None:
        cache = _compiled_cache.setdefault(dialect, LRUCache(_CACHE_SIZE))
    prepared = cache.get(cache_key.key)
    if prepared is None:
        compiled = stmt.compile(dialect=dialect, cache_key=cache_key)
        if compiled.post_compile_params or compiled.literal_execute_params:
            return _compile_uncached(stmt, dialect)
        prepared = _Prepared.of(compiled, dialect)
        cache[cache_key.key] = prepared
    # As SQLAlchemy's engine does: values come from this statement's own bind parameters, which line up with the
    # cached compilation's; SQLAlchemy 2.1 keeps ``stmt.params(...)`` values beside them (CacheKey.params).
    values = prepared.compiled.construct_params(
        params=getattr(cache_key, "params", None) or None,
        extracted_parameters=cache_key.bindparams,
        escape_names=False,  # keyed like positiontup
    )
    return prepared.compiled.string, prepared.parameters(values)


def _compile_uncached(stmt: Executable, dialect: Dialect) -> tuple[str, list[Any]]:
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    prepared = _Prepared.of(compiled, dialect)
    return compiled.string, prepared.parameters(compiled.construct_params(escape_names=False))


def _duckdb_frame(connection: Connection, stmt: Executable) -> pd.DataFrame:
    """Execute through DuckDB itself on the connection's own driver connection (inside its transaction)."""
    sql, parameters = compile_positional(stmt, connection.dialect)
    raw = connection.connection.driver_connection  # duckdb-engine's wrapper; passes through to DuckDB
    try:
        result = raw.execute(sql, parameters)
        if result.description is None:  # a statement that returns no rows
            return pd.DataFrame()
        frame = _decimals_as_floats(_fetch_arrow(result)).to_pandas()
    except duckdb.Error as error:
        where = database_of(connection.engine).describe()
        raise DatabaseError(f"{where}: {str(error).strip().splitlines()[0]}") from error
    return frame


def _fetch_arrow(result: Any) -> pa.Table:
    """The pending DuckDB result as an Arrow table.

    DuckDB 2.0 warns that this copies the rows once more and suggests ``con.sql(query).to_arrow_table()``. Measured
    on this schema, ``con.sql()`` parses and binds the statement twice, which costs 6 ms on the compatibility matrix
    (27 ms vs 34 ms with a small result), and saves 18 ms on a 1M-row result (66 vs 48 ms); ``.df()`` takes 270 ms
    there. Most analyses return small frames, so ``execute()`` + Arrow wins and that one warning is silenced here
    (by message only; before Python 3.14 ``catch_warnings`` is process-wide, which is harmless for this filter).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table  # duckdb >= 1.4 / older
        return fetch()


def _decimals_as_floats(table: pa.Table) -> pa.Table:
    """DECIMAL columns (e.g. from numeric literals) as float64, as ``.df()`` and the PostgreSQL path return them.

    Arrow would hand pandas one Python ``Decimal`` object per value.
    """
    for position, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(position, field.name, table.column(position).cast(pa.float64()))
    return table


def _records_frame(connection: Connection, stmt: Executable) -> pd.DataFrame:
    """Build the frame from the driver's raw row tuples in one call (no SQLAlchemy Row objects)."""
    result = connection.execute(stmt)
    try:
        columns = list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)


# pandas dtypes for columns the driver left untyped (object), by SQL type: (in an empty frame, in an all-NULL
# column). All-NULL integers become float64 (NaN), as DuckDB and pandas do for integer columns holding NULLs.
_FALLBACK_DTYPES: Sequence[tuple[type[types.TypeEngine[Any]], str, str | None]] = (
    (types.Boolean, "bool", None),
    (types.Integer, "int64", "float64"),
    (types.Float, "float64", "float64"),
    (types.Numeric, "float64", "float64"),
    (types.DateTime, "datetime64[us]", "datetime64[us]"),
    (types.String, "str", None),
)


def _fallback_dtype(sql_type: types.TypeEngine[Any], *, empty: bool) -> str | None:
    for kind, when_empty, when_null in _FALLBACK_DTYPES:
        if isinstance(sql_type, kind):
            return when_empty if empty else when_null
    return None


def _apply_declared_types(frame: pd.DataFrame, stmt: Executable) -> pd.DataFrame:
    """Give untyped (object) columns the dtype their SQL type implies, so empty and all-NULL columns are usable.

    An empty PostgreSQL result carries no values to infer dtypes from; DuckDB's Arrow schema is typed already.
    """
    untyped = [position for position, dtype in enumerate(frame.dtypes) if pd.api.types.is_object_dtype(dtype)]
    if not untyped or not isinstance(stmt, Select):
        return frame
    declared = [column.type for column in stmt.selected_columns]
    if len(declared) != frame.shape[1]:
        return frame
    for position in untyped:
        series = frame.iloc[:, position]
        if series.notna().any():
            continue
        dtype = _fallback_dtype(declared[position], empty=frame.empty)
        if dtype is not None:
            frame.isetitem(position, series.astype(dtype))
    return frame


def compatibility_frame(bind: Bind, family: str | None = None) -> pd.DataFrame:
    """The compatibility matrix as a frame: both steps of :func:`accel_orm.queries.compatibility_matrix`.

    Reads the hardware types present, then builds and runs the matrix for them on the same connection (so both
    steps see the same data inside a transaction).
    """
    with _connection(bind) as connection:
        with translate_errors(connection.engine):
            hardware_types = list(connection.execute(hardware_types_stmt()).scalars())
        return to_frame(compatibility_matrix(family=family, hardware_types=hardware_types), connection)


# --- hand-written SQL, read-only -------------------------------------------------------------------------------

_MULTIPLE_STATEMENTS = "multiple commands into a prepared statement"


def run_read_only_sql(
    location: str | os.PathLike[str] | URL | Database | None, sql: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run one statement read-only and return its rows (an empty frame for statements without rows)."""
    engine = get_engine(location, read_only=True, auto_upgrade=False)
    try:
        with _one_statement_message(), translate_errors(engine), engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            result = connection.execute(text(sql), dict(params or {}))
            if not result.returns_rows:
                return pd.DataFrame()
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
            connection.rollback()
            return frame
    finally:
        engine.dispose()


@contextmanager
def _one_statement_message() -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        if _MULTIPLE_STATEMENTS in str(error):
            raise DatabaseError("give one SQL statement at a time (statements separated by ';' are refused)") from error
        raise
