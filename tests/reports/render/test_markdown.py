from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from accel_orm.reports import FORMATS, Report, Section, frame_to_markdown, render, render_markdown
from accel_orm.reports.render._format import column_label

XSS = "<script>alert(1)</script>"

# A GFM cell delimiter is a pipe not preceded by an (unescaped) backslash.
_DELIMITER = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> list[str]:
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in _DELIMITER.split(line[1:-1])]


def test_table_has_header_separator_and_rows(results_frame: pd.DataFrame) -> None:
    text = frame_to_markdown(results_frame)
    lines = text.strip().splitlines()
    assert len(lines) == 2 + len(results_frame)
    assert _cells(lines[0]) == [column_label(c) for c in results_frame.columns]  # human headers, same order
    assert _cells(lines[0])[:2] == ["Model", "Hardware"]
    separator = _cells(lines[1])
    assert all(re.fullmatch(r":?-{3,}:?", cell) for cell in separator)
    # every row has exactly as many cells as the header, even with pipes and newlines in the data
    for line in lines[2:]:
        assert len(_cells(line)) == len(results_frame.columns)


def test_numeric_columns_are_right_aligned(results_frame: pd.DataFrame) -> None:
    separator = _cells(frame_to_markdown(results_frame).splitlines()[1])
    aligned = dict(zip(results_frame.columns, separator, strict=True))
    assert aligned["throughput"].endswith(":")
    assert aligned["batch_size"].endswith(":")
    assert not aligned["model_name"].endswith(":")
    assert not aligned["ok"].endswith(":")  # booleans read as words


def test_pipes_newlines_and_html_are_escaped(results_frame: pd.DataFrame) -> None:
    text = frame_to_markdown(results_frame)
    assert r"a\|b model" in text
    assert "multi<br>line" in text
    assert XSS not in text
    assert r"\<script\>alert(1)\</script\>" in text


def test_backslash_before_pipe_cannot_unescape_it() -> None:
    text = frame_to_markdown(pd.DataFrame({"a": ["x\\|y"], "b": [1]}))
    assert len(_cells(text.splitlines()[2])) == 2


def test_missing_values_floats_and_datetimes(results_frame: pd.DataFrame) -> None:
    rows = [_cells(line) for line in frame_to_markdown(results_frame).splitlines()[2:]]
    by_col = {col: [row[i] for row in rows] for i, col in enumerate(results_frame.columns)}
    assert by_col["throughput"] == ["1,234.57", "—", "42.00", "0.50"]
    assert by_col["notes"][0] == "—"
    # one short form for every time people read (minutes, no "T"); JSON and CSV keep full ISO 8601
    assert by_col["timestamp"][0] == "2024-05-01 06:00"
    assert by_col["timestamp"][1] == "2024-05-01 06:30"
    assert by_col["timestamp"][2] == "—"
    assert by_col["ok"] == ["yes", "no", "yes", "yes"]


def test_float_digits_and_tiny_values() -> None:
    frame = pd.DataFrame({"v": [1.23456, 0.0003, -0.0]})
    rows = [_cells(line)[0] for line in frame_to_markdown(frame, float_digits=3).splitlines()[2:]]
    assert rows == ["1.235", "0.0003", "0.000"]
    with pytest.raises(ValueError, match="float_digits"):
        frame_to_markdown(frame, float_digits=-1)


def test_whole_number_float_column_shows_no_decimals() -> None:
    frame = pd.DataFrame({"runs": [1.0, np.nan, 1200.0]})
    rows = [_cells(line)[0] for line in frame_to_markdown(frame).splitlines()[2:]]
    assert rows == ["1", "—", "1,200"]


def test_date_only_column() -> None:
    frame = pd.DataFrame({"bucket": pd.date_range("2024-01-01", periods=2, freq="D")})
    assert "| 2024-01-02 |" in frame_to_markdown(frame)


