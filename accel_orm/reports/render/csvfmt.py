"""CSV output, for spreadsheets and ad-hoc analysis.

Unlike Markdown and HTML, CSV keeps full precision and writes missing values as empty fields, so
``pd.read_csv(io.StringIO(frame_to_csv(df)))`` gives back the data. Datetimes are written as ISO 8601 (with the
``T``) to match the JSON output.
"""

from __future__ import annotations

import pandas as pd

from accel_orm.reports.render._format import prepare_frame

# Spreadsheet programs execute cells that start with these characters as formulas (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def frame_to_csv(df: pd.DataFrame, *, excel_safe: bool = False) -> str:
    """Return ``df`` as CSV text with a header row and ``\\n`` line endings.

    A meaningful index is written as leading columns (a default ``RangeIndex`` is dropped). With
    ``excel_safe=True`` text cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``) are prefixed
    with ``'``; this is off by default because it changes the data (model ids such as ``@cf/meta/llama`` exist).
    """
    frame = prepare_frame(df)
    for i in range(len(frame.columns)):
        column = frame.iloc[:, i]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            iso = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in column]
            frame.isetitem(i, pd.Series(iso, index=frame.index, dtype=object))  # type: ignore[arg-type]  # stubs lack Series
        elif excel_safe and (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
            frame.isetitem(i, column.map(_neutralise_formula))  # type: ignore[arg-type]
    return frame.to_csv(index=False, lineterminator="\n")


def _neutralise_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value
