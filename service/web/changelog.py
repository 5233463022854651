"""The plan page's change log in plain Danish: each audit event (``service.domain.audit``)
as when, who, what and which goal, and its changes as rows of a Danish field label and the
values before and after as a person reads them: Ja/Nej, Danish dates and numbers, the Danish
words for codes, milestones and indicators one per line. Never Python's ``False``, ``None``,
``[…]`` or ``{…}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.domain.changes import KIND_WORDS, STATUS_WORDS
from service.domain.models import AuditEvent, Plan
from service.vocabulary import (
    CADENCE_LABELS,
    DIRECTION_LABELS,
    GOAL_STATE_LABELS,
    GOAL_TYPE_LABELS,
    NATURE_LABELS,
    PLAN_STATUS_LABELS,
    TASK_TYPE_LABELS,
    capitalised,
    date_words,
    format_number,
)
from service.vocabulary.field_words import GOAL_FIELD_WORDS, INDICATOR_FIELD_WORDS
from service.web.labels import format_datetime, label

NOTHING = "–"

PLAN_FIELD_LABELS = {
    "title": "Titel",
    "period_start": "Planperiodens første år",
    "period_end": "Planperiodens sidste år",
    "top_manager_name": "Topleder",
    "top_manager_title": "Topleders stilling",
    "followup_cadence": "Opfølgning",
    "status": "Status",
    "approved_at": "Godkendt",
    "approved_by": "Godkendt af",
    "closed_at": "Lukket",
}
MILESTONE_FIELD_LABELS = {"title": "Milepæl", "due_date": "Dato", "done": "Nået"}
#: a department's review of a follow-up (``service.domain.reviews``)
FOLLOWUP_FIELD_LABELS = {"decision": "Afgørelse", "comment": "Kommentar",
                         "goals": "Kommentarer til målene"}
#: a change request's request and decision (``service.domain.changes``); what it asks for is
#: shown in the goal's own event when the change is made
CHANGE_FIELD_LABELS = {"goal": "Mål", "kind": "Ændring", "status": "Status"}
#: fields an event keeps for the record that a person has no use for
HIDDEN_FIELDS = {"followup": {"review"}, "change": {"changes"}}
REVIEW_DECISION_WORDS = {"acknowledged": "Kvitteret for", "returned": "Sendt tilbage"}

#: the fields whose values are codes, per entity → their Danish words
CODE_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "plan": {"followup_cadence": CADENCE_LABELS, "status": capitalised(PLAN_STATUS_LABELS)},
    "goal": {
        "task_type": TASK_TYPE_LABELS, "goal_type": GOAL_TYPE_LABELS,
        "nature": capitalised(NATURE_LABELS), "status": capitalised(GOAL_STATE_LABELS),
    },
    "indicator": {"direction": DIRECTION_LABELS},
    "followup": {"decision": REVIEW_DECISION_WORDS},
    "change": {"kind": KIND_WORDS, "status": STATUS_WORDS},
}
DATE_FIELDS = {"deadline", "due_date"}
TIME_FIELDS = {"approved_at", "closed_at"}
YEAR_FIELDS = {"period_start", "period_end", "baseline_year"}


@dataclass
class Change:
    label: str
    before: list[str]  # lines
    after: list[str]


@dataclass
class Entry:
    at: str
    actor: str
    actor_email: str | None
    role: str
    what: str
    goal: str | None  # "M1 · Kortere svartider" when the event is about a goal
    reason: str | None
    created: bool  # a creation: only the values after
    changes: list[Change] = field(default_factory=list)


def value_text(value: Any, name: str = "", entity: str = "goal") -> str:
    """One value as a person reads it."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, int | float):
        if name in YEAR_FIELDS and isinstance(value, int):
            return str(value)
        return format_number(value)
    if isinstance(value, str):
        words = CODE_WORDS.get(entity, {}).get(name)
        if words is not None:
            return words.get(value, value)
        if name in TIME_FIELDS:
            return format_datetime(value)
        if name in DATE_FIELDS:
            try:
                return date_words(date.fromisoformat(value[:10]))
            except ValueError:
                return value
        return value
    if isinstance(value, date | datetime):
        return format_datetime(value) if isinstance(value, datetime) else date_words(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v, k, entity)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(value_text(v, name, entity) for v in value) or NOTHING
    return str(value)


