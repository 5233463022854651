"""Outlook's ``winmail.dat`` (TNEF, ``application/ms-tnef``): the files inside it, read with
tnefparse."""

from __future__ import annotations

import logging

from tnefparse import TNEF

log = logging.getLogger(__name__)

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
MAX_TNEF_FILES = 100


def _name(attachment: object, codepage: str | None) -> str:
    """The attachment's long file name, else its short one, decoded leniently."""
    try:
        name = attachment.long_filename()  # type: ignore[attr-defined]
    except (UnicodeDecodeError, AttributeError, IndexError):
        name = getattr(attachment, "_name", b"")
    if isinstance(name, list):
        name = name[0] if name else ""
    if isinstance(name, bytes):
        try:
            name = name.decode("utf-8")
        except UnicodeDecodeError:
            name = name.decode(codepage or "cp1252", "replace")
    return str(name).strip("\x00").strip().replace("\\", "/").rsplit("/", 1)[-1]


def unpack_tnef(data: bytes) -> tuple[list[tuple[str, bytes]], str] | None:
    """The (file name, bytes) pairs inside a TNEF blob and its plain-text body (maybe empty),
    or None if the blob is not readable TNEF."""
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as exc:
        log.info("winmail.dat is not readable TNEF: %s", exc)
        return None
    files: list[tuple[str, bytes]] = []
    for attachment in tnef.attachments[:MAX_TNEF_FILES]:
        content = attachment.data
        if isinstance(content, list):
            content = b"".join(c for c in content if isinstance(c, bytes))
        if not isinstance(content, bytes):
            continue
        files.append((_name(attachment, tnef.codepage) or "vedhæftning", content))
    body = tnef.body
    if isinstance(body, list):
        body = body[0] if body else ""
    if isinstance(body, bytes):
        body = body.decode(tnef.codepage or "cp1252", "replace")
    return files, (body or "").strip("\x00").strip()
