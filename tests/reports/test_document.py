from __future__ import annotations

from datetime import UTC

import pandas as pd
import pytest

from accel_orm.reports import Report, Section


def test_defaults() -> None:
    report = Report("t")
    assert report.sections == []
    assert report.generated_at.tzinfo is UTC


def test_chart_must_be_png() -> None:
    with pytest.raises(ValueError, match="PNG"):
        Section("s", chart_png=b"GIF89a...")
    assert Section("s", chart_png=bytearray(b"\x89PNG\r\n\x1a\nrest")).chart_png == b"\x89PNG\r\n\x1a\nrest"


def test_type_errors_are_early_and_clear() -> None:
    with pytest.raises(TypeError, match="to_frame"):
        Section("s", frame=pd.Series([1]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"sections\[0\]"):
        Report("t", ["not a section"])  # type: ignore[list-item]
