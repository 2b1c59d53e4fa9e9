"""The demo's report.html in a real browser: headless Chromium (Debian's) at 1400 x 900, driven by Selenium.

These tests never skip: without /usr/bin/chromium and /usr/bin/chromedriver they fail and say how to install
them (``scripts/test.sh`` does it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from accel_orm.demo_data import injected_changes
from accel_orm.reports import Report, render_html
from accel_orm.reports.document import MAX_TABLE_ROWS, ChangeSummary, SeriesChart
from tests.browser import BrowserMissingError, chromium_driver

WIDTH, HEIGHT = 1400, 900
MAX_PAGE_HEIGHT = 12_000


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``accel-orm demo`` on a fresh database, as a new user runs it; its report.html."""
    folder = tmp_path_factory.mktemp("demo")
    command = [str(Path(sys.executable).parent / "accel-orm"), "--db", str(folder / "demo.duckdb"), "demo"]
    done = subprocess.run(
        [*command, "--output", str(folder / "report.html")], capture_output=True, text=True, timeout=300, cwd=folder
    )
    assert done.returncode == 0, done.stderr
    return folder / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        driver = chromium_driver(WIDTH, HEIGHT)
    except BrowserMissingError as error:
        pytest.fail(str(error))
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, demo_page: Path):
    browser.get(demo_page.as_uri())
    browser.get_log("browser")  # what is logged from here on belongs to this test
    browser.execute_async_script(
        "const done = arguments[0]; (function wait() { window.accelOrmCharts ? done() : setTimeout(wait, 20); })();"
    )
    return browser


def _visible_without_scrolling(driver, element) -> bool:
    box = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, r.width, window.scrollY];", element
    )
    top, bottom, width, scroll = box
    return scroll == 0 and top >= 0 and bottom <= HEIGHT and width > 0


def test_viewport_is_the_size_asked_for(browser) -> None:
    assert browser.execute_script("return [window.innerWidth, window.innerHeight]") == [WIDTH, HEIGHT]


def test_first_screen_names_every_planted_regression(page) -> None:
    count = page.find_element(By.ID, "regression-count")
    improvements = page.find_element(By.ID, "improvement-count")
    basis = page.find_element(By.CSS_SELECTOR, ".what-changed .basis")
    for element in (count, improvements, basis):
        assert _visible_without_scrolling(page, element), element.text
    assert re.match(r"Since \d{4}-\d\d-\d\d \d\d:\d\d", basis.text)

    rows = page.find_elements(By.CSS_SELECTOR, "#changes-table tbody tr.regression")
    headers = [th.text for th in page.find_elements(By.CSS_SELECTOR, "#changes-table thead th")]
    for wanted in ("Model", "Hardware", "Device", "Batch", "Metric", "Δ %"):
        assert wanted in headers
    assert int(count.find_element(By.CLASS_NAME, "n").text) == len(rows) > 0
    cells = [dict(zip(headers, (td.text for td in row.find_elements(By.TAG_NAME, "td")), strict=True)) for row in rows]
    planted = {key for key, factor in injected_changes().items() if factor < 1}
    shown = {(c["Model"], c["Hardware"], c["Device"]) for c in cells}
    assert planted <= shown
    assert not any(c["Model"] == "vit-base-patch16-224" for c in cells)  # the planted improvement
    for row, cell in zip(rows, cells, strict=True):
        assert _visible_without_scrolling(page, row), cell
        assert re.fullmatch(r"[+−]\d+\.\d %", cell["Δ %"]), cell
        assert cell["Batch"].isdigit()
        delta = row.find_element(By.CSS_SELECTOR, "td.delta")
        red, green, _ = (int(v) for v in re.findall(r"\d+", delta.value_of_css_property("color"))[:3])
        assert red > 150 and green < 80, "a regression's change is drawn in red"
    sizes = [abs(float(c["Δ %"].replace("−", "-").rstrip(" %"))) for c in cells]
    assert sizes == sorted(sizes, reverse=True)  # worst first


def test_page_height_stays_under_the_limit(page) -> None:
    assert page.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    assert page.execute_script("return document.documentElement.scrollHeight") < MAX_PAGE_HEIGHT


