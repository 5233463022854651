"""The product's vocabulary (DESIGN section 2): codes, Danish labels and the parsers for
the words people write in reports (statuses, numbers, periods).

Pure Python: used by the domain, the API schemas, the plugins and the intake alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

# the glossary (one Danish word per concept), re-exported: ``from service.vocabulary import
# TERMS`` works as for every other word of the vocabulary
from service.vocabulary.glossary import CHANNEL_WORDS as CHANNEL_WORDS
from service.vocabulary.glossary import CONVERSATION_WORDS as CONVERSATION_WORDS
from service.vocabulary.glossary import FOLLOWUP_STATUS_WORDS as FOLLOWUP_STATUS_WORDS
from service.vocabulary.glossary import GOAL_STATE_WORDS as GOAL_STATE_WORDS
from service.vocabulary.glossary import INTAKE_STATE_WORDS as INTAKE_STATE_WORDS
from service.vocabulary.glossary import PLAN_STATUS_WORDS as PLAN_STATUS_WORDS
from service.vocabulary.glossary import RETIRED as RETIRED
from service.vocabulary.glossary import REVIEW_DECISION_WORDS as REVIEW_DECISION_WORDS
from service.vocabulary.glossary import SEVERITY_WORDS as SEVERITY_WORDS
from service.vocabulary.glossary import TERMS as TERMS
from service.vocabulary.glossary import Term as Term
from service.vocabulary.glossary import heading as heading
from service.vocabulary.glossary import word as word


class TaskType(StrEnum):
    OPERATIONS = "operations"
    PROJECT = "project"
    POLICY = "policy"
    INTERNAL_ADMINISTRATION = "internal_administration"


TASK_TYPE_LABELS: dict[str, str] = {
    "operations": "Driftslignende opgave",
    "project": "Projektlignende opgave",
    "policy": "Policylignende opgave",
    "internal_administration": "Intern administration",
}


class GoalType(StrEnum):
    EFFECT = "effect"
    OUTPUT = "output"
    ACTIVITY = "activity"
    QUALITY = "quality"


GOAL_TYPE_LABELS: dict[str, str] = {
    "effect": "Effektmål",
    "output": "Outputmål",
    "activity": "Aktivitetsmål",
    "quality": "Kvalitetsmål",
}


class Nature(StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"

NATURE_LABELS: dict[str, str] = {"quantitative": "kvantitativ", "qualitative": "kvalitativ"}


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN = "maintain"

DIRECTION_LABELS: dict[str, str] = {
    "increase": "øge",
    "decrease": "reducere",
    "maintain": "fastholde",
}


class Cadence(StrEnum):
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"
    YEARLY = "yearly"


CADENCE_LABELS: dict[str, str] = {
    "quarterly": "kvartalsvis",
    "half-yearly": "halvårlig",
    "yearly": "årlig",
}


class PlanStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    CLOSED = "closed"

PLAN_STATUS_LABELS: dict[str, str] = dict(PLAN_STATUS_WORDS)


class GoalState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"

GOAL_STATE_LABELS: dict[str, str] = dict(GOAL_STATE_WORDS)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_LABELS: dict[str, str] = dict(SEVERITY_WORDS)


class Role(StrEnum):
    ADMIN = "admin"
    DEPARTMENT = "department"
    INSTITUTION = "institution"


class ProgressStatus(StrEnum):
    """A goal's status in a follow-up report."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"
    PARTIALLY_ACHIEVED = "partially_achieved"
    NOT_ACHIEVED = "not_achieved"
    WITHDRAWN = "withdrawn"


def capitalised(labels: dict[str, str]) -> dict[str, str]:
    """The same words as they start a cell or a heading: with a capital."""
    return {code: word[:1].upper() + word[1:] for code, word in labels.items()}


STATUS_LABELS: dict[str, str] = {
    "on_track": "På rette spor",
    "at_risk": "Udfordret",
    "off_track": "Ikke på rette spor",
    "achieved": "Opfyldt",
    "partially_achieved": "Delvist opfyldt",
    "not_achieved": "Ikke opfyldt",
    "withdrawn": "Udgået",
}

