"""The plan and goal forms as they arrive: read, checked with the API's limits and turned
into the dicts the domain's ``create_plan``, ``create_goal`` and ``update_goal`` take, with a
Danish message per form field. A form field's id is the domain's field name with ``-`` for
``.`` (``indicators.0.target`` is ``indicators-0-target``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from service.domain.attainment import MAX_WEIGHT
from service.domain.models import Goal
from service.vocabulary import (
    CADENCE_LABELS,
    DIRECTION_LABELS,
    GOAL_TYPE_LABELS,
    NATURE_LABELS,
    format_number,
    has_control_characters,
    parse_number,
)

INDICATOR_FIELDS = ("name", "unit", "baseline", "baseline_year", "target", "direction",
                    "data_source")
MILESTONE_FIELDS = ("title", "due_date", "done")
MAX_INDICATORS = 20
MAX_MILESTONES = 50
REASON_MAX = 2000
YEAR_RANGE = (2000, 2100)
_DANISH_DATE = re.compile(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")


def field_id(name: str) -> str:
    """The form field's id for a domain field name: ``indicators.0.target`` →
    ``indicators-0-target``."""
    return name.replace(".", "-")


@dataclass
class Form:
    """What was typed (to show again), what it means (for the domain) and what is wrong."""

    values: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(field_id(name), message)

    def read(self, raw: MultiDict[str, str], name: str) -> str:
        """What was typed in ``name``, stripped, and kept to show again."""
        value = (raw.get(name) or "").strip()
        self.values[name] = value
        return value


def _text(form: Form, raw: MultiDict[str, str], name: str, limit: int, what: str, *,
          required: bool = False, multiline: bool = False, key: str | None = None,
          into: dict[str, Any] | None = None) -> None:
    value = form.read(raw, name)
    target = form.data if into is None else into
    if has_control_characters(value, multiline=multiline):
        form.error(name, f"{what} må kun indeholde almindelig tekst, ikke styretegn.")
    elif len(value) > limit:
        form.error(name, f"{what} må højst være {format_number(limit)} tegn.")
    elif required and not value:
        form.error(name, f"Skriv {what.lower()}.")
    target[key or name] = value or None


def _choice(form: Form, raw: MultiDict[str, str], name: str, choices: dict[str, str],
            missing: str, *, required: bool = True, key: str | None = None,
            into: dict[str, Any] | None = None) -> None:
    value = form.read(raw, name)
    target = form.data if into is None else into
    if not value and not required:
        target[key or name] = None
    elif value not in choices:
        form.error(name, missing)
    else:
        target[key or name] = value


def _year(form: Form, raw: MultiDict[str, str], name: str, what: str, *,
          required: bool = True, low: int = YEAR_RANGE[0], high: int = YEAR_RANGE[1],
          key: str | None = None, into: dict[str, Any] | None = None) -> None:
    value = form.read(raw, name)
    target = form.data if into is None else into
    if not value:
        if required:
            form.error(name, f"Skriv {what.lower()}.")
        target[key or name] = None
        return
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        form.error(name, f"{what} skal være et årstal mellem {low} og {high}, fx 2026.")
        return
    target[key or name] = int(value)


def _date(form: Form, raw: MultiDict[str, str], name: str, what: str, *, key: str,
          into: dict[str, Any]) -> None:
    value = form.read(raw, name)
    if not value:
        into[key] = None
        return
    try:
        into[key] = date.fromisoformat(value)
    except ValueError:
        danish = _DANISH_DATE.fullmatch(value)  # typed where the browser has no date field
        try:
            if danish is None:
                raise ValueError(value)
            into[key] = date(int(danish[3]), int(danish[2]), int(danish[1]))
        except ValueError:
            form.error(name, f"{what} skal være en rigtig dato, fx 31.12.2026.")


def _number(form: Form, raw: MultiDict[str, str], name: str, what: str, *, key: str,
            into: dict[str, Any]) -> None:
    value = form.read(raw, name)
    if not value:
        into[key] = None
        return
    number = parse_number(value)
    if number is None or value.endswith("%"):
        form.error(name, f"{what} skal være et tal, fx 41 eller 93,5.")
    else:
        into[key] = number


def _weight(form: Form, raw: MultiDict[str, str]) -> None:
    """The goal's points: empty (not weighted) or a whole number from 0."""
    value = form.read(raw, "weight")
    form.data["weight"] = None
    if not value:
        return
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_WEIGHT:
        form.error("weight", "Vægtningen skal være et helt antal point fra 0 til "
                             f"{format_number(MAX_WEIGHT)}, fx 15.")
        return
    form.data["weight"] = int(value)


