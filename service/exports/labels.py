"""Danish words for the codes the exports show (DESIGN section 2), drawn from the glossary
(``service.vocabulary.glossary``) as the dashboard's are."""

from __future__ import annotations

from service.vocabulary import (
    DIRECTION_LABELS,
    GOAL_STATE_LABELS,
    GOAL_TYPE_LABELS,
    NATURE_LABELS,
    PLAN_STATUS_LABELS,
    STATUS_LABELS,
    TASK_TYPE_LABELS,
    TERMS,
    capitalised,
    parse_period,
    period_words,
)

PLAN_STATUS = capitalised(PLAN_STATUS_LABELS)
GOAL_STATE = capitalised(GOAL_STATE_LABELS)
NATURE = capitalised(NATURE_LABELS)
DIRECTION = capitalised(DIRECTION_LABELS)
#: the report states spelled out for a column of their own (the dashboard's tiles use short
#: words: ``service.web.labels.REPORT_STATE_LABELS``)
REPORT_STATE = {
    "received": TERMS["received follow-up"].heading,
    "late": f"{TERMS['received follow-up'].heading} for sent",
    "missing": "Mangler",
    "due": "Ikke forfalden endnu",
    "not_applicable": "Ingen opfølgning i perioden",
}


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


def period(code: str | None) -> str | None:
    """A period's code (``2026-H2``) as a person reads it (``2. halvår 2026``)."""
    if code is None:
        return None
    parsed = parse_period(code)
    return period_words(parsed) if parsed is not None else code
