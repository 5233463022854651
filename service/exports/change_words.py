"""A change to a goal in plain Danish, one line per thing that changed, old → new: the
annual report's list of the year's changes and the dashboard's change requests both read
them. Dates as Danish dates, numbers with a decimal comma, codes as their Danish words."""

from __future__ import annotations

from datetime import date
from typing import Any

from service.vocabulary import (
    DIRECTION_LABELS,
    GOAL_TYPE_LABELS,
    NATURE_LABELS,
    TASK_TYPE_LABELS,
    date_words,
    format_number,
)
from service.vocabulary.field_words import GOAL_FIELD_WORDS, INDICATOR_FIELD_WORDS

NOTHING = "–"
#: the goal's fields a change is worded for, in the goal's order
FIELD_WORDS = {name: GOAL_FIELD_WORDS[name] for name in (
    "title", "description", "task_type", "goal_type", "nature", "success_criterion",
    "deadline", "politically_fixed", "owner", "weight")}
#: an indicator's fields; its name is a field of its own ("Navn for Svartid: …")
INDICATOR_WORDS = {**INDICATOR_FIELD_WORDS, "name": "Navn"}
CODE_WORDS = {"task_type": TASK_TYPE_LABELS, "goal_type": GOAL_TYPE_LABELS,
              "nature": NATURE_LABELS, "direction": DIRECTION_LABELS}


def value_words(name: str, value: Any) -> str:
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if name in CODE_WORDS:
        return CODE_WORDS[name].get(str(value), str(value))
    if isinstance(value, int | float) and name != "baseline_year":
        return format_number(value, decimals=None)
    if isinstance(value, date) or name in ("deadline", "due_date"):
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return date_words(day)
    return " ".join(str(value).split())


def _arrow(label: str, name: str, old: Any, new: Any) -> str:
    return f"{label}: {value_words(name, old)} → {value_words(name, new)}"


def _indicators(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    lines = []
    for place in range(max(len(old), len(new))):
        before = old[place] if place < len(old) else None
        after = new[place] if place < len(new) else None
        if before is None and after is not None:
            lines.append(f"Ny indikator: {after.get('name')} (målværdi "
                         f"{value_words('target', after.get('target'))})")
        elif after is None and before is not None:
            lines.append(f"Indikatoren {before.get('name')} er fjernet")
        elif before is not None and after is not None:
            name = after.get("name") or before.get("name")
            for key, label in INDICATOR_WORDS.items():
                if before.get(key) != after.get(key):
                    lines.append(_arrow(f"{label} for {name}", key, before.get(key),
                                        after.get(key)))
    return lines


def _milestones(items: list[dict[str, Any]]) -> str:
    if not items:
        return NOTHING
    return "; ".join(f"{m.get('title')} ({value_words('due_date', m.get('due_date'))})"
                     + (", nået" if m.get("done") else "") for m in items)


def change_lines(before: dict[str, Any] | None, after: dict[str, Any] | None,
                 kind: str = "change") -> list[str]:
    """What changed between two goal snapshots (``service.domain.audit.goal_snapshot``, or
    the keys that changed), in Danish."""
    before, after = before or {}, after or {}
    if kind == "new_goal":
        name = " ".join(str(after.get(k)) for k in ("code", "title") if after.get(k))
        return [f"Nyt mål: {name}"]
    lines = []
    if after.get("status") == "withdrawn" and before.get("status") != "withdrawn":
        lines.append("Målet udgår")
    for name, label in FIELD_WORDS.items():
        if name in after and before.get(name) != after.get(name):
            lines.append(_arrow(label, name, before.get(name), after.get(name)))
    if "indicators" in after:
        lines += _indicators(before.get("indicators") or [], after.get("indicators") or [])
    if "milestones" in after and before.get("milestones") != after.get("milestones"):
        lines.append(f"Milepæle: {_milestones(before.get('milestones') or [])} → "
                     f"{_milestones(after.get('milestones') or [])}")
    return lines


def proposed(snapshot: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The goal's snapshot as the changes would make it (a pending request's preview)."""
    if changes.get("withdraw"):
        return {**snapshot, "status": "withdrawn"}
    merged = dict(snapshot)
    for name, value in changes.items():
        if name in snapshot:
            merged[name] = value
    return merged
