"""Benchmark: which chart library draws the report's small multiples (one interactive chart per changed series).

Each candidate renders the same synthetic panels (``--panels`` series of ``--points`` points, the demo has 8-12
series of ~80 points) into one self-contained HTML page under the report's Content-Security-Policy: every
external load blocked, inline scripts allowed only by their SHA-256 hash, no ``'unsafe-eval'``. The page is
opened in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by Selenium) ``--repeat`` times
and the script prints, per candidate: file size, median time from navigation start until every panel holds a
drawn chart of non-zero size, whether it drew under the strict policy, and the console errors.

    .venv/bin/pip install -e '.[dev,bench]'
    .venv/bin/python benchmarks/report_charts.py                 # demo-sized
    .venv/bin/python benchmarks/report_charts.py --panels 40 --points 400

Candidates: Vega-Lite (vl-convert-python's bundle of vega + vega-lite + vega-embed, what Altair inlines),
Vega-Lite again with ``'unsafe-eval'`` added (to show what it needs), Plotly (``include_plotlyjs=True``), Bokeh
(``INLINE`` resources), uPlot (the vendored 51 KB build the report ships) and a hand-written SVG drawer.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import random
import re
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

Panel = dict[str, object]

_BASE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def synthetic_panels(count: int, points: int, seed: int = 7) -> list[Panel]:
    rng = random.Random(seed)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    panels = []
    for index in range(count):
        base = rng.uniform(50, 5000)
        times = [end - timedelta(hours=12 * (points - i)) for i in range(points)]
        change_at = points - points // 6
        values = [base * (0.75 if i >= change_at else 1.0) * rng.gauss(1, 0.03) for i in range(points)]
        panels.append(
            {
                "title": f"model-{index} · cuda (A100) · batch 8 · Throughput (items/s)",
                "t": [int(t.timestamp() * 1000) for t in times],
                "y": values,
                "change_ms": int(times[change_at].timestamp() * 1000),
            }
        )
    return panels


def csp_page(title: str, body: str, *, extra: str = "") -> str:
    """A page whose policy allows exactly the inline scripts it contains (by hash)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in _SCRIPT.findall(body)
    )
    policy = f"{_BASE_CSP}; script-src {hashes}{extra}"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">'
        f"<title>{title}</title></head><body>{body}</body></html>"
    )


def _grid(panels: list[Panel]) -> str:
    return "".join(f'<div class="panel" id="p{i}"></div>' for i in range(len(panels)))


def vega_page(panels: list[Panel], *, unsafe_eval: bool = False) -> str:
    import vl_convert

    specs = [
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": p["title"],
            "width": 380,
            "height": 160,
            "data": {"values": [{"t": t, "y": y} for t, y in zip(p["t"], p["y"], strict=True)]},
            "layer": [
                {
                    "mark": {"type": "line", "point": True},
                    "params": [{"name": "zoom", "select": "interval", "bind": "scales", "encodings": ["x"]}],
                    "encoding": {
                        "x": {"field": "t", "type": "temporal"},
                        "y": {"field": "y", "type": "quantitative"},
                        "tooltip": [{"field": "t", "type": "temporal"}, {"field": "y"}],
                    },
                },
                {"mark": "rule", "data": {"values": [{"c": p["change_ms"]}]}, "encoding": {"x": {"field": "c"}}},
            ],
        }
        for p in panels
    ]
    data = json.dumps(specs).replace("</", "<\\/")
    glue = (
        "const specs = JSON.parse(document.getElementById('specs').textContent);"
        "specs.forEach((s, i) => vegaEmbed('#p' + i, s, {actions: false, renderer: 'svg'}));"
    )
    body = (
        f'{_grid(panels)}<script type="application/json" id="specs">{data}</script>'
        f"<script>{vl_convert.javascript_bundle()}</script><script>{glue}</script>"
    )
    return csp_page("vega", body, extra=" 'unsafe-eval'" if unsafe_eval else "")


def plotly_page(panels: list[Panel]) -> str:
    import plotly.graph_objects as go
    import plotly.io as pio

    parts = []
    for index, p in enumerate(panels):
        figure = go.Figure(
            go.Scatter(x=[datetime.fromtimestamp(t / 1000, UTC) for t in p["t"]], y=p["y"], mode="lines+markers")
        )
        figure.add_vline(x=datetime.fromtimestamp(p["change_ms"] / 1000, UTC))
        figure.update_layout(title=p["title"], width=420, height=220, margin={"l": 40, "r": 10, "t": 40, "b": 30})
        parts.append(f'<div class="panel">{pio.to_html(figure, include_plotlyjs=index == 0, full_html=False)}</div>')
    return csp_page("plotly", "".join(parts))


