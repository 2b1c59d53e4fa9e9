from __future__ import annotations

import io

import numpy as np
import pandas as pd

from accel_orm.reports import frame_to_csv


def test_header_and_round_trip() -> None:
    frame = pd.DataFrame(
        {
            "model_name": ["bert", 'a,b "quoted"', "multi\nline"],
            "throughput": [1234.5678, np.nan, 0.1],
            "batch_size": [1, 8, 16],
            "timestamp": pd.to_datetime(["2024-05-01 06:00:00", "2024-05-01 06:30:15", "2024-05-02 00:00:00"]),
        }
    )
    text = frame_to_csv(frame)
    assert text.splitlines()[0] == "model_name,throughput,batch_size,timestamp"
    assert "2024-05-01T06:00:00" in text
    back = pd.read_csv(io.StringIO(text), parse_dates=["timestamp"])
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_missing_values_are_empty_fields() -> None:
    text = frame_to_csv(pd.DataFrame({"a": [1.5, None], "b": [None, "x"]}))
    assert text.splitlines()[1:] == ["1.5,", ",x"]


def test_meaningful_index_is_kept() -> None:
    frame = pd.DataFrame({"hw": ["cpu", "cuda"], "v": [1, 2]}).set_index("hw")
    assert frame_to_csv(frame).splitlines()[0] == "hw,v"


def test_excel_safe_is_opt_in() -> None:
    frame = pd.DataFrame({"name": ['=HYPERLINK("x")', "@cf/llama", "plain"], "n": [-1, 2, 3]})
    assert frame_to_csv(frame).splitlines()[2] == "@cf/llama,2"
    safe = frame_to_csv(frame, excel_safe=True).splitlines()
    assert safe[1].startswith("\"'=HYPERLINK")
    assert safe[2] == "'@cf/llama,2"
    assert safe[3] == "plain,3"
    assert safe[1].endswith(",-1")  # numbers are never touched


def test_empty_frame_still_has_header() -> None:
    assert frame_to_csv(pd.DataFrame(columns=["a", "b"])) == "a,b\n"
