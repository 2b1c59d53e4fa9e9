from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from accel_orm.reports.render import charts

PNG = b"\x89PNG\r\n\x1a\n"
HARDWARE = ["cpu", "cuda", "rocm", "mps", "openvino", "qnn", "chrome", "firefox"]
LONG = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"


def _decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG)
    image = mpimg.imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert 300 <= width <= 4000, width
    assert 200 <= height <= 8000, height
    return image


@pytest.fixture
def bars() -> pd.DataFrame:
    return pd.DataFrame({"hardware_type": HARDWARE, "throughput": [42, 2350, 1810, 640, 210, 380, 155, 96.5]})


@pytest.fixture
def trend() -> pd.DataFrame:
    days = pd.date_range("2024-04-01", periods=30, freq="D")
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        [
            {"bucket": d, "hardware_type": h, "value": base * rng.uniform(0.9, 1.1)}
            for h, base in zip(HARDWARE, [40, 2300, 1800, 600, 200, 400, 150, 100], strict=True)
            for d in days
        ]
    )


@pytest.fixture
def heat() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.choice(["supported", "limited", "unsupported"], size=(40, 8)), columns=HARDWARE)
    frame.insert(0, "model_name", [f"{LONG}-{i}" for i in range(40)])
    frame.iloc[3, 2] = None
    return frame


def _bars_of(fig: Figure) -> dict[str, float]:
    """Bar label -> bar length, read off the drawn axes (tick labels are the bars' labels, bottom to top)."""
    (ax,) = fig.axes
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    return dict(zip(labels, [bar.get_width() for bar in ax.patches], strict=True))


def test_bar_chart_draws_one_bar_per_platform_largest_on_top(bars: pd.DataFrame) -> None:
    fig = charts.hardware_comparison_figure(bars, value_column="throughput", title="Throughput", unit="items/s")
    (ax,) = fig.axes
    drawn = _bars_of(fig)
    assert drawn == dict(zip(HARDWARE, [42, 2350, 1810, 640, 210, 380, 155, 96.5], strict=True))
    assert list(drawn) == ["cpu", "firefox", "chrome", "openvino", "qnn", "mps", "rocm", "cuda"]  # ascending
    assert [text.get_text() for text in ax.texts] == ["42.0", "96.5", "155", "210", "380", "640", "1,810", "2,350"]
    assert ax.get_title(loc="left") == "Throughput"
    assert ax.get_xlabel() == "Throughput (items/s)"
    assert ax.get_ylabel() == "Hardware type"
    _decode(charts.hardware_comparison_chart(bars, value_column="throughput", title="Throughput", unit="items/s"))


def test_bar_chart_title_says_the_batch_size_it_shows() -> None:
    from accel_orm.reports.build import hardware_comparison_section

    frame = pd.DataFrame(
        {
            "hardware_type": ["cpu", "cuda"],
            "device_name": [None, "A100"],
            "avg_throughput": [10.0, 90.0],
        }
    )
    section = hardware_comparison_section("bert", frame, "throughput", batch_size=8)
    assert section.heading == "bert across hardware (batch size 8)"
    fig = charts.hardware_comparison_figure(
        frame.assign(platform=["cpu", "cuda (A100)"]),
        value_column="avg_throughput",
        label_column="platform",
        title="bert: Throughput by hardware (batch size 8)",
        unit="items/s",
    )
    assert fig.axes[0].get_title(loc="left") == "bert: Throughput by hardware (batch size 8)"
    assert _bars_of(fig) == {"cpu": 10.0, "cuda (A100)": 90.0}
    pooled = hardware_comparison_section("bert", frame, "throughput", batch_size=None)
    assert pooled.heading == "bert across hardware (all batch sizes pooled)"


