"""PNG charts for reports, drawn with matplotlib's object API (``matplotlib.figure.Figure``, no pyplot).

Avoiding pyplot keeps this module headless and thread-safe: there is no global "current figure", no GUI backend
is ever selected, and figures are garbage-collected instead of accumulating in pyplot's registry. Each chart is
two functions: ``*_figure`` draws and returns the ``Figure`` (what tests inspect: bars, lines, labels, values) and
the PNG function encodes it. Neither raises on an empty frame: it draws a "No data" placeholder instead, so one
empty query does not break the whole morning report.

Readability rules applied everywhere: titles and axis labels with units, an Okabe–Ito colour-blind-safe palette
(plus distinct markers, so lines also survive grey-scale printing), figure size that grows with the number of
bars / rows, long labels shortened in the middle with an ellipsis (``sentence-tra…all-MiniLM-L6-v2`` keeps both
the organisation and the distinguishing suffix), and a tight bounding box so nothing is cut off.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from accel_orm.reports.render.statuses import status_level

# Okabe & Ito (2008). Their yellow is too faint for a line or bar on white, so series use grey in its place;
# yellow is kept only as a filled heatmap cell ("limited"), where it reads well.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#999999",  # grey (instead of yellow #F0E442)
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", ":")

DPI = 120
# Above this max/min ratio a linear axis squashes the slow series (CPU vs GPU) into the x axis.
_AUTO_LOG_RATIO = 30
MAX_LABEL_CHARS = 40
_TEXT_COLOUR = "#1f2328"
_MUTED = "#59636e"
_GRID = "#d0d7de"

# Compatibility levels: (key, legend label, colour, symbol drawn in the cell).
_LEVELS: tuple[tuple[str, str, str, str], ...] = (
    ("supported", "Supported", "#009E73", "✓"),
    ("limited", "Limited", "#F0E442", "~"),
    ("unsupported", "Unsupported", "#D55E00", "✗"),
    ("other", "Other", "#56B4E9", "?"),
    ("missing", "No data", "#EAEEF2", "–"),
)


# --------------------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------------------


def _side_legend(ax: Axes, title: str, *, x_anchor: float, **options: Any) -> Legend:
    """A frameless legend right of the axes, top-aligned, its entries left-aligned (charts share one look)."""
    return ax.legend(
        title=title,
        loc="upper left",
        bbox_to_anchor=(x_anchor, 1.0),
        frameon=False,
        fontsize=9,
        title_fontsize=9,
        alignment="left",
        **options,
    )


def shorten(label: object, max_chars: int = MAX_LABEL_CHARS) -> str:
    """Shorten ``label`` to at most ``max_chars`` by replacing its middle with "…"."""
    text = " ".join(str(label).split())
    if len(text) <= max_chars:
        return text
    keep = max_chars - 1
    head = keep * 2 // 5
    return text[:head] + "…" + text[len(text) - (keep - head) :]


def _short_unique(labels: Sequence[object], max_chars: int = MAX_LABEL_CHARS) -> list[str]:
    """Shorten labels, giving more room if shortening made two different labels identical."""
    texts = [" ".join(str(x).split()) for x in labels]
    limit = max_chars
    while True:
        short = [shorten(t, limit) for t in texts]
        collisions = len(set(short)) < len(set(texts))
        if not collisions or limit >= max((len(t) for t in texts), default=0):
            return short
        limit += 8


def _pretty(name: str) -> str:
    """``throughput_items_per_second`` -> ``Throughput items per second``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _axis_label(name: str, unit: str | None) -> str:
    return f"{name} ({unit})" if unit else name


def _wrap_title(title: str, fig_width_in: float) -> str:
    # ~0.11 in per character at 13 pt bold.
    return "\n".join(textwrap.wrap(" ".join(str(title).split()), width=max(30, int(fig_width_in / 0.11)))) or " "


