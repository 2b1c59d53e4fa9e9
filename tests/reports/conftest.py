"""Shared fixtures for the report-layer tests (pure pandas in, text/PNG out: no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

XSS = "<script>alert(1)</script>"


@pytest.fixture
def results_frame() -> pd.DataFrame:
    """A small frame with the awkward values real query results contain."""
    return pd.DataFrame(
        {
            "model_name": ["bert-base-uncased", "a|b model", XSS, "multi\nline"],
            "hardware_type": ["cuda", "cpu", "chrome", "firefox"],
            "throughput": [1234.5678, np.nan, 42.0, 0.5],
            "batch_size": [1, 8, 16, 32],
            "ok": [True, False, True, True],
            "timestamp": pd.to_datetime(["2024-05-01 06:00:00", "2024-05-01 06:30:15", None, "2024-05-02 00:00:00"]),
            "notes": [None, "fast", "", "slow"],
        }
    )


@pytest.fixture
def png_bytes() -> bytes:
    from accel_orm.reports.render.charts import hardware_comparison_chart

    frame = pd.DataFrame({"hardware_type": ["cpu", "cuda"], "throughput": [10.0, 100.0]})
    return hardware_comparison_chart(frame, value_column="throughput", title="t", unit="items/s")


@pytest.fixture
def generated_at() -> datetime:
    return datetime(2024, 5, 1, 6, 0, 0, tzinfo=UTC)
