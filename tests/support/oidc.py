"""A real OpenID Connect provider on loopback for the sign-in tests: node-oidc-provider
(OpenID certified), installed by ``npm ci`` from the project's lock file and started from
``tests/oidc/provider.mjs`` with a configuration written here.

``OidcProvider.sign_in(url, login)`` walks the provider's own login and consent pages over
plain HTTP (the browser tests do the same in Chromium) and returns the redirect back to us.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support.mailservers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"

ACCOUNTS: dict[str, dict[str, Any]] = {
    "anne": {"email": "anne.jensen@skm.dk", "email_verified": True, "name": "Anne Jensen",
             "groups": ["grp-skm-kontor"]},
    "ole": {"email": "ole@ufst.dk", "email_verified": True, "name": "Ole Hansen",
            "groups": ["grp-ufst"]},
    "eve": {"email": "eve@example.org", "email_verified": True, "name": "Eve Ukendt",
            "groups": []},
    "mallory": {"email": "anne.jensen@skm.dk", "email_verified": False, "name": "Mallory"},
}


def node_ready() -> str | None:
    """Why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed (.ci/run installs it)"
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        return "npm packages are not installed (make install-test runs npm ci)"
    return None


def require_node() -> None:
    reason = node_ready()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs both: never a silent skip there
        pytest.skip(reason)


@dataclass
class OidcProvider:
    port: int
    clients: list[dict[str, Any]]
    ttl: dict[str, int] = field(default_factory=dict)
    clock_offset: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log: Any = None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mrp-oidc-")))

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OidcProvider:
        config = self.folder / "config.json"
        config.write_text(json.dumps({"port": self.port, "clients": self.clients,
                                      "accounts": ACCOUNTS, "ttl": self.ttl,
                                      "clockOffsetSeconds": self.clock_offset}))
        self._log = open(self.folder / "provider.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(["node", str(SCRIPT), str(config)], cwd=ROOT,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=20)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "provider.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def owns(self, url: str) -> bool:
        """Is ``url`` one of the provider's pages (under whichever loopback name)?"""
        return urlsplit(url).port == self.port

    def sign_in(self, authorize_url: str, login: str) -> str:
        """Follow the provider's login and consent forms as a browser would; return the
        Location the provider sends the browser back to (our callback, with its code)."""
        import re

        import requests

        http = requests.Session()
        url = authorize_url
        for _ in range(12):
            answer = http.get(url, allow_redirects=False, timeout=10)
            if answer.is_redirect:
                location = urljoin(url, answer.headers["Location"])
                if not self.owns(location):
                    return location
                url = location
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', answer.text)
            assert form, answer.text
            action = urljoin(url, form.group(1))
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                     answer.text))
            if 'name="login"' in answer.text:
                fields.update(login=login, password="any")
            posted = http.post(action, data=fields, allow_redirects=False, timeout=10)
            assert posted.is_redirect, posted.text
            url = urljoin(action, posted.headers["Location"])
            if not self.owns(url):
                return url
        raise AssertionError("the provider did not send the browser back")


def client_metadata(app_base: str, client_id: str = "mrp", secret: str = "mrp-secret"
                    ) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [f"{app_base}/auth/callback"],
        "post_logout_redirect_uris": [f"{app_base}/login"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


@pytest.fixture
def oidc_provider_factory() -> Iterator[Any]:
    """``start(clients, ttl=None, clock_offset=0)`` → a running :class:`OidcProvider`; all
    stopped after."""
    require_node()
    started: list[OidcProvider] = []

    def start(clients: list[dict[str, Any]], ttl: dict[str, int] | None = None,
              clock_offset: int = 0) -> OidcProvider:
        provider = OidcProvider(port=free_port(), clients=clients, ttl=ttl or {},
                                clock_offset=clock_offset).start()
        started.append(provider)
        time.sleep(0.1)
        return provider

    yield start
    for provider in started:
        provider.stop()
