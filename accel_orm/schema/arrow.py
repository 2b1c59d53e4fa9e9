"""The Arrow type of each column type, shared by the bulk writers and the Parquet archive."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String
from sqlalchemy.types import TypeEngine


def arrow_type(column_type: TypeEngine[Any]) -> pa.DataType:
    """An Arrow type both engines (and Parquet) read back as the column's own type; timestamps are naive UTC."""
    if isinstance(column_type, BigInteger):
        return pa.int64()
    if isinstance(column_type, Integer):
        return pa.int32()
    if isinstance(column_type, Float):  # Double included
        return pa.float64()
    if isinstance(column_type, Boolean):
        return pa.bool_()
    if isinstance(column_type, DateTime):
        return pa.timestamp("us")
    if isinstance(column_type, String | JSON):
        return pa.string()
    raise TypeError(f"no Arrow type for column type {column_type!r}")