def _compact_number(value: float) -> str:
    """Short value labels: 12,345 / 123 / 12.3 / 1.23 / 0.0123."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.1 or value == 0:
        return f"{value:.2f}"
    return f"{value:.2g}"


def _tick_label(value: float) -> str:
    """Axis ticks: "0", "500", "2,500", "0.25" — no "0.00", no offset text, no scientific notation below 1e9."""
    if abs(value) >= 1e9:
        return f"{value:.3g}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.6g}"


def _nice_floor(value: float) -> float:
    """Largest 1, 2 or 5 × 10^k not above ``value`` (> 0)."""
    exponent = math.floor(math.log10(value))
    for step in (5.0, 2.0, 1.0):
        candidate = step * 10.0**exponent
        if candidate <= value:
            return candidate
    return 10.0**exponent


def _tick_formatter() -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: _tick_label(v))


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained", facecolor="white")
    return fig


def _style_axes(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#8c959f")
    ax.tick_params(colors=_TEXT_COLOUR, labelsize=9)
    ax.set_axisbelow(True)


def _set_title(fig: Figure, ax: Axes, title: str, width: float) -> None:
    ax.set_title(_wrap_title(title, width), loc="left", fontsize=13, fontweight="bold", color=_TEXT_COLOUR, pad=12)


def _to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # metadata without "Software"/dates keeps output byte-stable for identical input (nice for snapshot diffs).
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.15, metadata={"Software": None})
    return buffer.getvalue()


def no_data_chart(title: str, message: str = "No data") -> bytes:
    """A small placeholder image used when a frame is empty, so a report section still shows *why* it is blank."""
    return _to_png(no_data_figure(title, message))


def no_data_figure(title: str, message: str = "No data") -> Figure:
    """The figure behind :func:`no_data_chart`."""
    fig = _new_figure(7, 2.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    _set_title(fig, ax, title, 7)
    ax.text(0.5, 0.45, message, ha="center", va="center", fontsize=16, color=_MUTED, transform=ax.transAxes)
    ax.text(
        0.5,
        0.2,
        "nothing to plot: no rows with values",
        ha="center",
        va="center",
        fontsize=9,
        color=_MUTED,
        transform=ax.transAxes,
    )
    return fig


def _require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing and len(df.columns) > 0:
        raise ValueError(f"column(s) {missing} not in DataFrame; available: {list(map(str, df.columns))}")


# --------------------------------------------------------------------------------------------------------------
# Bar chart
# --------------------------------------------------------------------------------------------------------------


def hardware_comparison_figure(
    df: pd.DataFrame,
    *,
    value_column: str,
    label_column: str = "hardware_type",
    title: str,
    unit: str,
    value_label: str | None = None,
) -> Figure:
    """Horizontal bar chart of one metric per hardware type, largest at the top, each bar labelled with its value.

    Horizontal bars keep long labels horizontal and readable; the figure grows by about 0.4 in per bar. When a
    label occurs in several rows (e.g. one row per model) the bars show the mean and the axis label says so.
    Rows with a missing value are ignored. ``value_label`` overrides the axis label (default: the column name).
    """
    _require_columns(df, [label_column, value_column])
    if df.empty or label_column not in df.columns:
        return no_data_figure(title)
    values = pd.to_numeric(df[value_column], errors="coerce")
    data = pd.DataFrame({"label": df[label_column].astype(str), "value": values}).dropna(subset=["value"])
    if data.empty:
        return no_data_figure(title)
    aggregated = data["label"].duplicated().any()
    series = data.groupby("label", sort=False)["value"].mean().sort_values(ascending=True)

    n = len(series)
    labels = _short_unique(list(series.index))
    longest = max(len(s) for s in labels)
    width = min(14.0, max(8.0, 4.5 + 0.075 * longest))
    height = max(2.6, 1.4 + 0.42 * n)
    fig = _new_figure(width, height)
    ax = fig.add_subplot()
    _style_axes(ax)
    positions = np.arange(n)
    bars = ax.barh(positions, series.to_numpy(), height=0.68, color=OKABE_ITO[0], zorder=2)
    ax.set_yticks(positions, labels=labels)
    ax.set_ylim(-0.6, n - 0.4)
    ax.bar_label(bars, labels=[_compact_number(v) for v in series], padding=4, fontsize=9, color=_TEXT_COLOUR)

    low, high = float(min(0.0, series.min())), float(max(0.0, series.max()))
    span = (high - low) or 1.0
    # Leave room beyond the longest bar for its value label.
    ax.set_xlim(low - (0.16 * span if low < 0 else 0), high + 0.16 * span)
    ax.xaxis.set_major_formatter(_tick_formatter())
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.tick_params(axis="y", length=0)
    ax.axvline(0, color="#8c959f", linewidth=0.8, zorder=3)

    name = value_label or _pretty(value_column)
    if aggregated:
        name = f"Mean {name[:1].lower()}{name[1:]}"
    ax.set_xlabel(_axis_label(name, unit), fontsize=10, color=_TEXT_COLOUR)
    ax.set_ylabel(_pretty(label_column), fontsize=10, color=_TEXT_COLOUR)
    _set_title(fig, ax, title, width)
    return fig


# --------------------------------------------------------------------------------------------------------------
# Trend chart
# --------------------------------------------------------------------------------------------------------------


def _as_x_axis(values: pd.Series) -> tuple[pd.Series, str, bool]:
    """Return x values, their kind ("datetime", "numeric" or "category") and whether times were converted to UTC.

    Time-zone-aware times are plotted in UTC (and the axis says so) so that runs recorded in different zones line
    up; strings that parse as dates are treated as dates; anything else is an ordered category.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        converted = pd.to_datetime(values)
        if getattr(converted.dt, "tz", None) is not None:
            return converted.dt.tz_convert("UTC").dt.tz_localize(None), "datetime", True
        return converted, "datetime", False
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float), "numeric", False
    try:
        converted = pd.to_datetime(values, utc=True, format="mixed")
    except (ValueError, TypeError, OverflowError):
        return values.astype(str), "category", False
    if converted.isna().all():
        return values.astype(str), "category", False
    return converted.dt.tz_localize(None), "datetime", False


