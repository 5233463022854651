"""Reading ``Authentication-Results`` (RFC 8601) for the DMARC verdict of our own mail server.

Only headers whose authserv-id is the one configured for our receiving server count: anyone
can put an ``Authentication-Results`` header in a mail they send, but our server adds its own
on top, so the first header naming our server is the one it wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from service.intake.message import InboundMail

_COMMENT = re.compile(r"\([^()]*\)")
_METHOD = re.compile(r"(?:^|;)\s*([a-z0-9_-]+)\s*=\s*([a-z0-9_-]+)", re.I)


def _strip_comments(value: str) -> str:
    previous = None
    while previous != value:  # nested comments, innermost first
        previous, value = value, _COMMENT.sub(" ", value)
    return value


def parse_authentication_results(value: str) -> tuple[str, dict[str, str]]:
    """``authserv-id; method=result …`` → (authserv-id lower case, {method: result}). The first
    result of each method wins."""
    text = _strip_comments(value).strip()
    head, _, rest = text.partition(";")
    parts = head.split()
    authserv_id = parts[0].lower() if parts else ""
    results: dict[str, str] = {}
    for m in _METHOD.finditer(";" + rest):
        results.setdefault(m[1].lower(), m[2].lower())
    return authserv_id, results


def dmarc_result(headers: Iterable[str], authserv_id: str) -> str | None:
    """The DMARC result (``pass``, ``fail``, ``none``, …) in the first header written by our
    server, or None if no header names it or that header has no DMARC result."""
    ours = authserv_id.strip().lower()
    if not ours:
        return None
    for value in headers:
        server, results = parse_authentication_results(value)
        if server == ours:
            return results.get("dmarc")
    return None


def dmarc_passes(mail: InboundMail, authserv_id: str) -> bool:
    """True only if our own server's ``Authentication-Results`` says ``dmarc=pass``."""
    return dmarc_result(mail.authentication_results, authserv_id) == "pass"
