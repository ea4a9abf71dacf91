"""Load a built report site in headless Chromium (Debian ``chromium`` + ``chromium-driver``, driven by
selenium) and check what a reader would notice: console errors, missing agents, broken images."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _driver(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    if CHROMIUM is None:
        raise RuntimeError("no chromium binary on PATH")
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--allow-file-access-from-files",
        "--window-size=1280,2000",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def _broken_images(driver) -> list[str]:
    pairs = driver.execute_script(
        "return Array.from(document.images).map(i => [i.src, i.complete && i.naturalWidth > 0])"
    )
    assert pairs, "the page shows no images"
    return [src for src, ok in pairs if not ok]


def _console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def check_site_in_chromium(
    site: Path, agents: Iterable[str], workdir: Path, *, run_page_glob: str = "*.html"
) -> Path:
    """Open ``site/index.html`` and one run page; assert no console errors, every agent listed on
    the leaderboard and every image loaded. Returns the screenshot of the index page."""
    driver = _driver(workdir / "chrome-profile")
    shot = workdir / "index.png"
    try:
        driver.get((site / "index.html").as_uri())
        text = driver.find_element("tag name", "body").text
        missing = [a for a in agents if a not in text]
        assert not missing, f"agents missing from the leaderboard: {missing}"
        assert not (broken := _broken_images(driver)), f"images that did not load: {broken}"
        assert not (errors := _console_errors(driver)), errors
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000, "the screenshot is blank"
        driver.get(next((site / "runs").glob(run_page_glob)).as_uri())
        assert not (broken := _broken_images(driver)), (
            f"run page images that did not load: {broken}"
        )
        assert not (errors := _console_errors(driver)), errors
    finally:
        driver.quit()
    return shot