def test_no_console_errors(browser, demo_page: Path) -> None:
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get(demo_page.as_uri())
    browser.execute_async_script("const done = arguments[0]; setTimeout(done, 300);")
    assert [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")] == []


def test_every_changed_series_has_a_drawn_chart(page) -> None:
    cards = page.find_elements(By.CSS_SELECTOR, ".series-card")
    changes = page.find_elements(By.CSS_SELECTOR, "#changes-table tbody tr")
    assert len(cards) >= len(changes) > 0
    for card in cards:
        title = card.find_element(By.CLASS_NAME, "series-title").text
        assert re.search(r"· batch \d+", title) and "(" in title, title  # device and batch size in the title
        canvas = card.find_element(By.CSS_SELECTOR, ".chart canvas")
        assert canvas.size["width"] > 100 and canvas.size["height"] > 100, title
    assert page.execute_script("return window.accelOrmCharts.length") == len(cards)


def _point_offset(driver, chart: int, index: int) -> tuple[int, int, float, object]:
    """Where point ``index`` of chart ``chart`` is, relative to the centre of its plot area (Selenium's origin)."""
    x, y, width, height, value = driver.execute_script(
        "const u = window.accelOrmCharts[arguments[0]], i = arguments[1];"
        "return [u.valToPos(u.data[0][i], 'x'), u.valToPos(u.data[1][i], 'y'), u.over.clientWidth,"
        " u.over.clientHeight, u.data[1][i]];",
        chart,
        index,
    )
    return round(x - width / 2), round(y - height / 2), value, None


def test_hovering_a_point_shows_value_time_run_and_device(page) -> None:
    over = page.find_elements(By.CSS_SELECTOR, ".series-card .u-over")[0]
    dx, dy, value, _ = _point_offset(page, 0, 10)
    ActionChains(page).move_to_element_with_offset(over, dx, dy).perform()
    tip = page.find_element(By.CSS_SELECTOR, ".series-card .chart-tip")
    assert tip.is_displayed()
    lines = tip.text.splitlines()
    number = float(lines[0].split()[0].replace(",", ""))
    assert number == pytest.approx(value, rel=1e-3)
    assert lines[0].endswith(("ms", "items/s"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", lines[1])
    assert lines[2].startswith("run: ") and lines[3] == "device: chrome"  # the worst regression is whisper/chrome
    ActionChains(page).move_to_element(page.find_element(By.TAG_NAME, "h1")).perform()  # leaving hides it
    assert not tip.is_displayed()


def test_dragging_zooms_the_time_axis_and_double_click_resets_it(page) -> None:
    over = page.find_elements(By.CSS_SELECTOR, ".series-card .u-over")[0]
    scale = "const x = window.accelOrmCharts[0].scales.x; return [x.min, x.max];"
    full = page.execute_script(scale)
    width = over.size["width"]
    ActionChains(page).move_to_element_with_offset(over, -width // 4, 0).click_and_hold().move_by_offset(
        width // 4, 0
    ).release().perform()
    zoomed = page.execute_script(scale)
    assert full[0] < zoomed[0] < zoomed[1] < full[1]
    assert zoomed[1] - zoomed[0] < (full[1] - full[0]) / 2
    ActionChains(page).double_click(over).perform()
    assert page.execute_script(scale) == pytest.approx(full)


def test_everything_else_is_folded_and_capped(page) -> None:
    details = page.find_elements(By.CSS_SELECTOR, "details")
    assert details and not any(d.get_attribute("open") for d in details)
    headings = [d.find_element(By.TAG_NAME, "summary").text for d in details]
    assert any(h.startswith("Compatibility matrix") for h in headings)
    assert any(h.startswith("Performance by configuration") for h in headings)
    rows = page.execute_script("return [...document.querySelectorAll('tbody')].map(b => b.rows.length)")
    assert max(rows) <= MAX_TABLE_ROWS
    # the compatibility heatmap is there once opened
    page.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    heatmap = page.find_element(By.CSS_SELECTOR, "details img[alt^='Compatibility matrix']")
    assert heatmap.size["width"] > 300


def test_hostile_names_are_shown_never_run(browser, tmp_path: Path) -> None:
    hostile = "</script><img src=x onerror=\"document.title='pwned'\">"
    now = datetime(2026, 11, 30, tzinfo=UTC).replace(tzinfo=None)
    points = pd.DataFrame(
        {
            "timestamp": [now - timedelta(days=d) for d in range(10, 0, -1)],
            "value": [10.0] * 5 + [7.0] * 5,
            "device_name": [hostile] * 10,
            "run": [hostile] * 10,
        }
    )
    changes = pd.DataFrame(
        {"model_name": [hostile], "hardware_type": ["cpu"], "device_name": [hostile], "batch_size": [1],
         "sequence_length": [None], "metric": ["throughput"], "before": [10.0], "after": [7.0],
         "percent_change": [-30.0], "direction": ["regression"], "method": ["zscore"], "z_score": [9.0],
         "change_timestamp": [now - timedelta(days=5)], "run": [hostile]}
    )  # fmt: skip
    chart = SeriesChart(hostile, "Throughput", "items/s", points, "regression", -30.0, [(now, hostile)], now)
    report = Report(
        title=hostile, summary=ChangeSummary(changes, now, hostile), series=[chart], subtitle=hostile, sections=[]
    )
    path = tmp_path / "hostile.html"
    path.write_text(render_html(report), encoding="utf-8")
    browser.get(path.as_uri())
    browser.get_log("browser")
    over = browser.find_element(By.CSS_SELECTOR, ".u-over")
    ActionChains(browser).move_to_element(over).perform()
    assert browser.title == hostile  # shown as text, the handler never ran
    assert browser.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    assert hostile in browser.find_element(By.CSS_SELECTOR, ".series-title").text
    assert f"device: {hostile}" in browser.find_element(By.CSS_SELECTOR, ".chart-tip").text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
