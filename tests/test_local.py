"""`make run` (mrp local): the whole loop comes up on one machine and shows results."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_mrp_local_runs_the_whole_loop(tmp_path: Path) -> None:
    port, imap_port, smtp_port = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "MRP_DATABASE_URL": f"sqlite:///{tmp_path / 'mrp.sqlite'}"}
    log = (tmp_path / "out.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "local", "--port", str(port),
         "--imap-port", str(imap_port), "--smtp-port", str(smtp_port), "--interval", "1"],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        output = ""
        while time.monotonic() < deadline and "fetched 4" not in output:
            time.sleep(0.5)
            log.seek(0)
            output = log.read()
            assert proc.poll() is None, output
        assert "fetched 4" in output, output
        token = next(line.split(": ")[1].strip() for line in output.splitlines()
                     if line.strip().startswith("admin token:"))
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/intake/messages",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            states = sorted(m["state"] for m in json.load(response))
        # the four sample mails, and the quarantined mail the demo data holds of its own
        assert states == ["accepted", "ignored", "quarantined", "quarantined", "rejected"]
        assert "receipt to opfoelgning@ufst.dk" in output
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    assert proc.returncode == 0
