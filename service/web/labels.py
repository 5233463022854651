"""Danish words for the codes the dashboard shows, and the template filters that use them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from service import vocabulary
from service.vocabulary import (
    CADENCE_LABELS,
    DIRECTION_LABELS,
    FOLLOWUP_STATUS_WORDS,
    GOAL_STATE_LABELS,
    GOAL_TYPE_LABELS,
    INTAKE_STATE_WORDS,
    NATURE_LABELS,
    PLAN_STATUS_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    TASK_TYPE_LABELS,
    TERMS,
    capitalised,
    period_text,
)

UNREPORTED = "unreported"

#: a goal's reported status → (CSS class, the colour in words)
LIGHTS: dict[str, tuple[str, str]] = {
    "on_track": ("green", "grøn"),
    "achieved": ("green-dark", "grøn"),
    "at_risk": ("yellow", "gul"),
    "partially_achieved": ("yellow-dark", "gul"),
    "off_track": ("red", "rød"),
    "not_achieved": ("red-dark", "rød"),
    "withdrawn": ("grey", "grå"),
    UNREPORTED: ("none", "ingen farve"),
}

#: the order statuses are counted and drawn in
STATUS_ORDER = (
    "on_track", "achieved", "at_risk", "partially_achieved", "off_track", "not_achieved",
    "withdrawn", UNREPORTED,
)

GOAL_STATUS_LABELS = {**STATUS_LABELS, UNREPORTED: "Ikke rapporteret"}

#: short words for the overview's tiles and badges ("Rapport for sent"); the exports' column
#: spells the same states out (``service.exports.labels.REPORT_STATE``)
REPORT_STATE_LABELS = {
    "received": TERMS["received follow-up"].word,
    "late": "for sent",
    "missing": "mangler",
    "due": "afventer",
    "not_applicable": "ikke relevant",
}

FOLLOWUP_STATUS_LABELS = dict(FOLLOWUP_STATUS_WORDS)

CHANNEL_LABELS = {"email": "e-mail", "api": "API", "web": "dashboardet",
                  "upload": "fil sendt i dashboardet"}

INTAKE_STATE_LABELS = dict(INTAKE_STATE_WORDS)

REASON_LABELS = {
    "unknown_sender": "Ukendt afsender",
    "not_authenticated": "Afsenderen kunne ikke bekræftes (DMARC)",
    "sender_not_authorized": "Afsenderen må ikke indberette for planen",
    "unknown_plan": "Planen findes ikke",
    "no_report": "Ingen opfølgning vedhæftet",
    "unreadable_report": "Opfølgningen kunne ikke læses",
    "too_large": "For stor",
    "parse_budget_exceeded": "For tung at læse",
    "internal_error": "Intern fejl i systemet",
    "own_address": "Sendt fra vores egen adresse",
    "auto_reply": "Automatisk svar",
    "bounce": "Fejlrapport om levering",
}

AUDIT_ACTION_LABELS = {
    "create": "oprettet",
    "update": "ændret",
    "approve": "godkendt",
    "close": "lukket",
    "reopen": "genåbnet",
    "withdraw": "udgået",
    "delete": "slettet",
    "rename": "omdøbt",
    "move": "flyttet",
    "address_add": "adresse tilføjet",
    "address_remove": "adresse fjernet",
    "discard": "kasseret",
    "review": "gennemgået af departementet",
    "request": "foreslået",
    "reject": "afvist",
}

ENTITY_LABELS = {"plan": TERMS["plan"].heading, "goal": TERMS["goal"].heading,
                 "institution": TERMS["institution"].heading, "inbound_message": "Mail",
                 "followup": TERMS["follow-up"].heading,
                 "change": TERMS["change request"].heading}

ROLE_LABELS = {"admin": "Administrator", "department": TERMS["department"].heading,
               "institution": TERMS["institution"].heading}

LABELS: dict[str, dict[str, str]] = {
    "status": GOAL_STATUS_LABELS,
    "task_type": TASK_TYPE_LABELS,
    "goal_type": GOAL_TYPE_LABELS,
    "severity": SEVERITY_LABELS,
    "cadence": CADENCE_LABELS,
    "report": REPORT_STATE_LABELS,
    "plan_status": capitalised(PLAN_STATUS_LABELS),
    "goal_state": capitalised(GOAL_STATE_LABELS),
    "followup": FOLLOWUP_STATUS_LABELS,
    "channel": CHANNEL_LABELS,
    "nature": NATURE_LABELS,
    "direction": DIRECTION_LABELS,
    "intake_state": INTAKE_STATE_LABELS,
    "reason": REASON_LABELS,
    "action": AUDIT_ACTION_LABELS,
    "entity": ENTITY_LABELS,
    "role": ROLE_LABELS,
}


def label(code: Any, kind: str) -> str:
    """The Danish word for ``code``; the code itself where there is none (a plugin's own)."""
    if code is None or code == "":
        return "–"
    return LABELS[kind].get(str(code), str(code))


def light(status: str | None) -> dict[str, str]:
    """What a traffic-light cell needs: CSS class, the status word and the colour word."""
    code = status or UNREPORTED
    css, colour = LIGHTS.get(code, ("none", "ingen farve"))
    return {"code": code, "css": css, "colour": colour, "label": label(code, "status")}


def _zone() -> ZoneInfo | None:
    try:
        return ZoneInfo(current_app.config.get("WEB_TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_datetime(value: datetime | str | None) -> str:
    """``27.11.2026 kl. 09.15`` in the dashboard's time zone."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    zone = _zone()
    if zone is not None and value.tzinfo is not None:
        value = value.astimezone(zone)
    return value.strftime("%d.%m.%Y kl. %H.%M")


def format_date(value: date | str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%d.%m.%Y")


def format_date_words(value: date | datetime | str | None) -> str:
    """``27. november 2026``: a date in running text (a datetime in the dashboard's zone)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        zone = _zone()
        if zone is not None and value.tzinfo is not None:
            value = value.astimezone(zone)
        value = value.date()
    return vocabulary.date_words(value)


def format_number(value: float | int | None) -> str:
    """Danish notation (:func:`service.vocabulary.format_number`); ``–`` for no value."""
    return "–" if value is None else vocabulary.format_number(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        label=label, datetime_da=format_datetime, date_da=format_date, number_da=format_number,
        period_da=period_text, date_words_da=format_date_words,
    )
    app.jinja_env.globals.update(light=light, STATUS_ORDER=STATUS_ORDER)


def intake_outcome(state: str, reason: str | None) -> str:
    """What became of a mail, as a sentence ends: ``i karantæne (ukendt afsender)``."""
    outcome = label(state, "intake_state")
    return f"{outcome} ({label(reason, 'reason').lower()})" if reason else outcome