_STATUS_WORDS: dict[str, str] = {}
for _code, _label in STATUS_LABELS.items():
    _STATUS_WORDS[_code] = _code
    _STATUS_WORDS[_code.replace("_", " ")] = _code
    _STATUS_WORDS[_label.lower()] = _code
_STATUS_WORDS.update(
    {
        "grøn": "on_track",
        "green": "on_track",
        "gul": "at_risk",
        "yellow": "at_risk",
        "rød": "off_track",
        "red": "off_track",
        "paa rette spor": "on_track",
        "ikke paa rette spor": "off_track",
        "on track": "on_track",
        "off track": "off_track",
        "at risk": "at_risk",
        "udgaaet": "withdrawn",
    }
)


def parse_status(text: object) -> str | None:
    """A report's status word → its code, or None if unknown.

    Accepts the Danish words, the English codes and the traffic-light colours, in any case,
    with stray spaces, underscores or hyphens.
    """
    if not isinstance(text, str):
        return None
    key = " ".join(text.replace("_", " ").replace("-", " ").split()).lower()
    if not key:
        return None
    code = _STATUS_WORDS.get(key)
    if code is None and key.replace(" ", "_") in STATUS_LABELS:
        code = key.replace(" ", "_")
    return code


_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_number(value: object) -> float | None:
    """A measured value or progress as written in a report → float, or None if it is not a
    number. Accepts ints and floats, decimal comma or point, thousands separators (``.``,
    space or non-breaking space with a decimal comma; ``,`` with a decimal point) and a
    trailing ``%``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    if not text:
        return None
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = head.replace(",", "") + "." + tail if text.count(",") == 1 else text.replace(
            ",", ""
        )
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not _NUMBER_RE.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


_TO_DANISH = str.maketrans(",.", ".,")


def format_number(value: float, *, decimals: int | None = 2, grouping: bool = True) -> str:
    """A number as Danes write it: a decimal comma, a point between thousands and no
    needless decimals: ``41``, ``93,5``, ``1.234,5``, ``12.000``.

    ``decimals`` rounds to at most that many (None keeps every digit, as a spreadsheet cell
    should); ``grouping=False`` leaves the thousands points out. Not-a-number and the
    infinities come back as Python writes them (``nan``, ``inf``).
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            value = int(value)
    comma = "," if grouping else ""
    if isinstance(value, int):
        text = f"{value:{comma}d}"
    elif decimals is None:
        text = format(Decimal(repr(value)), f"{comma}f")
    else:
        text = f"{value:{comma}.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text == "-0":
            text = "0"
    return text.translate(_TO_DANISH)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character (Unicode's Cc: U+0000–U+001F,
    U+007F–U+009F), which no code, name or title holds; ``multiline`` text (a description, a
    comment, a reason) may hold tabs and line breaks."""
    return (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text) is not None


_DIGIT_RUNS = re.compile(r"([0-9]+)")


@lru_cache(maxsize=4096)
def natural_key(text: str | None) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """The sort key of a code as people read it: ``M2`` before ``M10``, and any mix of codes
    comparable (``1`` beside ``M1``: a run of digits sorts before text, never against it).
    Case and leading zeros decide only between codes that are otherwise equal; None and the
    empty text sort first."""
    parts: list[tuple[int, int, str]] = []
    for i, chunk in enumerate(_DIGIT_RUNS.split(text or "")):
        if not chunk:
            continue
        if i % 2:  # a run of digits: by its value, compared as text of equal length
            digits = chunk.lstrip("0") or "0"
            parts.append((0, len(digits), digits))
        else:
            parts.append((1, 0, chunk.casefold()))
    return tuple(parts), text or ""


#: the years a period may name: every plan's years (2000–2100) and more, and few enough that
#: a period's dates and its report's deadline are dates (``9999-H2`` plus the grace days is not)
PERIOD_YEARS = range(1900, 2201)


#: the kind of period (``Y``, ``H``, ``Q``) a follow-up cadence reports in
CADENCE_KINDS = {"quarterly": "Q", "half-yearly": "H", "yearly": "Y"}
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a year, a half-year (``H``) or a quarter (``Q``)."""

    year: int
    kind: str  # "Y", "H" or "Q"
    number: int  # 1 for the year; 1–2 for halves; 1–4 for quarters

    def __str__(self) -> str:
        if self.kind == "Y":
            return f"{self.year}"
        return f"{self.year}-{self.kind}{self.number}"

    @property
    def start(self) -> date:
        months = {"Y": 12, "H": 6, "Q": 3}[self.kind]
        return date(self.year, (self.number - 1) * months + 1, 1)

    @property
    def end(self) -> date:
        months = {"Y": 12, "H": 6, "Q": 3}[self.kind]
        last_month = self.number * months
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    def fits(self, cadence: str | None, period_start: int, period_end: int) -> bool:
        """True if this period is one of the plan's: inside its years, of its cadence."""
        kind = CADENCE_KINDS.get(cadence or "half-yearly")
        return kind == self.kind and period_start <= self.year <= period_end


