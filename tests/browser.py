"""Headless Chromium for the browser tests and the chart benchmark: Debian's ``chromium`` + ``chromium-driver``.

Only the system browser is used (never a downloaded one): Selenium gets explicit paths, so Selenium Manager has
nothing to fetch. Each driver gets a fresh profile directory and the flags that keep Chromium off the network.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


class BrowserMissingError(RuntimeError):
    """Chromium or chromedriver is not installed (scripts/test.sh installs them)."""


def chromium_driver(width: int = 1400, height: int = 900):
    """A Selenium Chrome driver on the system Chromium with a viewport of ``width`` x ``height`` CSS pixels.

    The caller quits it; the profile directory is removed when the driver quits.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            raise BrowserMissingError(
                f"{path} is missing: run scripts/test.sh or apt-get install chromium chromium-driver"
            )
    profile = tempfile.mkdtemp(prefix="accel-orm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    # --window-size sets the outer window; make the viewport itself width x height.
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1]) if inner != [width, height] else None
    original_quit = driver.quit

    def quit_and_clean() -> None:
        try:
            original_quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver
