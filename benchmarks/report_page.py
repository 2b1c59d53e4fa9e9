"""Benchmark: a generated report page in headless Chromium at 1400 x 900: file size, page height, render time.

Render time is the median over ``--repeat`` loads of the time from navigation start until the load event has
fired and every interactive chart (``.chart``) holds a drawn canvas; pages without charts count until the load
event. Page height is ``document.documentElement.scrollHeight`` as the page opens (``<details>`` closed, long
tables scrolling inside their 75vh boxes); "unrolled" is the height with every ``<details>`` open and every table
box at full length, which is what reading everything costs (and what a printout is).

    .venv/bin/accel-orm --db /tmp/demo.duckdb demo --output /tmp/report.html
    .venv/bin/python benchmarks/report_page.py /tmp/report.html [/tmp/other.html ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.browser import chromium_driver  # noqa: E402

_WAIT_RENDERED = """
const done = arguments[arguments.length - 1], started = performance.now();
function drawn(el) {
  const c = el.querySelector('canvas'); if (!c) return false;
  const r = c.getBoundingClientRect(); return r.width > 0 && r.height > 0;
}
(function poll() {
  const nav = performance.getEntriesByType('navigation')[0];
  const charts = [...document.querySelectorAll('.chart')];
  if (nav && nav.loadEventEnd > 0 && charts.every(drawn)) return done(Math.max(performance.now(), nav.loadEventEnd));
  if (performance.now() - started > 20000) return done(-1);
  requestAnimationFrame(poll);
})();
"""


_UNROLL = """
document.querySelectorAll('details').forEach(d => d.open = true);
document.querySelectorAll('.table-wrap').forEach(w => { w.style.maxHeight = 'none'; w.style.overflow = 'visible'; });
return document.documentElement.scrollHeight;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    driver = chromium_driver(1400, 900)
    print("| page | file size | page height at 1400 px | unrolled | render (median) | console errors |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        for page in args.pages:
            times = []
            for _ in range(args.repeat):
                driver.get("about:blank")
                driver.get(page.resolve().as_uri())
                times.append(driver.execute_async_script(_WAIT_RENDERED))
            height = driver.execute_script("return document.documentElement.scrollHeight")
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            unrolled = driver.execute_script(_UNROLL)
            size = page.stat().st_size / 1024
            median = statistics.median(times)
            print(f"| {page} | {size:,.0f} KiB | {height:,} px | {unrolled:,} px | {median:,.0f} ms | {len(errors)} |")
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
