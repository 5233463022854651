"""JSON reports: the body of ``POST /plans/{id}/followups`` plus ``plan``::

    {"plan": "DST-2026", "period": "2026-H1",
     "goals": [{"goal": "M1", "status": "on_track", "value": 93.5, "progress": 50,
                "comment": "…"}]}

Unknown keys are ignored; a document of the wrong shape is refused with a message that says
where.
"""

from __future__ import annotations

import json
import math
import re

from service.intake.reports.headers import normalise_period, normalise_plan
from service.intake.reports.limits import DEFAULT_LIMITS, ReportLimits, check_rows, check_size
from service.plugins.reports import ParsedReport, ReportError, ReportRow

JSON_TYPES = frozenset({"application/json", "text/json", "application/x-json"})
# ``"\ud800"`` is valid JSON but no text: a lone surrogate cannot be stored or printed
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str | None:
    """A string value stripped, lone surrogates made U+FFFD; None when blank."""
    return _SURROGATE.sub("\ufffd", value).strip() or None


def _no_constant(name: str) -> object:
    """``NaN``, ``Infinity`` and ``-Infinity`` are no JSON, though Python's parser takes them."""
    raise _error(f"{name} er ikke et tal, som JSON skriver det; skriv tallet eller null.")


def _error(message: str) -> ReportError:
    return ReportError(
        f"JSON-rapporten kan ikke læses: {message} Formatet er "
        '{"plan": "DST-2026", "period": "2026-H1", "goals": [{"goal": "M1", '
        '"status": "on_track", "value": 93.5, "progress": 50, "comment": "…"}]}.',
        reason="unreadable_report",
    )


def _text_or_none(item: dict[str, object], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None or isinstance(value, str):
        return _text(value) if isinstance(value, str) else None
    raise _error(f"{where}.{key} skal være en tekst, ikke {_kind(value)}.")


def _number_or_text(item: dict[str, object], key: str, where: str) -> object:
    value = item.get(key)
    if value is None or isinstance(value, str):
        return _text(value) if isinstance(value, str) else None
    if isinstance(value, float) and not math.isfinite(value):
        raise _error(f"{where}.{key} er for stort til at være et tal.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise _error(f"{where}.{key} skal være et tal, ikke {_kind(value)}.")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "sand/falsk"
    if isinstance(value, dict):
        return "et objekt"
    if isinstance(value, list):
        return "en liste"
    if isinstance(value, int | float):
        return "et tal"
    return "en tekst" if isinstance(value, str) else "tom (null)"


class JsonParser:
    """Reads ``.json`` reports."""

    name = "json"

    def __init__(self, limits: ReportLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        if filename.lower().endswith(".json") or content_type.lower() in JSON_TYPES:
            return True
        return not filename and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        check_size(data, self.limits, filename=filename)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _error(
                f"filen er ikke skrevet i UTF-8 (ugyldig byte ved position {exc.start})."
            ) from exc
        try:
            doc = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise _error(f"{exc.msg} (linje {exc.lineno}, kolonne {exc.colno}).") from exc
        except ValueError as exc:  # an integer of more digits than Python converts
            raise _error("et tal har over 4.300 cifre.") from exc
        except RecursionError as exc:
            raise _error("dokumentet er indlejret for dybt.") from exc
        if not isinstance(doc, dict):
            raise _error(f"dokumentet skal være et objekt ({{…}}), ikke {_kind(doc)}.")
        goals = doc.get("goals")
        if goals is None:
            raise _error('feltet "goals" mangler.')
        if not isinstance(goals, list):
            raise _error(f'"goals" skal være en liste, ikke {_kind(goals)}.')
        check_rows(len(goals), self.limits)
        plan = _text_or_none(doc, "plan", "dokumentet")
        period_value = doc.get("period")
        if isinstance(period_value, int) and not isinstance(period_value, bool):
            period_value = str(period_value)
        period = _text_or_none({"period": period_value}, "period", "dokumentet")
        rows: list[ReportRow] = []
        for index, item in enumerate(goals):
            where = f"goals[{index}]"
            if not isinstance(item, dict):
                raise _error(f"{where} skal være et objekt, ikke {_kind(item)}.")
            goal = item.get("goal")
            if isinstance(goal, int) and not isinstance(goal, bool):
                goal = str(goal)
            goal = _text(goal) if isinstance(goal, str) else None
            if goal is None:
                raise _error(f'{where} mangler "goal" (målets ID, fx "M1").')
            rows.append(
                ReportRow(
                    goal=goal,
                    status=_text_or_none(item, "status", where),
                    value=_number_or_text(item, "value", where),
                    progress=_number_or_text(item, "progress", where),
                    comment=_text_or_none(item, "comment", where),
                    row=index + 1,
                )
            )
        if not rows:
            raise _error('"goals" er tom; skriv én post pr. mål i planen.')
        return ParsedReport(
            rows=tuple(rows),
            plan=normalise_plan(plan),
            period=normalise_period(period),
            format="json",
        )
