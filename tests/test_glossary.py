"""The glossary (service/vocabulary/glossary.py): one Danish word per concept. The table in
docs/glossary.md is the same, and no retired synonym is back in the text people read: the
dashboard's templates, the receipts, the reminders, the exports' headers and labels."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from service.domain.models.reviews import DECISIONS
from service.domain.reviews import DECISION_WORDS
from service.vocabulary import RETIRED, TERMS, parse_period, period_text, period_words
from service.vocabulary.field_words import GOAL_FIELD_WORDS, INDICATOR_FIELD_WORDS
from service.vocabulary.glossary import FOLLOWUP_STATUS_WORDS, PLAN_STATUS_WORDS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "service" / "web" / "templates").rglob("*.html"))
#: the modules whose strings a person reads
WRITERS = [
    ROOT / "service" / "vocabulary" / "field_words.py",
    ROOT / "service" / "mail" / "receipts.py",
    ROOT / "service" / "domain" / "status.py",
    ROOT / "service" / "mail" / "reminders.py",
    ROOT / "service" / "mail" / "review_reminders.py",
    *sorted((ROOT / "service" / "exports").glob("*.py")),
    ROOT / "service" / "web" / "labels.py",
    ROOT / "service" / "web" / "changelog.py",
    ROOT / "service" / "web" / "decisions.py",
    ROOT / "service" / "web" / "filters.py",
]
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TAG = re.compile(r"<[^>]*>")


def template_text(path: Path) -> str:
    """What a template shows: without Jinja's code and the HTML tags (and their
    attributes: CSS classes, ids and codes in ``data-`` attributes are no one's reading)."""
    return TAG.sub(" ", JINJA.sub(" ", path.read_text(encoding="utf-8")))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def person_strings(path: Path) -> list[str]:
    """The string constants of a module that are text (not docstrings, not codes such as
    ``"baseline"``: a text has a space, a capital or a Danish letter)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            if " " in text or text[:1].isupper() or re.search("[æøåÆØÅ]", text):
                texts.append(text)
    return texts


def retired_in(text: str) -> list[str]:
    return [s for s in RETIRED
            if re.search(rf"(?<![\wæøå]){re.escape(s)}(?![\wæøå])", text, re.I)]


def test_one_word_per_concept():
    words = [t.word for t in TERMS.values()]
    assert len(words) == len(set(words)), "two concepts share a word"
    # an approved plan and an accepted follow-up are two concepts with two words
    assert PLAN_STATUS_WORDS["approved"] != FOLLOWUP_STATUS_WORDS["accepted"]
    for synonym, concept in RETIRED.items():
        assert synonym not in words, f"{synonym} is retired for {concept} but still a word"


def test_the_documented_table_is_the_glossary():
    doc = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term in TERMS.values():
        assert f"| {term.word} | {term.concept} |" in doc, term.concept
    assert "docs/glossary.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def test_the_words_for_goal_and_indicator_fields_are_the_glossarys():
    """The fields that are glossary concepts carry the glossary's word (the change log, the
    annual report's changes and a change request all read these labels)."""
    goal, indicator = GOAL_FIELD_WORDS, INDICATOR_FIELD_WORDS
    assert goal["deadline"] == TERMS["deadline"].heading
    assert goal["status"] == TERMS["status"].heading
    assert goal["weight"] == f"{TERMS['weight'].heading} ({TERMS['points'].word})"
    assert goal["indicators"] == _capital(TERMS["indicator"].plural)
    assert goal["milestones"] == _capital(TERMS["milestone"].plural)
    assert goal["code"].startswith(f"{TERMS['goal'].heading}-")
    assert goal["withdrawn_reason"].endswith(f"målet er {TERMS['withdrawn goal'].word}")
    assert indicator["name"] == TERMS["indicator"].heading
    assert indicator["baseline"] == TERMS["baseline"].heading
    assert indicator["baseline_year"].startswith(TERMS["baseline"].heading)
    assert indicator["target"] == TERMS["target"].heading
    for words in (goal, indicator):
        assert all(retired_in(w) == [] for w in words.values()), words


def test_the_departments_decisions_are_the_glossarys_words():
    assert set(DECISION_WORDS) == set(DECISIONS)
    assert DECISION_WORDS["acknowledged"] == TERMS["acknowledged follow-up"].heading
    assert DECISION_WORDS["returned"] == (f"{TERMS['returned follow-up'].heading} til "
                                          f"{TERMS['institution'].definite}")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_retired_synonym_in_a_template(path):
    assert retired_in(template_text(path)) == []


@pytest.mark.parametrize("path", WRITERS, ids=lambda p: p.name)
def test_no_retired_synonym_in_receipts_reminders_exports(path):
    found = {s: text for text in person_strings(path) for s in retired_in(text)}
    assert found == {}


def test_the_scan_finds_a_retired_synonym():
    assert retired_in("Planens udkast og dens delmål") == ["udkast", "delmål"]
    assert retired_in("Baseline") == ["baseline"]
    assert retired_in("baselines") == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_rule_codes_only_in_a_tooltip(path):
    """A finding's rule code is shown in a ``title`` (or kept in a ``data-`` attribute),
    never in the page's text."""
    source = path.read_text(encoding="utf-8")
    for match in re.finditer(r"\{\{\s*\w+\.rule\s*\}\}", source):
        before = source[max(0, match.start() - 40):match.start()]
        assert re.search(r'(title="[^"]*|data-rule=")$', before), (path.name, before)


def test_period_words_and_codes():
    assert period_words(parse_period("2026-H1")) == "1. halvår 2026"
    assert period_words(parse_period("2026-Q3")) == "3. kvartal 2026"
    assert period_words(parse_period("2026")) == "2026"
    assert period_text("2026-H2") == "2. halvår 2026"
    assert period_text(None) == "–" and period_text("sidste år") == "sidste år"
    # what a person reads, a machine reads back
    for code in ("2026-H1", "2026-Q3", "2026"):
        assert str(parse_period(period_words(parse_period(code)))) == code
