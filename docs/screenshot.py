"""Take the README's picture of the dashboard: ``python docs/screenshot.py [OUT.png]``.

Serves the app over a throw-away SQLite database with demo-like data (the same server the
browser tests use), signs in with headless Chromium at laptop size and saves the overview,
by default to ``docs/dashboard.png``. Needs Debian's ``chromium`` and ``chromium-driver``
and the ``selenium`` package (the ``test`` extra).
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


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "dashboard.png"
    missing = chromium_missing()
    if missing:
        print(f"cannot take the screenshot: {missing}", file=sys.stderr)
        return 1
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory(prefix="mrp-shot-") as tmp:
        workdir = Path(tmp)
        app = build_app(workdir)
        try:
            secrets = populate(app)
            with LiveServer(app) as server, chrome(workdir / "chrome", WIDTH, HEIGHT) as driver:
                set_viewport(driver, WIDTH, HEIGHT, mobile=False)
                driver.get(f"{server.url}/login")
                driver.find_element(By.ID, "token").send_keys(secrets["admin"])
                driver.find_element(By.CSS_SELECTOR, "form.stack button").click()
                driver.get(f"{server.url}/?period={PERIOD}")
                height = driver.execute_script("return document.documentElement.scrollHeight")
                set_viewport(driver, WIDTH, min(int(height), 2400), mobile=False)
                out.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(out))
        finally:
            close_app(app)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
