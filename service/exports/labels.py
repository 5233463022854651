"""Danish words for the codes the exports show (DESIGN section 2)."""

from __future__ import annotations

from service.domain.vocabulary import GOAL_TYPE_LABELS, STATUS_LABELS, TASK_TYPE_LABELS

PLAN_STATUS = {"draft": "Kladde", "approved": "Godkendt", "closed": "Lukket"}
GOAL_STATE = {"active": "Aktiv", "withdrawn": "Udgået"}
NATURE = {"quantitative": "Kvantitativ", "qualitative": "Kvalitativ"}
DIRECTION = {"increase": "Øge", "decrease": "Reducere", "maintain": "Fastholde"}
REPORT_STATE = {
    "received": "Modtaget",
    "late": "Modtaget for sent",
    "missing": "Mangler",
    "due": "Ikke forfalden endnu",
    "not_applicable": "Ingen opfølgning i perioden",
}
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")


def label(labels: dict[str, str], code: str | None) -> str | None:
    """The Danish word for ``code``; an unknown code as it is; None stays None."""
    if code is None:
        return None
    return labels.get(code, code)


def task_type(code: str | None) -> str | None:
    return label(TASK_TYPE_LABELS, code)


def goal_type(code: str | None) -> str | None:
    return label(GOAL_TYPE_LABELS, code)


def status(code: str | None) -> str | None:
    return label(STATUS_LABELS, code)
