"""Alembic support for DuckDB, which Alembic does not know out of the box."""

from __future__ import annotations

import re
from typing import Any

from alembic.ddl.impl import DefaultImpl
from sqlalchemy import Index
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.elements import ClauseElement

from accel_orm.models import POSTGRESQL_ONLY_INDEX

try:  # Alembic >= 1.12
    from alembic.ddl._autogen import ComparisonResult
except ImportError:  # pragma: no cover - older Alembic
    from alembic.ddl.impl import ComparisonResult

_NOISE = re.compile(r"[\s()\"]|::[a-z ]+|cast|asvarchar|ascharactervarying")


def normalise_index_expression(text: str) -> str:
    """Reduce an index expression to a form both DuckDB's catalog SQL and SQLAlchemy's compiler agree on.

    ``(COALESCE(device_name, CAST('' AS VARCHAR)))`` and ``coalesce(device_name, '')`` both become
    ``coalescedevice_name,''``.
    """
    return _NOISE.sub("", text.lower())


class AlembicDuckDBImpl(DefaultImpl):
    """Registered by subclassing (``__dialect__``); importing this module is enough.

    DuckDB's DDL is transactional, so a failing migration leaves nothing behind.
    """

    __dialect__ = "duckdb"
    transactional_ddl = True

    def compare_type(self, inspector_column: Any, metadata_column: Any) -> bool:
        # DuckDB stores JSON as VARCHAR underneath and may report either; they are the same column to us.
        reflected = inspector_column.type
        declared = metadata_column.type.dialect_impl(self.dialect)
        if isinstance(declared, sqltypes.JSON) and isinstance(reflected, sqltypes.JSON | sqltypes.String):
            return False
        return super().compare_type(inspector_column, metadata_column)

    def correct_for_autogen_constraints(
        self,
        conn_uniques: set[Any],
        conn_indexes: set[Index],
        metadata_unique_constraints: set[Any],
        metadata_indexes: set[Index],
    ) -> None:
        # Indexes declared for PostgreSQL only (models.postgresql_only_index) do not exist on DuckDB by design.
        for index in [index for index in metadata_indexes if index.info.get(POSTGRESQL_ONLY_INDEX)]:
            metadata_indexes.discard(index)

    def compare_indexes(self, metadata_index: Index, reflected_index: Index) -> ComparisonResult:
        """Compare uniqueness and every indexed expression (the default only compares plain column names)."""
        problems: list[str] = []
        if bool(metadata_index.unique) != bool(reflected_index.unique):
            problems.append(f"unique={reflected_index.unique} to unique={metadata_index.unique}")
        declared = [self._expression_text(e) for e in metadata_index.expressions]
        reflected = [self._expression_text(e) for e in reflected_index.expressions]
        if [normalise_index_expression(t) for t in declared] != [normalise_index_expression(t) for t in reflected]:
            problems.append(f"expressions {reflected} to {declared}")
        return ComparisonResult.Different(problems) if problems else ComparisonResult.Equal()

    def _expression_text(self, element: ClauseElement | str) -> str:
        if isinstance(element, str):
            return element
        compiled = element.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True, "include_table": False})
        return compiled.string