def test_title_and_meaningful_index() -> None:
    frame = pd.DataFrame({"hardware_type": ["cpu", "cuda", "cpu"], "v": [1.0, 2.0, 3.0]})
    grouped = frame.groupby("hardware_type").mean()
    text = frame_to_markdown(grouped, title="Mean | by hw")
    assert text.startswith(r"### Mean \| by hw")
    assert _cells(text.splitlines()[2]) == ["Hardware", "v"]  # the index became the (labelled) first column


def test_empty_frames() -> None:
    no_rows = frame_to_markdown(pd.DataFrame(columns=["a", "b"]))
    assert "| a" in no_rows and "No rows" in no_rows
    assert "No data" in frame_to_markdown(pd.DataFrame())


def test_multiindex_columns_are_flattened() -> None:
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("lat", "p50"), ("lat", "p99")]))
    assert _cells(frame_to_markdown(frame).splitlines()[0]) == ["lat / p50", "lat / p99"]


def test_render_markdown_document(results_frame: pd.DataFrame, png_bytes: bytes, generated_at) -> None:
    report = Report(
        title=f"Nightly {XSS}",
        generated_at=generated_at,
        sections=[
            Section("Summary", text="All **good**."),
            Section("Results", frame=results_frame, chart_png=png_bytes, chart_alt="Bar chart of throughput"),
        ],
    )
    text = render_markdown(report)
    assert text.startswith("# Nightly ")
    assert XSS not in text
    assert "2024-05-01T06:00:00+00:00" in text
    assert "## Summary" in text and "All **good**." in text
    assert "## Results" in text
    assert "Bar chart of throughput" in text
    assert "base64" not in text and "\\x89PNG" not in text and "data:image" not in text
    assert render(report, "markdown") == text


def test_render_dispatch_and_unknown_format(generated_at) -> None:
    report = Report("r", [], generated_at)
    assert FORMATS == ("markdown", "html", "json")
    assert render(report, " HTML ").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError) as info:
        render(report, "pdf")
    message = str(info.value)
    assert "'pdf'" in message
    for fmt in FORMATS:
        assert fmt in message


def test_leftover_integer_index_is_dropped_but_named_index_kept() -> None:
    frame = pd.DataFrame({"hw": ["cpu", "cuda", "rocm"], "v": [1, 2, 3]})
    filtered = frame[frame.v > 1]  # index [1, 2]: positional noise, not data
    assert _cells(frame_to_markdown(filtered).splitlines()[0]) == ["hw", "v"]
    named = filtered.rename_axis("run_id")
    assert _cells(frame_to_markdown(named).splitlines()[0]) == ["run_id", "hw", "v"]


LINKY_VALUES = [
    "[docs](javascript:alert(1))",
    "![pixel](https://evil.example/track.png)",
    "<https://evil.example/autolink>",
    "<javascript:alert(2)>",
    "https://evil.example/bare",
    "www.evil.example",
    "[ref][1]",
    "[1]: javascript:alert(3)",
]


def _rendered_by_github(markdown: str) -> str:
    """The HTML GitHub would make of ``markdown`` (cmark-gfm, with its table and autolink extensions)."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


@pytest.mark.parametrize("value", LINKY_VALUES)
def test_cell_values_never_become_links_or_images(value: str) -> None:
    frame = pd.DataFrame({"model_name": [value], "hardware_type": [value]})
    html = _rendered_by_github(render_markdown(Report(title=value, sections=[Section(value, frame=frame)])))
    assert "<a " not in html and "<img" not in html
    # ...and the value still reads as itself (escapes render away), in the title, the heading and the cells.
    shown = html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert shown.count(value) == 4, html


def test_link_syntax_in_a_reference_definition_row_stays_text() -> None:
    frame = pd.DataFrame({"note": ["[x]", "[x]: https://evil.example"]})
    html = _rendered_by_github(frame_to_markdown(frame) + "\n[x]: https://evil.example\n")
    assert "<a " not in html