def milestone_line(item: dict[str, Any]) -> str:
    """``30. juni 2026 · Udbud gennemført (nået)``"""
    due = value_text(item.get("due_date"), "due_date", "milestone")
    done = "nået" if item.get("done") else "ikke nået"
    return f"{due} · {item.get('title') or NOTHING} ({done})"


def indicator_line(item: dict[str, Any]) -> str:
    """``Svartid (dage): udgangspunkt 41 (2025), målværdi 30, reducere, kilde: ESDH``"""
    unit = f" ({item['unit']})" if item.get("unit") else ""
    parts = []
    for key in ("baseline", "target", "direction", "data_source"):
        if item.get(key) is None or item.get(key) == "":
            continue
        text = value_text(item[key], key, "indicator")
        if key == "baseline" and item.get("baseline_year"):
            text += f" ({item['baseline_year']})"
        parts.append(text if key == "direction" else
                     f"{INDICATOR_FIELD_WORDS[key].lower()} {text}")
    return f"{item.get('name') or NOTHING}{unit}: {', '.join(parts) or NOTHING}"


def goal_comment_line(item: dict[str, Any]) -> str:
    """``M1: Godt arbejde``: the department's comment on one goal of a follow-up."""
    return f"{item.get('goal') or NOTHING}: {item.get('comment') or NOTHING}"


def value_lines(value: Any, name: str, entity: str) -> list[str]:
    """A value as lines: a list of milestones or indicators one per line."""
    if isinstance(value, list):
        if not value:
            return ["ingen"]
        line = milestone_line if name == "milestones" else (
            indicator_line if name == "indicators" else
            goal_comment_line if entity == "followup" and name == "goals" else None)
        if line is not None:
            return [line(v) if isinstance(v, dict) else value_text(v) for v in value]
        return [value_text(v, name, entity) for v in value]
    return [value_text(value, name, entity)]


def _labels(entity: str) -> dict[str, str]:
    return {"plan": PLAN_FIELD_LABELS, "followup": FOLLOWUP_FIELD_LABELS,
            "change": CHANGE_FIELD_LABELS}.get(
        entity, GOAL_FIELD_WORDS)


def field_label(name: str, entity: str) -> str:
    return _labels(entity).get(name, name.replace("_", " ").capitalize())


def changes(event: AuditEvent) -> list[Change]:
    before, after = event.before or {}, event.after or {}
    hidden = HIDDEN_FIELDS.get(event.entity, set())
    keys = [k for k in dict.fromkeys([*after, *before]) if k not in hidden]
    labels = _labels(event.entity)
    order = {name: i for i, name in enumerate(labels)}
    keys.sort(key=lambda k: order.get(k, len(order)))
    return [
        Change(field_label(k, event.entity),
               value_lines(before.get(k), k, event.entity) if event.before else [],
               value_lines(after.get(k), k, event.entity) if event.after else [NOTHING])
        for k in keys
    ]


def goal_name(event: AuditEvent, plan: Plan) -> str | None:
    """The goal an event is about: its code and title, from the plan or the event itself."""
    if event.entity != "goal":
        return None
    goal = next((g for g in plan.goals if g.id == event.entity_id), None)
    if goal is not None:
        code, title = goal.code, goal.title
    else:
        snap = {**(event.before or {}), **(event.after or {})}
        code, title = snap.get("code"), snap.get("title")
    return " · ".join(str(x) for x in (code, title) if x) or None


def present(events: list[AuditEvent], plan: Plan) -> list[Entry]:
    return [
        Entry(
            at=format_datetime(e.at), actor=e.actor, actor_email=e.actor_email,
            role=label(e.actor_role, "role"),
            what=f"{label(e.entity, 'entity')} {label(e.action, 'action')}",
            goal=goal_name(e, plan), reason=e.reason,
            created=e.before is None and e.after is not None,
            changes=changes(e),
        )
        for e in events
    ]
