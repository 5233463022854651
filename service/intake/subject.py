"""Plan reference and period in a mail's subject (or any text): ``[DST-2026] 2026-H1``,
``Opfølgning UFST-2026-2, 1. halvår 2026``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.vocabulary import parse_period

#: an institution code as the API accepts it (``service.domain.common.CODE_RE``): 2–16 letters
#: or digits, in any order
_CODE = r"[A-ZÆØÅ0-9]{2,16}"
#: a bare one must hold a letter: ``2026-2027`` is a span of years and ``06-2026`` a month,
#: not plans; an institution whose code is all digits is found in brackets (``[12-2026]``)
_BARE_CODE = rf"(?=[0-9]*[A-ZÆØÅ]){_CODE}"
_SUFFIX = r"-\d{4}(?:-\d{1,2})?"
_BRACKETED = re.compile(rf"\[\s*({_CODE}{_SUFFIX})\s*\]", re.I)
_BARE = re.compile(rf"(?<![\wÆØÅæøå-])({_BARE_CODE}{_SUFFIX})(?![\wÆØÅæøå]|-\d)")
_PERIOD_LIKE = re.compile(r"^[HQ][1-4]-", re.I)


def find_plan_reference(text: str | None) -> str | None:
    """The first plan reference in the text (upper case), or None, for every institution
    code the API accepts (up to 16 letters and digits).

    A bracketed reference (``[DST-2026]``) wins over a bare one and may be written in any
    case; a bare one must be upper case and its code hold a letter. ``H1-2026`` and
    ``Q3-2026`` are periods, not plans, unless nothing else is one and they are bracketed
    (the plan of an institution coded ``H1``).
    """
    if not text:
        return None
    periods: list[str] = []
    for pattern in (_BRACKETED, _BARE):
        for m in pattern.finditer(text):
            ref = m.group(1)
            if _PERIOD_LIKE.match(ref):
                if pattern is _BRACKETED:
                    periods.append(ref)
                continue
            return ref.upper()
    return periods[0].upper() if periods else None


_ORDINALS = (
    (re.compile(r"\bf(ø|oe|o)rste\s+(halv[åa]r|kvartal)", re.I), r"1. \2"),
    (re.compile(r"\b(andet|anden)\s+(halv[åa]r|kvartal)", re.I), r"2. \2"),
    (re.compile(r"\btredje\s+kvartal", re.I), "3. kvartal"),
    (re.compile(r"\bfjerde\s+kvartal", re.I), "4. kvartal"),
)


def find_period(text: str | None) -> str | None:
    """The period in the text as a code (``2026-H1``), or None. Besides what
    :func:`parse_period` reads, ordinals in words are understood (``første halvår 2026``)."""
    if not text:
        return None
    for pattern, replacement in _ORDINALS:
        text = pattern.sub(replacement, text)
    period = parse_period(text)
    return str(period) if period else None


@dataclass(frozen=True)
class SubjectInfo:
    plan: str | None
    period: str | None


def parse_subject(subject: str | None) -> SubjectInfo:
    """Plan reference and period of a subject; the period is looked for with the plan
    reference removed, so ``DST-2026`` alone is not read as the year 2026."""
    plan = find_plan_reference(subject)
    rest = _without(subject or "", plan) if plan else subject or ""
    return SubjectInfo(plan=plan, period=find_period(rest) or find_period(subject))


def _without(text: str, plan: str) -> str:
    """``text`` with every occurrence of ``plan`` (upper case), in any case, replaced by a
    space: a search of the text in upper case, not a pattern made for each plan (a
    thousand plans' patterns would not stay in ``re``'s cache)."""
    upper = text.upper()
    if len(upper) != len(text):  # a letter whose upper case is longer: by pattern
        return re.sub(re.escape(plan), " ", text, flags=re.I)
    return " ".join(text[i:i + len(part)] for i, part in _pieces(upper, plan))


def _pieces(upper: str, plan: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for part in upper.split(plan):
        out.append((start, part))
        start += len(part) + len(plan)
    return out
