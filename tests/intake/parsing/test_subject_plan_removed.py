"""The plan reference taken out of a subject before its period is looked for: a search of
the subject in upper case, which must remove what the pattern of the plan in any case did."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from service.intake.subject import _without, parse_subject

LETTERS = "abcdeøæåÆØÅDST-0123456789 []:."


@given(st.text(alphabet=LETTERS, max_size=60),
       st.sampled_from(["DST-2026", "ÆØÅ-2026-2", "A1-2027"]))
def test_the_plan_is_removed_in_any_case_as_the_pattern_removed_it(text: str, plan: str) -> None:
    mixed = text + " " + plan.lower() + text + plan
    assert _without(mixed, plan) == re.sub(re.escape(plan), " ", mixed, flags=re.I)


def test_a_letter_whose_upper_case_is_longer_is_searched_by_pattern() -> None:
    subject = "Straße [dst-2026] Opfølgning 1. halvår 2026"
    assert _without(subject, "DST-2026") == "Straße [ ] Opfølgning 1. halvår 2026"
    assert parse_subject(subject).period == "2026-H1"


def test_the_plans_year_is_not_read_as_the_period() -> None:
    assert parse_subject("[dst-2026] Opfølgning").period is None
    assert parse_subject("[dst-2026] Opfølgning 2. halvår 2026").period == "2026-H2"
