"""Reading ``Authentication-Results`` (RFC 8601) for the DMARC verdict of our own mail server.

Anyone can put an ``Authentication-Results`` header in a mail they send, but our receiving
server adds its own on top of the mail. So only the topmost header whose authserv-id is the
one configured for that server (``MRP_INTAKE_AUTHSERV_ID``) counts: any further header
naming our server, below it, was written by the sender and is ignored, whatever it says.

That header is parsed with RFC 8601's grammar (the ``authres`` package), never searched for
text: a quoted property value (``smtp.mailfrom="x;dmarc=pass"@evil.example``) or a comment
(``dmarc=fail (dmarc=pass)``) the sender had our server copy into it says nothing. A header
that does not parse gives no result (the mail does not pass), and so does one with no
DMARC result or with a DMARC result other than ``pass``.

Exchange Online (Microsoft 365) writes its header without the authserv-id RFC 8601 requires
(``spf=pass (sender IP is …) smtp.mailfrom=…; dkim=pass …; dmarc=pass action=none …``), so
no id can say which header is its own. With ``MRP_INTAKE_AUTHRESULTS=microsoft365`` only the
topmost header counts, which Exchange Online adds above the ones a mail arrives with, and
only when it has that shape (no authserv-id); it is read by the same grammar.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import authres
import authres.dmarc

from service.intake.mailtext import unfold
from service.intake.message import InboundMail

log = logging.getLogger(__name__)

__all__ = [
    "MICROSOFT_365",
    "RFC_8601",
    "Unparsable",
    "dmarc_passes",
    "dmarc_result",
    "parse_authentication_results",
]

#: how our receiving server writes its header: by RFC 8601, led by its authserv-id, or as
#: Exchange Online does, with none
RFC_8601 = "rfc8601"
MICROSOFT_365 = "microsoft365"
STYLES = (RFC_8601, MICROSOFT_365)

#: longer values are not parsed (the parser's time grows with the square of the length);
#: a receiving server writes well under 1,000 characters
MAX_HEADER_CHARS = 8000
_FEATURES = authres.FeatureContext(authres.dmarc)
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


class Unparsable(ValueError):
    """An ``Authentication-Results`` value that is not RFC 8601."""


def parse_authentication_results(value: str) -> tuple[str, dict[str, str]]:
    """``authserv-id; method=result …`` → (authserv-id lower case, {method: result}), both
    lower case; the first result of each method wins. Raises :class:`Unparsable`."""
    authserv_id, results = _parse(value)
    first: dict[str, str] = {}
    for method, result in results:
        first.setdefault(method, result)
    return authserv_id, first


def _parse(value: str) -> tuple[str, list[tuple[str, str]]]:
    if len(value) > MAX_HEADER_CHARS:
        raise Unparsable(f"longer than {MAX_HEADER_CHARS} characters")
    try:
        header = _FEATURES.parse_value(unfold(value))
        results = [(str(r.method).lower(), str(r.result).lower()) for r in header.results]
        return str(header.authserv_id).lower(), results
    except Exception as exc:  # the parser's own errors, and RecursionError on deep comments
        raise Unparsable(f"{type(exc).__name__}: {exc}"[:200]) from exc


def _leading_id(value: str) -> str:
    """The authserv-id a header value starts with, after any comments, lower case ("" if it
    starts with something else, such as a ``method=result``). A cheap look, so that only the
    header that names our server is parsed and a mail with many headers costs one parse."""
    i, depth, end = 0, 0, min(len(value), MAX_HEADER_CHARS)
    while i < end:
        c = value[i]
        if depth:
            if c == "\\":
                i += 1
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
        elif c == "(":
            depth = 1
        elif not c.isspace():
            break
        i += 1
    m = _DOT_ATOM.match(value, i)
    if m is None or "=" in m.group():  # a token has no "=": this is a ``method=result``
        return ""
    return m.group().lower()


def dmarc_result(
    headers: Iterable[str], authserv_id: str, style: str = RFC_8601
) -> str | None:
    """The DMARC result (``pass``, ``fail``, ``none``, …) in the topmost header written by our
    server, or None if no header names it, that header does not parse, or it has no DMARC
    result. Several DMARC results in it must agree on ``pass`` to give ``pass``. With the
    ``microsoft365`` style the topmost header is Exchange Online's when it has no id."""
    if style == MICROSOFT_365:
        return _exchange_online_result(headers)
    ours = authserv_id.strip().lower()
    if not ours:
        return None
    for value in headers:  # top to bottom
        if _leading_id(value) != ours:
            continue
        try:
            server, results = _parse(value)
        except Unparsable as exc:
            # The topmost header naming our server decides, even when it does not parse:
            # reading on would let a forged one below it speak.
            log.warning("Authentication-Results from %s not readable: %s", ours, exc)
            return None
        if server != ours:  # not what it seemed: not to be trusted
            return None
        return _verdict(results)
    return None


def _verdict(results: list[tuple[str, str]]) -> str | None:
    verdicts = [result for method, result in results if method == "dmarc"]
    if not verdicts:
        return None
    return next((v for v in verdicts if v != "pass"), "pass")


def _exchange_online_result(headers: Iterable[str]) -> str | None:
    """The DMARC result of the topmost header, read as Exchange Online writes it: without an
    authserv-id. A topmost header led by an id is not Exchange Online's: no result."""
    topmost = next(iter(headers), None)
    if topmost is None or _leading_id(topmost):
        return None
    try:
        # the grammar wants an id before the results: the one Exchange Online leaves out
        _server, results = _parse(f"{MICROSOFT_365}; {topmost}")
    except Unparsable as exc:
        log.warning("Authentication-Results from Exchange Online not readable: %s", exc)
        return None
    return _verdict(results)


def dmarc_passes(mail: InboundMail, authserv_id: str, style: str = RFC_8601) -> bool:
    """True only if our own server's topmost ``Authentication-Results`` says ``dmarc=pass``."""
    return dmarc_result(mail.authentication_results, authserv_id, style) == "pass"
