"""Execute a statement straight into a pandas DataFrame, fast on both engines.

SQLAlchemy's result machinery builds a Python row object per row and runs per-value processors, which is most of
the time of a large fetch (778k rows: ``fetchall`` 1.19 s, ``pd.read_sql`` 1.73 s, DuckDB's own Arrow fetch
0.04 s). So rows never pass through SQLAlchemy result objects here:

- DuckDB: SQLAlchemy executes the statement (bound parameters stay parameters: ``$1, $2, ...``), with its own
  compiled-statement cache, which the project's DuckDB dialect enables (``supports_statement_cache = True``;
  compiling a CTE-heavy analysis costs 1-3 ms, a noticeable share of a 10-20 ms query). The rows are then
  fetched from the result's DuckDB cursor as Arrow, converted to pandas column by column.
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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, Executable, Select, text, types
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from accel_orm import sandbox
from accel_orm.config import Database, resolve
from accel_orm.db import DEFAULT_LOCK_TIMEOUT, get_engine, translate_errors
from accel_orm.defaults import DEFAULT_READER_ROLE
from accel_orm.errors import DatabaseError, ReadOnlyViolationError
from accel_orm.queries import compatibility_matrix, hardware_types_stmt

Bind = Engine | Connection | Session


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


def compile_positional(stmt: Executable, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL text and the positional parameter values a positional-paramstyle driver (DuckDB) should execute.

    For running a statement on a raw DuckDB connection; user values are never rendered into the text: they come
    back in the list (``IN`` lists expanded into one placeholder per value).
    """
    if not dialect.positional:
        raise ValueError(f"compile_positional needs a positional paramstyle, not {dialect.paramstyle!r}")
    compiled = cast(ClauseElement, stmt).compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(compiled, SQLCompiler)
    values = compiled.construct_params(escape_names=False) or {}  # keyed like positiontup
    # Expanded IN values have names of their own, not in ``binds``; they are plain values needing no processor.
    binds = compiled.binds.items()
    processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in binds}
    parameters = []
    for name in compiled.positiontup or ():
        processor = processors.get(name)
        parameters.append(processor(values[name]) if processor is not None else values[name])
    return compiled.string, parameters


def _duckdb_frame(connection: Connection, stmt: Executable) -> pd.DataFrame:
    """SQLAlchemy executes (its statement cache skips the compile); DuckDB hands the rows over as Arrow.

    The DB-API cursor of the result is duckdb-engine's wrapper of the connection's own DuckDB connection (so the
    statement ran inside the caller's transaction); its pending result is fetched as one Arrow table without any
    SQLAlchemy row object.
    """
    result = connection.execute(stmt)
    try:
        if not result.returns_rows:  # a statement that returns no rows
            return pd.DataFrame()
        table = _fetch_arrow(result.cursor)
    finally:
        result.close()
    return _decimals_as_floats(table).to_pandas()


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
            frame.isetitem(position, series.astype(dtype))  # type: ignore[call-overload]  # a dtype name
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
    location: str | os.PathLike[str] | URL | Database | None,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    reader_role: str = DEFAULT_READER_ROLE,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> pd.DataFrame:
    """Run exactly one hand-written statement, read-only and sandboxed, and return its rows.

    ``:name`` placeholders are bound from ``params``. No statement can write the database, read or write a file
    outside it, run a program, load an extension or change the server's configuration (see
    :mod:`accel_orm.sandbox` for how, per engine): such statements raise :class:`ReadOnlyViolationError` and
    change nothing. On PostgreSQL the statement runs as ``reader_role`` (``accel-orm db create-reader-role``
    creates it); when that cannot be guaranteed, :class:`SqlConfinementError` says how to set it up. Statements
    without rows give an empty frame. A DuckDB file another process holds for writing is waited for up to
    ``lock_timeout`` seconds, then :class:`DatabaseLockedError` names the holder.
    """
    url = resolve(location).url
    if url.get_backend_name() == "postgresql":
        return _postgresql_read_only(url, sql, dict(params or {}), reader_role)
    return _duckdb_read_only(url, sql, dict(params or {}), lock_timeout)


def _duckdb_read_only(url: URL, sql: str, params: dict[str, Any], lock_timeout: float) -> pd.DataFrame:
    engine = get_engine(url, read_only=True, sandboxed=True, auto_upgrade=False, lock_timeout=lock_timeout)
    try:
        with translate_errors(engine.url), engine.connect() as connection:
            compiled = text(sql).compile(dialect=connection.dialect)
            values = [_bound_value(params, name) for name in compiled.positiontup or ()]
            raw: Any = connection.connection.driver_connection
            sandbox.check_duckdb_statement(raw, compiled.string)
            with sandbox.refusals_explained():
                result = raw.execute(compiled.string, values)
                if result.description is None:
                    return pd.DataFrame()
                return _decimals_as_floats(_fetch_arrow(result)).to_pandas()
    finally:
        engine.dispose()


def _bound_value(params: Mapping[str, Any], name: str) -> Any:
    if name not in params:
        raise ValueError(f"the SQL uses :{name}, but no value was given for it")
    return params[name]


def _postgresql_read_only(url: URL, sql: str, params: dict[str, Any], reader_role: str) -> pd.DataFrame:
    sandbox.check_reader_role_name(reader_role)
    where = Database.from_url(url).describe()
    engine = get_engine(url, read_only=True, auto_upgrade=False)
    try:
        with _one_statement_message(), translate_errors(engine.url), engine.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            plan = sandbox.plan_postgresql(connection, reader_role, where)
            if not plan.login_as_reader:
                sandbox.set_reader_role(connection, reader_role)
                return _postgresql_frame(connection, sql, params)
    finally:
        engine.dispose()
    # A privileged login could switch back from SET ROLE inside the statement: log in as the reader instead.
    try:
        reader_engine = get_engine(url.set(username=reader_role, password=None), read_only=True, auto_upgrade=False)
    except DatabaseError as error:
        raise sandbox.reader_login_failed(plan, where, error) from error
    try:
        with _one_statement_message(), translate_errors(reader_engine.url), reader_engine.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            sandbox.require_unprivileged_session(connection, reader_role)
            return _postgresql_frame(connection, sql, params)
    finally:
        reader_engine.dispose()


def _postgresql_frame(connection: Connection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    with sandbox.refusals_explained():
        result = connection.execute(text(sql), params)
        if not result.returns_rows:
            return pd.DataFrame()
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    connection.rollback()
    return frame


@contextmanager
def _one_statement_message() -> Iterator[None]:
    try:
        yield
    except DatabaseError as error:
        if _MULTIPLE_STATEMENTS in str(error):
            raise ReadOnlyViolationError(
                "give exactly one SQL statement per call (statements separated by ';' are refused, and none of them "
                "was run)"
            ) from error
        raise