def test_bar_chart_grows_with_bars(bars: pd.DataFrame) -> None:
    small = _decode(charts.hardware_comparison_chart(bars.head(2), value_column="throughput", title="t", unit="u"))
    many = pd.DataFrame({"hardware_type": [f"{LONG}{i}" for i in range(30)], "throughput": range(30)})
    large = _decode(charts.hardware_comparison_chart(many, value_column="throughput", title="t", unit="u"))
    assert large.shape[0] > 2 * small.shape[0]


def test_bar_chart_aggregates_duplicates_and_handles_negatives() -> None:
    frame = pd.DataFrame({"hardware_type": ["cpu", "cpu", "cuda"], "delta": [-5.0, -3.0, 12.0]})
    fig = charts.hardware_comparison_figure(frame, value_column="delta", title="Change", unit="%")
    assert _bars_of(fig) == {"cpu": -4.0, "cuda": 12.0}  # the mean of the two cpu rows
    (ax,) = fig.axes
    assert ax.get_xlabel() == "Mean delta (%)"
    low, high = ax.get_xlim()
    assert low < -4.0 and high > 12.0  # both bars and their labels fit


def test_trend_chart_draws_one_line_per_hardware_with_its_values(trend: pd.DataFrame) -> None:
    fig = charts.throughput_trend_figure(trend, title="Trend", unit="items/s")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert set(lines) == set(HARDWARE)
    legend = ax.get_legend()
    assert legend is not None and {t.get_text() for t in legend.get_texts()} == set(HARDWARE)
    for hardware, line in lines.items():
        expected = trend[trend.hardware_type == hardware].sort_values("bucket")
        assert np.allclose(np.asarray(line.get_ydata(), dtype=float), expected["value"].to_numpy())
        assert len(line.get_xdata()) == 30
    assert ax.get_title(loc="left") == "Trend"
    assert ax.get_ylabel() == "Throughput (items/s), log scale"  # values span 40..2300: log scale
    assert ax.get_xlabel() == "Date"
    _decode(charts.throughput_trend_chart(trend, title="Trend", unit="items/s"))


def test_trend_chart_variants(trend: pd.DataFrame) -> None:
    tz = trend.assign(bucket=trend["bucket"].dt.tz_localize("UTC"))
    _decode(charts.throughput_trend_chart(tz, title="tz-aware", unit="items/s", log_scale=False))
    as_text = trend.assign(bucket=trend["bucket"].dt.strftime("%Y-%m-%d"))
    _decode(charts.throughput_trend_chart(as_text, title="string dates", unit="items/s"))
    labels = trend.assign(bucket=trend["bucket"].dt.strftime("run-%d"))
    _decode(charts.throughput_trend_chart(labels, title="categories", unit="items/s"))
    single = trend[trend.hardware_type == "cuda"].drop(columns="hardware_type")
    _decode(charts.throughput_trend_chart(single, series=None, title="one line", unit="items/s"))
    many = pd.concat([trend.assign(hardware_type=trend.hardware_type + s) for s in ("", "-fp16")])
    _decode(charts.throughput_trend_chart(many, title="16 series", unit="items/s"))


