"""Reporting addresses: the check every address passes before it is stored, in the API and
the dashboard alike.

An address is checked by ``email-validator`` (syntax only: no DNS lookup, the intake does
not need the domain to answer). Letters outside ASCII (æ, ø, å) in the part before the @
are refused unless ``REPORTING_ADDRESS_ALLOW_NON_ASCII`` is on: most mail systems in the
state cannot receive such an address (it needs SMTPUTF8), so a sender using one would
never get a receipt. A domain with æøå is fine; it is stored in its Unicode form."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from service.domain.errors import Invalid

#: the setting that lets æøå (any letter outside ASCII) into an address's local part
ALLOW_NON_ASCII = "REPORTING_ADDRESS_ALLOW_NON_ASCII"
MAX_LENGTH = 320


def non_ascii_allowed() -> bool:
    return bool(current_app.config.get(ALLOW_NON_ASCII, False))


def check_address(raw: str, field: str = "address") -> str:
    """``raw`` as it is stored (trimmed, lower-cased), or :class:`Invalid` naming ``field``
    with a Danish explanation."""
    address = (raw or "").strip()
    if not address:
        raise Invalid("Skriv en e-mailadresse, fx opfoelgning@styrelsen.dk.", field=field)
    shown = address if len(address) <= 80 else address[:77] + "…"
    if len(address) > MAX_LENGTH:
        raise Invalid(f"E-mailadressen må højst være {MAX_LENGTH} tegn.", field=field)
    local, at, _domain = address.rpartition("@")
    if at and not local.isascii() and not non_ascii_allowed():
        raise Invalid(
            f"{shown} har bogstaver som æ, ø eller å før @. Det kan mange mailsystemer ikke "
            "modtage, så afsenderen ville ikke få kvitteringer. Brug en adresse uden dem, fx "
            "med ae, oe og aa.",
            field=field,
        )
    try:
        checked = validate_email(
            address, check_deliverability=False, allow_smtputf8=non_ascii_allowed(),
            allow_quoted_local=False, allow_domain_literal=False,
        )
    except EmailNotValidError:
        raise Invalid(
            f"{shown} er ikke en gyldig e-mailadresse. Skriv den som navn@domæne.dk.",
            field=field,
        ) from None
    return checked.normalized.lower()