def reason(form: Form, raw: MultiDict[str, str], required: bool,
           missing: str = "Skriv, hvorfor den godkendte plan ændres.") -> None:
    """The reason for changing an approved plan, recorded in the change log."""
    _text(form, raw, "reason", REASON_MAX, "Begrundelsen", multiline=True)
    if required and "reason" not in form.errors and not form.data.get("reason"):
        form.errors["reason"] = missing


def plan_form(raw: MultiDict[str, str], institutions: set[str]) -> Form:
    """The new plan: what ``create_plan`` takes."""
    form = Form(values={})
    _choice(form, raw, "institution", {c: c for c in institutions},
            "Vælg den institution, planen er for.")
    _text(form, raw, "title", 300, "Planens titel", required=True)
    _year(form, raw, "period_start", "Første år")
    _year(form, raw, "period_end", "Sidste år")
    start, end = form.data.get("period_start"), form.data.get("period_end")
    if start is not None and end is not None and end < start:
        form.error("period_end", f"Sidste år ({end}) ligger før første år ({start}).")
    _choice(form, raw, "followup_cadence", CADENCE_LABELS, "Vælg, hvor ofte der følges op.")
    manager: dict[str, Any] = {}
    _text(form, raw, "top_manager_name", 200, "Topchefens navn", key="name", into=manager)
    _text(form, raw, "top_manager_title", 200, "Topchefens titel", key="title", into=manager)
    if manager.get("title") and not manager.get("name"):
        form.error("top_manager_name", "Skriv topchefens navn, når titlen er skrevet.")
    form.data["top_manager"] = manager if manager.get("name") else None
    return form


def _rows(raw: MultiDict[str, str], prefix: str, names: tuple[str, ...]) -> list[int]:
    """The numbers of the rows the form sent (``indicators-3-name`` → 3), in order."""
    found: set[int] = set()
    for key in raw:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[2] in names and parts[1].isdigit():
            found.add(int(parts[1]))
    return sorted(n for n in found if n < 200)


def _indicators(form: Form, raw: MultiDict[str, str]) -> None:
    kept: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    for n in _rows(raw, "indicators", INDICATOR_FIELDS):
        if raw.get(f"indicators-{n}-remove"):
            continue
        cells = {k: (raw.get(f"indicators-{n}-{k}") or "").strip() for k in INDICATOR_FIELDS}
        if not any(cells.values()):
            continue  # the empty line for a new indicator
        i = len(kept)
        names = {k: f"indicators.{i}.{k}" for k in INDICATOR_FIELDS}
        row: dict[str, Any] = {}
        sub = MultiDict({names[k]: v for k, v in cells.items()})
        _text(form, sub, names["name"], 300, "Indikatorens navn", required=True, key="name",
              into=row)
        _text(form, sub, names["unit"], 50, "Enheden", key="unit", into=row)
        _number(form, sub, names["baseline"], "Udgangspunktet", key="baseline", into=row)
        _year(form, sub, names["baseline_year"], "Basisåret", required=False, low=1900,
              high=2200, key="baseline_year", into=row)
        _number(form, sub, names["target"], "Målværdien", key="target", into=row)
        _choice(form, sub, names["direction"], DIRECTION_LABELS, "Vælg en retning.",
                required=False, key="direction", into=row)
        _text(form, sub, names["data_source"], 300, "Datakilden", key="data_source", into=row)
        kept.append(row)
        shown.append(cells)
    if len(kept) > MAX_INDICATORS:
        form.error("indicators", f"Et mål kan højst have {MAX_INDICATORS} indikatorer.")
    form.data["indicators"] = kept
    form.values["indicators"] = shown