def test_heatmap_cells_rows_and_columns_are_the_data() -> None:
    frame = pd.DataFrame({"model_name": ["bert", "t5"], "cpu": ["supported", "unsupported"], "cuda": ["limited", None]})
    fig = charts.compatibility_heatmap_figure(frame, title="Matrix")
    ax = fig.axes[0]
    (image,) = ax.images
    # Levels index charts._LEVELS: supported 0, limited 1, unsupported 2, missing 4.
    assert np.asarray(image.get_array()).tolist() == [[0.0, 1.0], [2.0, 4.0]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["bert", "t5"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cpu", "cuda"]
    assert [t.get_text() for t in ax.texts] == ["✓", "~", "✗", "–"]  # colour is never the only cue
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "✓  Supported",
        "~  Limited",
        "✗  Unsupported",
        "–  No data",
    }
    assert ax.get_title(loc="left") == "Matrix"


@pytest.mark.parametrize("kind", ["strings", "numbers", "booleans", "synonyms"])
def test_heatmap_cell_kinds(heat: pd.DataFrame, kind: str) -> None:
    rng = np.random.default_rng(2)
    if kind == "numbers":
        heat = heat.copy()
        heat[HARDWARE] = rng.uniform(0, 1, size=(40, 8))
        heat.iloc[0, 1] = np.nan
    elif kind == "booleans":
        heat = pd.DataFrame(
            rng.uniform(size=(5, 3)) > 0.5,
            columns=["cpu", "webgpu", "webnn"],
            index=pd.Index(["a", "b", "c", "d", "e"], name="model"),
        )
    elif kind == "synonyms":
        heat = pd.DataFrame({"model_name": ["m1", "m2"], "cpu": ["pass", "FAIL"], "gpu": ["partial", "weird"]})
    _decode(charts.compatibility_heatmap(heat, title=f"Compatibility ({kind})"))


def test_heatmap_scales_with_rows(heat: pd.DataFrame) -> None:
    small = _decode(charts.compatibility_heatmap(heat.head(3), title="t"))
    large = _decode(charts.compatibility_heatmap(heat, title="t"))
    assert large.shape[0] > 3 * small.shape[0]
    _decode(charts.compatibility_heatmap(pd.concat([heat] * 3, ignore_index=True), title="120 rows, no annotations"))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(),
        pd.DataFrame(columns=["hardware_type", "throughput", "bucket", "value", "model_name"]),
        pd.DataFrame(
            {
                "hardware_type": ["cpu"],
                "throughput": [np.nan],
                "bucket": [pd.NaT],
                "value": [np.nan],
                "model_name": ["m"],
            }
        ),
    ],
    ids=["no-columns", "no-rows", "all-missing"],
)
def test_empty_frames_render_placeholder(frame: pd.DataFrame) -> None:
    grid = frame.drop(columns=[c for c in frame.columns if c != "model_name"])
    for fig in (
        charts.hardware_comparison_figure(frame, value_column="throughput", title="t", unit="u"),
        charts.throughput_trend_figure(frame, title="t", unit="u"),
        charts.compatibility_heatmap_figure(grid, title="t"),
    ):
        (ax,) = fig.axes
        assert "No data" in [text.get_text() for text in ax.texts]
        assert not ax.patches and not ax.get_lines() and not ax.images  # nothing pretends to be data
    _decode(charts.hardware_comparison_chart(frame, value_column="throughput", title="t", unit="u"))
    _decode(charts.compatibility_heatmap(grid, title="t"))


def test_missing_column_is_a_clear_error(bars: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="latency"):
        charts.hardware_comparison_chart(bars, value_column="latency", title="t", unit="ms")


def test_shorten_keeps_both_ends() -> None:
    short = charts.shorten(LONG, 30)
    assert len(short) == 30 and "…" in short
    assert short.startswith("sentence") and short.endswith("L12-v2")
    assert charts.shorten("cpu", 30) == "cpu"


def test_charts_are_thread_safe(bars: pd.DataFrame, trend: pd.DataFrame) -> None:
    def work(i: int) -> bytes:
        if i % 2:
            return charts.hardware_comparison_chart(bars, value_column="throughput", title=f"{i}", unit="u")
        return charts.throughput_trend_chart(trend, title=f"{i}", unit="u")

    with ThreadPoolExecutor(max_workers=4) as pool:
        for png in pool.map(work, range(8)):
            _decode(png)


def test_output_is_deterministic(bars: pd.DataFrame) -> None:
    args = {"value_column": "throughput", "title": "t", "unit": "u"}
    assert charts.hardware_comparison_chart(bars, **args) == charts.hardware_comparison_chart(bars, **args)


def test_importing_charts_does_not_touch_pyplot() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "import sys, accel_orm.reports.render.charts; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
