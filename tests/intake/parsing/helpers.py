from __future__ import annotations

from pathlib import Path

from service.intake.message import InboundMail, parse_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MAIL = FIXTURES / "mail"
REPORTS = FIXTURES / "reports"
OUR_SERVER = "mx.mrp.example"


def load_mail(name: str) -> InboundMail:
    return parse_message((MAIL / name).read_bytes())


def report_bytes(name: str) -> bytes:
    return (REPORTS / name).read_bytes()
