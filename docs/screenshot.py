"""Take the README's picture of the dashboard.

``python docs/screenshot.py [OUT.png]`` serves the app over a throw-away SQLite database with
demo-like data (the same server the browser tests use); ``python docs/screenshot.py OUT.png
--url http://127.0.0.1:5000 --token TOKEN`` photographs a running ``make run`` instead (the
README's pictures: its admin token is printed at start-up). Either way it signs in with
headless Chromium and saves the overview (of ``--period``, else the current one) at
``--width`` px (1366 by default; 400 for a phone), by default to ``docs/dashboard.png``.
Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package (the
``test`` extra).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.web.live import (  # noqa: E402
    PERIOD,
    LiveServer,
    build_app,
    chrome,
    chromium_missing,
    close_app,
    populate,
    set_viewport,
)

WIDTH, HEIGHT = 1366, 900


def _shoot(driver, url: str, token: str, period: str | None, out: Path,
           width: int = WIDTH) -> None:
    from selenium.webdriver.common.by import By

    mobile = width < 640
    set_viewport(driver, width, HEIGHT, mobile=mobile)
    driver.get(f"{url}/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form.stack button").click()
    driver.get(f"{url}/?period={period}" if period else f"{url}/")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    set_viewport(driver, width, min(int(height), 3200), mobile=mobile)
    out.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(out))


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Screenshot of the dashboard's overview.")
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "dashboard.png"))
    parser.add_argument("--url", help="a running mrp (make run) instead of a throw-away one")
    parser.add_argument("--token", help="a token for --url")
    parser.add_argument("--period", help=f"the overview's period (default: the current one, "
                                          f"or {PERIOD} without --url)")
    parser.add_argument("--width", type=int, default=WIDTH, help="the viewport's width in px")
    args = parser.parse_args(argv[1:])
    out = Path(args.out)
    missing = chromium_missing()
    if missing:
        print(f"cannot take the screenshot: {missing}", file=sys.stderr)
        return 1
    if args.url:
        with tempfile.TemporaryDirectory(prefix="mrp-shot-") as tmp, \
                chrome(Path(tmp) / "chrome", WIDTH, HEIGHT) as driver:
            _shoot(driver, args.url.rstrip("/"), args.token, args.period, out, args.width)
        print(out)
        return 0

    with tempfile.TemporaryDirectory(prefix="mrp-shot-") as tmp:
        workdir = Path(tmp)
        app = build_app(workdir)
        try:
            secrets = populate(app)
            with LiveServer(app) as server, chrome(workdir / "chrome", WIDTH, HEIGHT) as driver:
                _shoot(driver, server.url, secrets["admin"], args.period or PERIOD, out,
                       args.width)
        finally:
            close_app(app)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
