"""Size limits for report attachments, and the guards that enforce them before a parser
spends memory: the attachment's size, and for XLSX (a zip archive) every member's declared
uncompressed size and compression ratio, read from the zip's central directory alone.

Python's :mod:`zipfile` never inflates a member beyond the size its directory entry declares
(it stops there and fails the CRC check), so checking the declared sizes bounds the work
openpyxl can be made to do.
"""

from __future__ import annotations

import io
import zipfile

from service.plugins.reports import DEFAULT_LIMITS, MB, ReportError, ReportLimits
from service.vocabulary import format_number

__all__ = ["DEFAULT_LIMITS", "MB", "ReportLimits", "check_rows", "check_size", "check_zip"]


def _megabytes(size: int) -> str:
    return f"{format_number(size / MB, decimals=1)} MB"


def check_size(data: bytes, limits: ReportLimits = DEFAULT_LIMITS, *, filename: str = "") -> None:
    """Refuse an attachment larger than ``limits.max_attachment_bytes``."""
    if len(data) > limits.max_attachment_bytes:
        name = f"«{filename}» " if filename else ""
        raise ReportError(
            f"Vedhæftningen {name}fylder {_megabytes(len(data))}, mere end de tilladte "
            f"{_megabytes(limits.max_attachment_bytes)}. Send rapporten i en mindre fil, "
            "fx kun arket med målene.",
            reason="too_large",
        )


def check_zip(data: bytes, limits: ReportLimits = DEFAULT_LIMITS, *, filename: str = "") -> None:
    """Check a zip container (XLSX) from its central directory before anything inflates it.

    Raises :class:`ReportError` with reason ``zip_bomb`` for an archive whose members claim
    an implausible compression ratio or count, ``too_large`` when the total uncompressed size
    is over the limit, and ``unreadable_report`` when it is not a zip file at all.
    """
    name = f"«{filename}» " if filename else ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReportError(
            f"Regnearket {name}kan ikke åbnes: filen er ikke en gyldig XLSX-fil. "
            "Gem den i Excel som «Excel-projektmappe (*.xlsx)» og send den igen.",
            reason="unreadable_report",
        ) from exc
    if len(members) > limits.max_zip_members:
        raise ReportError(
            f"Regnearket {name}indeholder {len(members)} interne dele; det ligner ikke en "
            "rapport og er afvist af sikkerhedshensyn. Send skabelonen udfyldt og gemt som .xlsx.",
            reason="zip_bomb",
        )
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size >= limits.ratio_check_from_bytes:
            ratio = size / max(member.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise ReportError(
                    f"Regnearket {name}er afvist af sikkerhedshensyn: delen «{member.filename}» "
                    f"pakkes ud til {_megabytes(size)} ({ratio:.0f} gange sin pakkede "
                    "størrelse). Gem rapporten igen i Excel som en almindelig .xlsx-fil.",
                    reason="zip_bomb",
                )
        if total > limits.max_uncompressed_bytes:
            raise ReportError(
                f"Regnearket {name}fylder udpakket mere end "
                f"{_megabytes(limits.max_uncompressed_bytes)}. Send kun arket med målene, "
                "uden billeder og andre ark.",
                reason="too_large",
            )


def check_rows(count: int, limits: ReportLimits = DEFAULT_LIMITS) -> None:
    """Refuse a report with more goal rows than ``limits.max_rows``."""
    if count > limits.max_rows:
        raise ReportError(
            f"Rapporten har mere end {limits.max_rows} rækker med mål. En opfølgning har én "
            "række pr. mål i planen; fjern de overskydende rækker og send den igen.",
            reason="too_large",
        )
