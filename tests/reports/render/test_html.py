from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from accel_orm.reports import Report, Section, render, render_html

XSS = "<script>alert(1)</script>"

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Records tags and fails on any mismatched or unclosed element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Checker:
    checker = _Checker()
    checker.feed(document)
    checker.close()
    return checker


@pytest.fixture
def report(results_frame: pd.DataFrame, png_bytes: bytes, generated_at) -> Report:
    return Report(
        title=f"Nightly {XSS}",
        generated_at=generated_at,
        sections=[
            Section(f"Summary {XSS}", text=f"Line one {XSS}\nline two\n\nSecond paragraph"),
            Section("Results", frame=results_frame, chart_png=png_bytes, chart_alt=f'alt {XSS} " quote'),
            Section("Chart only", chart_png=png_bytes),
            Section("Empty", frame=pd.DataFrame(columns=["a"])),
        ],
    )


def test_well_formed(report: Report) -> None:
    checker = _parse(render_html(report))
    assert checker.errors == []
    assert checker.stack == []
    tags = [tag for tag, _ in checker.starts]
    for tag in ("table", "thead", "tbody", "tr", "th", "td", "img", "header", "h1", "section"):
        assert tag in tags


def test_self_contained(report: Report) -> None:
    document = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", document, re.IGNORECASE)
    assert "http://" not in document and "https://" not in document
    assert "<link" not in document
    assert "@import" not in document
    for tag, attrs in _parse(document).starts:
        assert tag != "script"
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:image/png;base64,", "#")), value


def test_data_is_escaped(report: Report) -> None:
    document = render_html(report)
    assert "<script" not in document.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    checker = _parse(document)
    # After unescaping, the payload is visible as plain text (title, heading, paragraph, table cell) ...
    assert sum(XSS in chunk for chunk in checker.text) >= 4
    # ... and in the alt attribute, where the quote did not break out of the attribute.
    alts = [attrs["alt"] for tag, attrs in checker.starts if tag == "img" and attrs.get("alt", "").startswith("alt")]
    assert alts == [f'alt {XSS} " quote']


def test_column_names_are_escaped(generated_at) -> None:
    frame = pd.DataFrame({XSS: [1], "a&b": ["x"]})
    document = render_html(Report("t", [Section("s", frame=frame)], generated_at))
    assert "<script" not in document
    assert "a&amp;b" in document


def test_embedded_png_round_trips(report: Report, png_bytes: bytes) -> None:
    images = [attrs["src"] for tag, attrs in _parse(render_html(report)).starts if tag == "img"]
    assert len(images) == 2
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in images)
    assert base64.b64decode(images[0][len(prefix) :]) == png_bytes


def test_header_has_title_and_generated_at(report: Report) -> None:
    document = render_html(report)
    assert '<time datetime="2024-05-01T06:00:00+00:00">2024-05-01 06:00 UTC</time>' in document
    assert "<title>Nightly &lt;script&gt;" in document
    assert '<meta charset="utf-8">' in document
    assert "<style>" in document


def test_numeric_columns_right_aligned_and_missing_marked(report: Report) -> None:
    document = render_html(report)
    assert '<th scope="col" class="num">throughput</th>' in document
    assert '<th scope="col">Model</th>' in document  # the human header of model_name
    assert '<td class="num">1,234.57</td>' in document
    assert '<td class="num na">—</td>' in document
    assert "text-align: right" in document


def test_paragraphs_and_line_breaks(report: Report) -> None:
    document = render_html(report)
    assert "<p>Line one &lt;script&gt;alert(1)&lt;/script&gt;<br>line two</p>" in document
    assert "<p>Second paragraph</p>" in document


def test_status_badges(generated_at) -> None:
    frame = pd.DataFrame({"cuda": ["supported"], "cpu": ["limited"], "webnn": ["unsupported"], "n": ["other"]})
    document = render_html(Report("t", [Section("s", frame=frame)], generated_at))
    assert '<span class="badge good">supported</span>' in document
    assert '<span class="badge warn">limited</span>' in document
    assert '<span class="badge bad">unsupported</span>' in document
    assert "<td>other</td>" in document


def test_empty_report_renders(generated_at) -> None:
    document = render(Report("Nothing", [], generated_at), "html")
    checker = _parse(document)
    assert checker.errors == [] and checker.stack == []
    assert "no sections" in document
