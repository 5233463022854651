"""Report parsing types: what an attachment parser returns.

A report parser turns the bytes of one attachment into a :class:`ParsedReport`. Built-in
parsers (XLSX, CSV, JSON) and a ministry's own parsers are offered through the
``mrp_report_parsers`` hook and share this small interface. Parsers know nothing of IMAP,
HTTP or the database: they receive bytes and return plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

MB = 1024 * 1024


@dataclass(frozen=True)
class ReportLimits:
    """How much a report attachment may cost; ``mrp_report_parsers`` receives the
    deployment's (``MRP_INTAKE_MAX_ATTACHMENT_BYTES`` sets ``max_attachment_bytes``).
    Defaults suit a goal report (a few KB)."""

    max_attachment_bytes: int = 10 * MB
    max_uncompressed_bytes: int = 50 * MB
    max_compression_ratio: float = 100.0
    max_zip_members: int = 1000
    max_rows: int = 5000
    # Members smaller than this are not ratio-checked (tiny XML compresses very well).
    ratio_check_from_bytes: int = 1 * MB


DEFAULT_LIMITS = ReportLimits()


class ReportError(Exception):
    """The attachment is a report of this parser's kind but cannot be read.

    ``reason`` is a machine code (``unreadable_report``, ``too_large``, ``zip_bomb``, …);
    the message is Danish and tells the sender what to do.
    """

    def __init__(self, message: str, *, reason: str = "unreadable_report") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ReportRow:
    """One goal's line in a report, as written by the sender (not yet validated).

    ``status`` is the raw text (Danish word, English code or colour); ``value`` and
    ``progress`` are the raw cell values (a number, a string such as ``"93,5"``, or None).
    ``row`` is the sender's own row number (spreadsheet row, CSV line, JSON index + 1), used
    in receipts so the sender can find it.
    """

    goal: str
    status: str | None
    value: object = None
    progress: object = None
    comment: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class ParsedReport:
    """A report read from one attachment. ``plan`` and ``period`` are None where the file
    does not name them (the mail's subject may)."""

    rows: tuple[ReportRow, ...]
    plan: str | None = None
    period: str | None = None
    format: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class ReportParser(Protocol):
    """An attachment parser. ``name`` is short (``xlsx``, ``csv``, ``json``, ``skm-excel``)."""

    name: str

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        """True if this parser reads the attachment (by name, MIME type or first bytes)."""
        ...

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        """Read the report; raise :class:`ReportError` with a Danish message if it cannot."""
        ...
