"""The dashboard served for a real browser: the app over a migrated SQLite file with
demo-like data, a werkzeug server on a free loopback port, and headless Chromium driven by
Selenium. Used by the browser tests and by ``docs/screenshot.py``."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from service import create_app
from service.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
#: the period the demo reports cover and the pages are looked at for
PERIOD = "2026-H2"

# -- data ------------------------------------------------------------------------------------


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _report(client: Any, headers: dict[str, str], plan_id: int, period: str,
            goals: list[dict[str, Any]]) -> dict[str, Any]:
    return _ok(client.post(f"/api/v1/plans/{plan_id}/followups", headers=headers,
                           json={"period": period, "goals": goals}), 201)


def _g(goal: str, status: str, comment: str | None = None, **more: Any) -> dict[str, Any]:
    return {"goal": goal, "status": status, "comment": comment, **more}


def populate(app: Flask) -> dict[str, str]:
    """Ministries SKM (UFST, MST, GST) and FM (DST) with approved plans, follow-ups for
    2026-H1 and 2026-H2 (one rejected, one superseded), and a quarantined mail. Returns
    token secrets by name: admin, skm, fm, dst."""
    from service.domain.demo import load_demo
    from service.domain.models import InboundMessage, Institution
    from service.domain.tokens import create_token
    from tests.support.factories import build_dst_plan

    secrets: dict[str, str] = {}
    with app.app_context():
        # the plans of a fixed day, without the demo's own reports: the reports are these
        load_demo(date(2026, 12, 1), activity=False)
        _row, secrets["admin"] = create_token(role="admin", name="demo-admin")
        client = app.test_client()
        admin = {"Authorization": f"Bearer {secrets['admin']}"}
        dst = build_dst_plan(client, admin)
        for name, role, scope in (
            ("skm", "department", {"ministry": "SKM"}),
            ("fm", "department", {"ministry": "FM"}),
            ("dst", "institution", {"institution": "DST"}),
        ):
            _row, secrets[name] = create_token(role=role, name=f"demo-{name}", **scope)
        plans = {p["reference"]: p["id"] for p in _ok(
            client.get("/api/v1/plans?page_size=50", headers=admin))}

        ufst, mst, dst_id = plans["UFST-2026"], plans["MST-2026"], dst["id"]
        _report(client, admin, ufst, "2026-H1", [
            _g("M1", "on_track", value=36, progress=45),
            _g("M2", "at_risk", "Pilotdriften er forsinket to måneder.", progress=30),
            _g("M3", "on_track", "Analyserne leveres som aftalt."),
            _g("M4", "on_track", value=8.1, progress=25)])
        _report(client, admin, ufst, "2026-H2", [
            _g("M1", "at_risk", "Flere klagesager end ventet.", value=38, progress=40),
            _g("M2", "off_track", "Leverandøren har ikke leveret; ny plan på vej.",
               progress=35),
            _g("M3", "on_track", "To analyser leveret til tiden."),
            _g("M4", "achieved", "Målet er nået før tid.", value=6.9, progress=100)])
        _report(client, admin, mst, "2026-H1", [
            _g("M1", "on_track", value=91, progress=40),
            _g("M2", "on_track", progress=60)])
        _report(client, admin, mst, "2026-H2", [
            _g("M1", "partially_achieved", "Nåede 93 % mod målet 95 %.", value=93,
               progress=80),
            _g("M2", "achieved", "Lanceret for alle forhandlere.", progress=100)])
        _report(client, admin, dst_id, "2026-H1", [
            _g("M1", "on_track", value=35, progress=50),
            _g("M2", "at_risk", "Forsinket levering fra leverandør.", value=93.5),
            _g("M3", "on_track", "Udviklingen følger planen.")])
        rejected = _report(client, admin, dst_id, "2026-H2", [
            _g("M1", "grøn", value="mange"), _g("M9", "on_track")])
        assert rejected["status"] == "rejected"
        _report(client, admin, dst_id, "2026-H2", [
            _g("M1", "off_track", "Sygdom i kontoret.", value=44, progress=20),
            _g("M2", "on_track", value=94.2, progress=70),
            _g("M3", "at_risk", "Lanceringen kan glide.")])

        raw = (CORPUS / "json-report.eml").read_bytes()
        institution = db.session.scalar(
            db.select(Institution).where(Institution.code == "UFST"))
        db.session.add(InboundMessage(
            mailbox="INBOX", uidvalidity=1, uid=1, sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw), raw=raw, message_id="<json-report@dst.dk>",
            sender="opfoelgning@ufst.dk", subject="Opfølgning uden planreference",
            state="quarantined", reason="unknown_plan",
            detail="Planen UFST-2025 findes ikke.", institution_id=institution.id,
            ministry_id=institution.ministry_id,
        ))
        db.session.commit()
    return secrets


def build_app(workdir: Path, template: Path | None = None, **config: Any) -> Flask:
    """An app over a fresh SQLite file in ``workdir``: a copy of a migrated ``template``,
    or migrated here."""
    path = workdir / "mrp.sqlite"
    if template is not None:
        shutil.copy(template, path)
    app = create_app({
        "TESTING": False, "SECRET_KEY": "browser-test-secret",
        "DATABASE_URL": f"sqlite:///{path}", **config,
    })
    app.instance_path = str(workdir / "instance")
    if template is None:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
    return app


def close_app(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():  # the token check's pool too (PostgreSQL)
            engine.dispose()
    app.extensions["mrp.plugins"].close()


# -- server ----------------------------------------------------------------------------------


class LiveServer:
    """``app`` on a free loopback port in a thread; every request's method, path and status
    is kept in ``requests``."""

    def __init__(self, app: Flask) -> None:
        self.requests: list[tuple[str, str, int]] = []
        self._app = app
        self._server = make_server("127.0.0.1", 0, self._record, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, environ: dict[str, Any], start_response: Callable[..., Any]
                ) -> Iterable[bytes]:
        def recording(status: str, headers: Any, *args: Any) -> Any:
            self.requests.append(
                (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), int(status[:3])))
            return start_response(status, headers, *args)

        return self._app(environ, recording)

    def failed(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[2] >= 400]

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


# -- browser ---------------------------------------------------------------------------------


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) and os.access(path, os.X_OK)):
            return "chromium not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed"
    return None


@contextmanager
def chrome(user_data_dir: Path, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """Headless Chromium with its console and network logs on; always quit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument("--lang=da-DK")
    # Debian's default search engine opens its own new-tab page on the internet at start-up;
    # a search provider whose new tab is blank keeps the browser off the network
    options.add_experimental_option("prefs", {"default_search_provider_data": {
        "template_url_data": {"keyword": "none", "short_name": "none",
                              "url": "http://127.0.0.1/?q={searchTerms}",
                              "new_tab_url": "about:blank"}}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=os.devnull)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def set_viewport(driver: Any, width: int, height: int, *, mobile: bool) -> None:
    """Emulate a device's viewport exactly (a window size includes no browser chrome, but
    the emulation also sets the device width media queries see)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1 if not mobile else 2,
        "mobile": mobile,
    })


__all__ = [
    "CHROMEDRIVER", "CHROMIUM", "PERIOD", "LiveServer", "build_app", "chrome",
    "chromium_missing", "close_app", "populate", "set_viewport",
]