def throughput_trend_figure(
    df: pd.DataFrame,
    *,
    x: str = "bucket",
    y: str = "value",
    series: str | None = "hardware_type",
    title: str,
    unit: str,
    y_label: str | None = None,
    log_scale: bool | None = None,
) -> Figure:
    """Line chart of ``y`` over ``x``, one line (colour + marker) per value of ``series``.

    Dates on the x axis use matplotlib's concise formatter, which never repeats the year/month on every tick and so
    never overlaps. The legend sits outside the plot (lines are never hidden behind it) and lists series in the
    order of their latest value, so it reads top-to-bottom like the lines' right ends. ``log_scale=None`` switches
    to a log axis automatically when the largest value is more than 30× the smallest (CPU vs GPU throughput), which
    would otherwise flatten the slow series onto the x axis; the axis label says so. Gaps (missing buckets) are
    shown as breaks in the line rather than interpolated.
    """
    needed = [x, y] + ([series] if series else [])
    _require_columns(df, needed)
    if df.empty or any(c not in df.columns for c in needed):
        return no_data_figure(title)
    xs, kind, in_utc = _as_x_axis(df[x])
    data = pd.DataFrame(
        {
            "x": xs.to_numpy(),
            "y": pd.to_numeric(df[y], errors="coerce").to_numpy(),
            "series": df[series].astype(str).to_numpy() if series else "",
        }
    ).dropna(subset=["x"])
    if data["y"].notna().sum() == 0:
        return no_data_figure(title)

    categories: list[str] = []
    if kind == "category":
        categories = list(dict.fromkeys(data["x"]))
        data["x"] = data["x"].map({c: i for i, c in enumerate(categories)})

    # Legend order = latest value, descending.
    def last_value(group: pd.DataFrame) -> float:
        valid = group.dropna(subset=["y"]).sort_values("x")
        return float(valid["y"].iloc[-1]) if len(valid) else float("-inf")

    groups: dict[Any, pd.DataFrame] = {name: g.sort_values("x") for name, g in data.groupby("series", sort=True)}
    order = sorted(groups, key=lambda name: (-last_value(groups[name]), name))
    colour_of = {name: i for i, name in enumerate(sorted(groups))}  # stable colours, independent of the values

    positive = data["y"].dropna()
    if log_scale is None:
        log_scale = bool((positive > 0).all() and positive.max() / positive.min() > _AUTO_LOG_RATIO)

    legend_labels = _short_unique(order, 28)
    width = 10.5 + (0.07 * max(len(s) for s in legend_labels) if series else 0)
    height = max(4.8, 0.3 * len(order) + 1.5)
    fig = _new_figure(width, height)
    ax = fig.add_subplot()
    _style_axes(ax)
    many_points = len(data) / max(1, len(groups)) > 60
    for label, name in zip(legend_labels, order, strict=True):
        group = groups[name]
        i = colour_of[name]
        ax.plot(
            group["x"],
            group["y"],
            label=label,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            linestyle=_LINESTYLES[(i // len(OKABE_ITO)) % len(_LINESTYLES)],
            marker=None if many_points else _MARKERS[i % len(_MARKERS)],
            markersize=4.5,
            linewidth=1.8,
            markeredgecolor="white",
            markeredgewidth=0.6,
        )
    if log_scale:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(_tick_formatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        # Start the axis at a labelled 1/2/5 tick so the slowest series can be read off the axis.
        ax.set_ylim(bottom=_nice_floor(float(positive.min()) * 0.95))
    else:
        ax.yaxis.set_major_formatter(_tick_formatter())
        if (positive >= 0).all():
            ax.set_ylim(bottom=0)
    ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.grid(axis="x", color=_GRID, linewidth=0.5, alpha=0.6)

    if kind == "datetime":
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    elif kind == "category":
        step = max(1, len(categories) // 12)
        ticks = list(range(0, len(categories), step))
        ax.set_xticks(ticks, labels=[shorten(categories[t], 24) for t in ticks], rotation=30, ha="right")

    ylab = y_label or ("Throughput" if y == "value" else _pretty(y))
    ax.set_ylabel(_axis_label(ylab, unit) + (", log scale" if log_scale else ""), fontsize=10, color=_TEXT_COLOUR)
    xlab = "Date" if kind == "datetime" and x == "bucket" else _pretty(x)
    ax.set_xlabel(xlab + (" (UTC)" if in_utc else ""), fontsize=10, color=_TEXT_COLOUR)
    if series:
        _side_legend(ax, _pretty(series), x_anchor=1.01).get_title().set_fontweight("bold")
    _set_title(fig, ax, title, width)
    return fig


# --------------------------------------------------------------------------------------------------------------
# Heatmap
# --------------------------------------------------------------------------------------------------------------


def _level_of(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "missing"
    if isinstance(value, bool | np.bool_):
        return "supported" if value else "unsupported"
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return "supported" if v >= 0.999 else "unsupported" if v <= 0.001 else "limited"
    return status_level(str(value)) or "other"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def compatibility_heatmap_figure(
    df: pd.DataFrame,
    *,
    row_label: str = "model_name",
    title: str,
    annotate: bool | None = None,
) -> Figure:
    """Grid of models (rows) × hardware types (columns) coloured by compatibility.

    ``df`` is wide: a ``row_label`` column (or, if absent, the index) plus one column per hardware type. Cells may
    be status strings (supported / limited / unsupported and common synonyms such as pass/fail), booleans, or
    numbers in 0..1 (e.g. the share of passing tests). Strings and booleans get a categorical legend; numbers a
    colour bar (cividis, designed for colour-vision deficiency). Missing cells are light grey "No data".
    ``annotate=None`` writes a symbol (✓ ~ ✗) or the number into every cell when the grid is small enough to
    read (≤ 60 rows and ≤ 16 columns), so colour is never the only cue.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if row_label in df.columns:
        labels = df[row_label].astype(str).tolist()
        grid = df.drop(columns=[row_label])
    else:
        labels = [str(v) for v in df.index]
        grid = df
    if grid.empty or len(grid.columns) == 0:
        return no_data_figure(title)

    cells = grid.to_numpy(dtype=object)
    present = [v for v in cells.ravel() if _level_of(v) != "missing"]
    numeric_mode = bool(present) and all(_is_number(v) for v in present)
    n_rows, n_cols = cells.shape
    if annotate is None:
        annotate = n_rows <= 60 and n_cols <= 16

    row_text = _short_unique(labels, 44)
    col_text = _short_unique([str(c) for c in grid.columns], 28)
    longest_row = max(len(s) for s in row_text)
    longest_col = max(len(s) for s in col_text)
    cell_h = 0.3 if n_rows <= 60 else 0.2
    cell_w = 0.7 if annotate or numeric_mode else 0.5
    rotate = longest_col * 0.075 > cell_w * 0.95
    width = 0.5 + 0.072 * longest_row + n_cols * cell_w + 2.1
    height = 1.3 + (0.065 * longest_col if rotate else 0.3) + n_rows * cell_h
    width = max(width, 6.5)
    fig = _new_figure(width, max(height, 3.0))
    ax = fig.add_subplot()
    label_size = 9 if n_rows <= 60 else 7

    if numeric_mode:
        matrix = np.array([[float(v) if _is_number(v) else np.nan for v in row] for row in cells], dtype=float)
        vmin, vmax = min(0.0, float(np.nanmin(matrix))), max(1.0, float(np.nanmax(matrix)))
        cmap = colormaps["cividis"].with_extremes(bad=_LEVELS[-1][2])
        norm = Normalize(vmin=vmin, vmax=vmax)
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        colorbar = fig.colorbar(image, ax=ax, shrink=min(1.0, 6 / max(n_rows * cell_h, 1)), aspect=25, pad=0.02)
        colorbar.set_label("Compatibility score (0 = none, 1 = full)", fontsize=9)
        colorbar.ax.tick_params(labelsize=8)
        colorbar.outline.set_visible(False)
        if annotate:
            for r in range(n_rows):
                for c in range(n_cols):
                    value = matrix[r, c]
                    text = "–" if np.isnan(value) else f"{value:.2f}"
                    colour = _MUTED if np.isnan(value) else _ink_for(cmap(norm(value)))
                    ax.text(c, r, text, ha="center", va="center", fontsize=8, color=colour)
    else:
        keys = [key for key, *_ in _LEVELS]
        levels = np.array([[keys.index(_level_of(v)) for v in row] for row in cells], dtype=float)
        cmap = ListedColormap([colour for _, _, colour, _ in _LEVELS])
        norm = BoundaryNorm(np.arange(len(_LEVELS) + 1) - 0.5, len(_LEVELS))
        ax.imshow(levels, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        used = sorted(set(levels.ravel().astype(int)))
        handles = [
            Patch(
                facecolor=_LEVELS[i][2],
                edgecolor="#8c959f",
                linewidth=0.5,
                label=f"{_LEVELS[i][3]}  {_LEVELS[i][1]}" if annotate else _LEVELS[i][1],
            )
            for i in used
        ]
        _side_legend(ax, "Compatibility", x_anchor=1.02, handles=handles)
        if annotate:
            for r in range(n_rows):
                for c in range(n_cols):
                    key, _, colour, symbol = _LEVELS[int(levels[r, c])]
                    ink = _MUTED if key == "missing" else _ink_for(to_rgb(colour))
                    ax.text(c, r, symbol, ha="center", va="center", fontsize=10, color=ink, fontweight="bold")

    # White separators between cells make rows easy to follow across a wide grid.
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0, labelsize=label_size, colors=_TEXT_COLOUR)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_yticks(np.arange(n_rows), labels=row_text)
    # Hardware names on top: with 40+ models the reader should not scroll to the bottom to find the columns.
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(
        np.arange(n_cols),
        labels=col_text,
        rotation=40 if rotate else 0,
        ha="left" if rotate else "center",
        rotation_mode="anchor" if rotate else "default",
    )
    ax.set_xlabel("Hardware type", fontsize=10, color=_TEXT_COLOUR, labelpad=8)
    ax.set_ylabel(_pretty(row_label) if row_label in df.columns else "", fontsize=10, color=_TEXT_COLOUR)
    _set_title(fig, ax, title, width)
    return fig


def _ink_for(rgb: Sequence[float]) -> str:
    """Black or white text, whichever contrasts more with the cell colour (WCAG relative luminance)."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(v)) for v in rgb[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.179 else "#ffffff"


# --------------------------------------------------------------------------------------------------------------
# PNG entry points: each draws its figure (testable: series, labels, values) and encodes it
# --------------------------------------------------------------------------------------------------------------


def hardware_comparison_chart(df: pd.DataFrame, **options: Any) -> bytes:
    """PNG of :func:`hardware_comparison_figure` (same arguments)."""
    return _to_png(hardware_comparison_figure(df, **options))


def throughput_trend_chart(df: pd.DataFrame, **options: Any) -> bytes:
    """PNG of :func:`throughput_trend_figure` (same arguments)."""
    return _to_png(throughput_trend_figure(df, **options))


def compatibility_heatmap(df: pd.DataFrame, **options: Any) -> bytes:
    """PNG of :func:`compatibility_heatmap_figure` (same arguments)."""
    return _to_png(compatibility_heatmap_figure(df, **options))
