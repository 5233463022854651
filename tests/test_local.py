"""`make run` (mrp local): the whole loop comes up on one machine and shows results; a
report sent to the printed SMTP submission port is ingested, the receipt is printed in
full, apart from the access log; the demo tokens stay the same after a restart."""

from __future__ import annotations

import email
import json
import os
import re
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from service.local import MAILBOX_ADDRESS
from service.local.mail import render


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalRun:
    """`mrp local` in a subprocess, its standard output and error kept apart."""

    def __init__(self, instance: Path, port: int, imap_port: int, smtp_port: int) -> None:
        self.instance = instance
        self.port = port
        env = {k: v for k, v in os.environ.items()
               if k not in {"MRP_DATABASE_URL", "MRP_SECRET_KEY"}}
        env["MRP_INSTANCE_PATH"] = str(instance)  # its SQLite file, tokens and access log
        n = len(list(instance.parent.glob("stdout-*")))
        self.out = (instance.parent / f"stdout-{n}").open("w+", encoding="utf-8")
        self.err = (instance.parent / f"stderr-{n}").open("w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service", "local", "--port", str(port),
             "--imap-port", str(imap_port), "--smtp-port", str(smtp_port), "--interval", "1"],
            stdout=self.out, stderr=self.err, env=env,
        )

    def output(self) -> str:
        self.out.seek(0)
        return self.out.read()

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.output()
            if re.search(pattern, output):
                return output
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        self.err.seek(0)
        raise AssertionError(f"no {pattern!r} in:\n{self.output()}\n{self.err.read()}")

    def api(self, path: str, token: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1{path}",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.out.close()
            self.err.close()
        return self.proc.returncode


def _printed(output: str, label: str) -> str:
    return next(line.split(":", 1)[1].strip().split()[0] for line in output.splitlines()
                if line.strip().startswith(label + ":"))


def _tokens(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (.+) token: (\S+)$", output, re.M))


def test_mrp_local_takes_mail_in_prints_the_receipt_and_keeps_its_tokens(
        tmp_path: Path) -> None:
    port, imap_port, smtp_port = _free_port(), _free_port(), _free_port()
    instance = tmp_path / "instance"
    run = LocalRun(instance, port, imap_port, smtp_port)
    try:
        output = run.wait_for(r"fetched 4")
        output = run.wait_for(r"Stop with Ctrl-C")
        assert _printed(output, "Dashboard") == f"http://127.0.0.1:{port}/"
        assert _printed(output, "Intake address") == MAILBOX_ADDRESS
        assert _printed(output, "SMTP submission") == f"127.0.0.1:{smtp_port}"
        example = instance / "example-report.eml"
        assert f"--data {example}" in output and f"SMTP('127.0.0.1', {smtp_port})" in output
        tokens = _tokens(output)
        assert set(tokens) == {"admin", "department SKM", "institution UFST"}
        admin = tokens["admin"]
        # the four sample mails, and the quarantined mail the demo data holds of its own
        states = sorted(m["state"] for m in run.api("/intake/messages", admin))
        assert states == ["accepted", "ignored", "quarantined", "quarantined", "rejected"]

        # a report sent in by SMTP, as the printed example does
        raw = example.read_bytes()
        message_id = email.message_from_bytes(raw, policy=policy.default)["Message-ID"]
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("opfoelgning@ufst.dk", [MAILBOX_ADDRESS], raw)
        output = run.wait_for(r"fetched 4.*\n(.*\n)*.*fetched 1 \{'accepted': 1\}")
        mine = [m for m in run.api("/intake/messages?sender=opfoelgning@ufst.dk", admin)
                if m["message_id"].strip("<>") == message_id.strip("<>")]
        assert len(mine) == 1 and mine[0]["state"] == "accepted", mine
        assert mine[0]["followup"] is not None
        detail = run.api(f"/intake/messages/{mine[0]['id']}", admin)
        (receipt,) = detail["receipts"]
        assert receipt["sent_at"] is not None

        # the receipt printed in full, with its headers and its whole text
        output = run.wait_for(re.escape(f"In-Reply-To: {message_id}") + r"(.*\n)*.*end of mail")
        block = next(b for b in output.split("=== mail from mrp to ")[1:]
                     if f"In-Reply-To: {message_id}" in b).split("end of mail")[0]
        assert block.startswith("opfoelgning@ufst.dk ")
        assert f"Subject: {receipt['subject']}" in block
        assert receipt["text"].strip() in block
        assert "registreret" in receipt["text"]

        # the access log is a file of its own, not the terminal's output
        access_log = instance / "access.log"
        deadline = time.monotonic() + 10
        while "GET /api/v1/intake/messages" not in access_log.read_text() \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "GET /api/v1/intake/messages" in access_log.read_text()
        assert "GET /api/v1" not in run.output()
    finally:
        assert run.stop() == 0

    assert stat.S_IMODE((instance / "demo-tokens.json").stat().st_mode) == 0o600
    again = LocalRun(instance, port, imap_port, smtp_port)
    try:
        output = again.wait_for(r"Stop with Ctrl-C")
        assert _tokens(output) == tokens
        assert len(again.api("/intake/messages", admin)) == 6  # no sample mails again
        assert again.api("/plans", tokens["institution UFST"])
    finally:
        assert again.stop() == 0


def test_a_mail_is_printed_with_its_headers_text_and_attachments() -> None:
    msg = EmailMessage()
    msg["From"] = "opfoelgning@mrp.localhost"
    msg["To"] = "opfoelgning@ufst.dk"
    msg["Subject"] = "Påmindelse: opfølgning på UFST-2026"
    msg.set_content("Kære modtager,\n\nRapporten forfalder snart.\n")
    msg.add_attachment(b"x" * 1234, maintype="application", subtype="vnd.openxmlformats-"
                       "officedocument.spreadsheetml.sheet", filename="opfølgning.xlsx")
    printed = render(bytes(msg), ["opfoelgning@ufst.dk"])
    lines = printed.splitlines()
    assert "mail from mrp to opfoelgning@ufst.dk" in lines[1]
    assert "Subject: Påmindelse: opfølgning på UFST-2026" in lines
    assert "Rapporten forfalder snart." in lines
    assert ("  opfølgning.xlsx (application/vnd.openxmlformats-officedocument.spreadsheetml"
            ".sheet, 1234 bytes)") in lines
    assert not any(line.startswith("Content-Type") for line in lines)
    assert "end of mail" in lines[-1]


def test_the_local_smtp_server_routes_by_recipient() -> None:
    from service.local.mail import LocalMail, start_server

    delivered: list[bytes] = []
    shown: list[str] = []
    failing = False

    def deliver(raw: bytes) -> None:
        if failing:
            raise OSError("IMAP is down")
        delivered.append(raw)

    port = _free_port()
    server = start_server(LocalMail(MAILBOX_ADDRESS, deliver, shown.append), port)
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@ufst.dk", MAILBOX_ADDRESS, "Opfølgning"
        msg.set_content("Hermed.\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            # the intake address in any case, and another recipient in the same mail
            smtp.send_message(msg, to_addrs=[MAILBOX_ADDRESS.upper(), "b@ufst.dk"])
            assert len(delivered) == 1 and delivered[0].startswith(b"Received: from ")
            assert b"Hermed." in delivered[0]
            assert len(shown) == 1 and "mail from mrp to b@ufst.dk ====" in shown[0]
            assert "Subject: Opfølgning" in shown[0] and "Hermed." in shown[0]
            failing = True  # the sender is told to try again; nothing is lost quietly
            try:
                smtp.send_message(msg, to_addrs=[MAILBOX_ADDRESS])
            except smtplib.SMTPDataError as exc:
                assert exc.smtp_code == 451
            else:
                raise AssertionError("a mail the intake mailbox did not take was accepted")
    finally:
        server.stop()
    assert len(delivered) == 1 and len(shown) == 1