_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?P<y>\d{4})\s*-?\s*(?P<k>[HQ])(?P<n>[1-4])\b", re.I), "yk"),
    (re.compile(r"\b(?P<k>[HQ])(?P<n>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})\b", re.I), "ky"),
    (re.compile(r"\b(?P<n>[12])\.?\s*halv[åa]r\s+(?P<y>\d{4})\b", re.I), "half"),
    (re.compile(r"\b(?P<n>[1-4])\.?\s*kvartal\s+(?P<y>\d{4})\b", re.I), "quarter"),
)
_YEAR_ONLY = re.compile(r"^\s*(?P<y>\d{4})\s*$")


def parse_period(text: object) -> Period | None:
    """``2026-H1``, ``H1 2026``, ``1. halvår 2026``, ``2026-Q3``, ``3. kvartal 2026`` or
    ``2026`` (alone) → Period; None if no period is found, or its year is outside
    :data:`PERIOD_YEARS`. Finds the period inside a longer text too (a mail subject), except a
    bare year, which must stand alone."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    return _period_in(text)


@lru_cache(maxsize=1024)
def _period_in(text: str) -> Period | None:
    """:func:`parse_period` of a text, kept: the same few period texts come with every mail
    of a run, and each is read several times on its way (subject, report, follow-up)."""
    for pattern, shape in _PERIOD_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        year, number = int(m["y"]), int(m["n"])
        if shape == "half":
            kind = "H"
        elif shape == "quarter":
            kind = "Q"
        else:
            kind = m["k"].upper()
        if (kind == "H" and number > 2) or year not in PERIOD_YEARS:
            continue
        return Period(year, kind, number)
    m = _YEAR_ONLY.match(text)
    if m and int(m["y"]) in PERIOD_YEARS:
        return Period(int(m["y"]), "Y", 1)
    return None


def period_words(period: Period) -> str:
    """``1. halvår 2026``, ``3. kvartal 2026``, ``2026``: a period as a person reads it
    (``str(period)``, ``2026-H1``, is the code machines read)."""
    if period.kind == "H":
        return f"{period.number}. halvår {period.year}"
    if period.kind == "Q":
        return f"{period.number}. kvartal {period.year}"
    return f"{period.year}"


def period_text(code: object) -> str:
    """A period's code (``2026-H2``) as a person reads it (``2. halvår 2026``); text that is
    not a period stays as it is, nothing is ``–``."""
    if code is None or code == "":
        return "–"
    period = parse_period(code) if isinstance(code, str | int) else code
    return period_words(period) if isinstance(period, Period) else str(code)


def date_words(day: date, weekday: bool = False) -> str:
    """``30. juli 2026`` (``torsdag den 30. juli 2026``)."""
    text = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} den {text}" if weekday else text