def _milestones(form: Form, raw: MultiDict[str, str]) -> None:
    kept: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    for n in _rows(raw, "milestones", MILESTONE_FIELDS):
        if raw.get(f"milestones-{n}-remove"):
            continue
        cells = {k: (raw.get(f"milestones-{n}-{k}") or "").strip() for k in MILESTONE_FIELDS}
        if not (cells["title"] or cells["due_date"]):
            continue  # the empty line for a new milestone (a tick alone says nothing)
        i = len(kept)
        row: dict[str, Any] = {"done": bool(cells["done"])}
        sub = MultiDict({f"milestones.{i}.{k}": v for k, v in cells.items()})
        _text(form, sub, f"milestones.{i}.title", 300, "Milepælens titel", required=True,
              key="title", into=row)
        _date(form, sub, f"milestones.{i}.due_date", "Datoen", key="due_date", into=row)
        kept.append(row)
        shown.append(cells)
    if len(kept) > MAX_MILESTONES:
        form.error("milestones", f"Et mål kan højst have {MAX_MILESTONES} milepæle.")
    form.data["milestones"] = kept
    form.values["milestones"] = shown


def goal_form(raw: MultiDict[str, str], task_types: dict[str, str], *,
              reason_required: bool) -> Form:
    """A goal with its indicators and milestones: what ``create_goal`` and
    ``update_goal`` take (the lists replace the goal's)."""
    form = Form(values={})
    _text(form, raw, "code", 20, "Koden")
    _text(form, raw, "title", 300, "Målets titel", required=True)
    _text(form, raw, "description", 10000, "Beskrivelsen", multiline=True)
    _choice(form, raw, "task_type", task_types, "Vælg målets opgavetype.")
    _choice(form, raw, "goal_type", GOAL_TYPE_LABELS, "Vælg målets type.")
    _choice(form, raw, "nature", NATURE_LABELS, "Vælg, om målet er kvantitativt eller "
            "kvalitativt.")
    _text(form, raw, "success_criterion", 2000, "Succeskriteriet", multiline=True)
    deadline: dict[str, Any] = {}
    _date(form, raw, "deadline", "Fristen", key="deadline", into=deadline)
    form.data.update(deadline)
    _text(form, raw, "owner", 200, "Den ansvarlige")
    _weight(form, raw)
    form.values["politically_fixed"] = bool(raw.get("politically_fixed"))
    form.data["politically_fixed"] = form.values["politically_fixed"]
    _indicators(form, raw)
    _milestones(form, raw)
    reason(form, raw, reason_required)
    if not form.data.get("code"):
        form.data.pop("code", None)
    return form


def _number_text(value: float | None) -> str:
    return "" if value is None else format_number(value, decimals=None, grouping=False)


def goal_values(goal: Goal | None) -> dict[str, Any]:
    """A goal as the form shows it before anything is typed (a new goal: empty)."""
    if goal is None:
        return {"politically_fixed": False, "indicators": [], "milestones": []}
    values: dict[str, Any] = {
        name: getattr(goal, name) or "" for name in (
            "code", "title", "description", "task_type", "goal_type", "nature",
            "success_criterion", "owner")
    }
    values["deadline"] = goal.deadline.isoformat() if goal.deadline else ""
    values["weight"] = "" if goal.weight is None else str(goal.weight)
    values["politically_fixed"] = bool(goal.politically_fixed)
    values["indicators"] = [{
        "name": i.name, "unit": i.unit or "", "baseline": _number_text(i.baseline),
        "baseline_year": str(i.baseline_year or ""), "target": _number_text(i.target),
        "direction": i.direction or "", "data_source": i.data_source or "",
    } for i in goal.indicators]
    values["milestones"] = [{
        "title": m.title, "due_date": m.due_date.isoformat() if m.due_date else "",
        "done": "on" if m.done else "",
    } for m in goal.milestones]
    return values


__all__ = ["Form", "field_id", "goal_form", "goal_values", "plan_form", "reason"]