def bokeh_page(panels: list[Panel]) -> str:
    from bokeh.embed import components
    from bokeh.models import HoverTool, Span
    from bokeh.plotting import figure
    from bokeh.resources import INLINE

    figures = []
    for p in panels:
        fig = figure(title=p["title"], x_axis_type="datetime", width=420, height=220, tools="xwheel_zoom,xpan,reset")
        fig.line(p["t"], p["y"])
        fig.scatter(p["t"], p["y"], size=4)
        fig.add_tools(HoverTool(tooltips=[("value", "@y"), ("time", "@x{%F %H:%M}")], formatters={"@x": "datetime"}))
        fig.add_layout(Span(location=p["change_ms"], dimension="height"))
        figures.append(fig)
    script, divs = components(figures)
    body = INLINE.render_js() + "".join(f'<div class="panel">{d}</div>' for d in divs) + script
    return csp_page("bokeh", body)


def uplot_page(panels: list[Panel]) -> str:
    from accel_orm.reports.render import interactive

    return csp_page("uplot", interactive.benchmark_body(panels))


_SVG_GLUE = """
const panels = JSON.parse(document.getElementById('data').textContent);
const NS = 'http://www.w3.org/2000/svg';
panels.forEach((p, i) => {
  const W = 420, H = 200, L = 50, B = 24, T = 10;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', W); svg.setAttribute('height', H);
  const t0 = Math.min(...p.t), t1 = Math.max(...p.t), y0 = Math.min(...p.y), y1 = Math.max(...p.y);
  const x = t => L + (t - t0) / (t1 - t0) * (W - L - 10), y = v => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', p.t.map((t, k) => x(t) + ',' + y(p.y[k])).join(' '));
  line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#0072b2'); svg.appendChild(line);
  p.t.forEach((t, k) => { const c = document.createElementNS(NS, 'circle'); c.setAttribute('cx', x(t));
    c.setAttribute('cy', y(p.y[k])); c.setAttribute('r', 2.5); c.setAttribute('fill', '#0072b2');
    svg.appendChild(c); });
  document.getElementById('p' + i).appendChild(svg);
});
"""


def svg_page(panels: list[Panel]) -> str:
    data = json.dumps(panels).replace("</", "<\\/")
    body = f'{_grid(panels)}<script type="application/json" id="data">{data}</script><script>{_SVG_GLUE}</script>'
    return csp_page("svg", body)


# Resolves with performance.now() once every .panel holds an svg/canvas of non-zero size (shadow roots too).
_WAIT_DRAWN = """
const done = arguments[arguments.length - 1], started = performance.now();
function drawn(root) {
  for (const el of root.querySelectorAll('svg, canvas')) {
    const r = el.getBoundingClientRect(); if (r.width > 50 && r.height > 50) return true; }
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot && drawn(el.shadowRoot)) return true;
  return false;
}
(function poll() {
  const panels = [...document.querySelectorAll('.panel')];
  if (panels.length && panels.every(drawn)) return done(performance.now());
  if (performance.now() - started > 20000) return done(-1);
  requestAnimationFrame(poll);
})();
"""


@dataclass
class Measured:
    name: str
    size_bytes: int
    render_ms: float | None
    errors: list[str]


def start_browser():
    from tests.browser import chromium_driver

    return chromium_driver()


def measure(driver, name: str, page: str, repeat: int, workdir: Path) -> Measured:
    path = workdir / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    times: list[float] = []
    errors: list[str] = []
    for _ in range(repeat):
        driver.get("about:blank")
        driver.get_log("browser")
        driver.get(path.as_uri())
        elapsed = driver.execute_async_script(_WAIT_DRAWN)
        errors.extend(e["message"][:160] for e in driver.get_log("browser") if e["level"] == "SEVERE")
        if elapsed < 0:
            break
        times.append(elapsed)
    drew = len(times) == repeat
    return Measured(name, path.stat().st_size, statistics.median(times) if drew else None, sorted(set(errors)))


CANDIDATES: dict[str, Callable[[list[Panel]], str]] = {
    "vega-lite (vl-convert bundle)": vega_page,
    "vega-lite + 'unsafe-eval'": lambda panels: vega_page(panels, unsafe_eval=True),
    "plotly (include_plotlyjs)": plotly_page,
    "bokeh (INLINE)": bokeh_page,
    "uplot (vendored) + glue": uplot_page,
    "hand-written SVG (no tooltip/zoom)": svg_page,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panels", type=int, default=12)
    parser.add_argument("--points", type=int, default=84)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    panels = synthetic_panels(args.panels, args.points)
    print(f"{args.panels} panels x {args.points} points, median of {args.repeat} loads, strict CSP (hashes only)\n")
    print("| candidate | file size | render (median) | draws under strict CSP | console errors |")
    print("|---|---:|---:|---|---|")
    driver = start_browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, build in CANDIDATES.items():
                try:
                    page = build(panels)
                except ImportError as exc:
                    print(f"| {name} | — | — | not installed ({exc.name}) | |")
                    continue
                result = measure(driver, name.split()[0] + str(abs(hash(name)) % 1000), page, args.repeat, Path(tmp))
                size = f"{result.size_bytes / 1024:,.0f} KiB"
                render = f"{result.render_ms:,.0f} ms" if result.render_ms is not None else "—"
                drew = "yes" if result.render_ms is not None else "**no**"
                errors = "; ".join(result.errors)[:200].replace("|", "/") or "none"
                print(f"| {name} | {size} | {render} | {drew} | {errors} |")
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
