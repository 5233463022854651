"""The annual report's section of a plan's changes during the year (*Ændringer i løbet af
året*): each change made to a goal after the plan's approval and decided in the year, with
the goal, what changed (Danish lines, old → new, :mod:`service.exports.change_words`), the
day and the reason; as rows of text, and as the section of the Markdown and the HTML report
(:mod:`service.exports.annual_report`; the Word document, :mod:`service.exports.word`, reads
the same rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from service.domain.changes import year_changes
from service.domain.models import Plan
from service.exports.change_words import change_lines
from service.exports.sheets import cell_text
from service.vocabulary import date_words

CHANGES_HEADING = "Ændringer i løbet af året"
CHANGES_INTRO = "Planens mål er ændret i {year} efter godkendelsen:"
CHANGE_COLUMNS = ("Mål", "Ændring", "Dato", "Begrundelse")


@dataclass(frozen=True)
class ChangeResult:
    """One change made to a goal during the year: what changed (Danish lines, old → new),
    when, and why."""

    goal: str
    lines: list[str]
    day: date
    reason: str | None


def plan_changes(plan: Plan, year: int) -> list[ChangeResult]:
    """The changes to ``plan``'s goals decided in ``year``, in the order they were made."""
    results = []
    for change in year_changes(plan, year):
        assert change.decided_at is not None
        title = (change.after or {}).get("title") or (change.goal.title if change.goal else "")
        results.append(ChangeResult(
            goal=f"{change.goal_code or ''} {title}".strip(),
            lines=change_lines(change.before, change.after, change.kind),
            day=change.decided_at.date(), reason=change.reason,
        ))
    return results


def change_texts(change: ChangeResult) -> tuple[str, ...]:
    """A change's row as text (not yet neutralised for a workbook); what changed one line
    per thing."""
    return (change.goal, "\n".join(change.lines), date_words(change.day), change.reason or "")


def change_cells(change: ChangeResult) -> tuple[str, ...]:
    """A change's cells, each text from people neutralised as in a workbook."""
    return tuple(cell_text(c) for c in change_texts(change))


def markdown_section(changes: Sequence[ChangeResult], year: int,
                     cell: Callable[[str], str]) -> list[str]:
    """The section's Markdown lines (none without changes); ``cell`` writes a cell."""
    if not changes:
        return []
    return [
        f"### {CHANGES_HEADING}", "", CHANGES_INTRO.format(year=year), "",
        "| " + " | ".join(CHANGE_COLUMNS) + " |",
        "|" + ":---|" * len(CHANGE_COLUMNS),  # not ``---``: a dash begins a formula
        *("| " + " | ".join(cell(c) for c in change_cells(change)) + " |"
          for change in changes),
        "",
    ]


def html_section(changes: Sequence[ChangeResult], year: int,
                 text: Callable[[str], str]) -> list[str]:
    """The section's HTML (none without changes); ``text`` escapes a text."""
    if not changes:
        return []
    return [
        f"<h3>{CHANGES_HEADING}</h3>",
        f"<p>{text(CHANGES_INTRO.format(year=year))}</p>",
        "<table>",
        "<thead><tr>" + "".join(f"<th>{c}</th>" for c in CHANGE_COLUMNS) + "</tr></thead>",
        "<tbody>",
        *("<tr>" + "".join(f"<td>{text(c)}</td>" for c in change_cells(change)) + "</tr>"
          for change in changes),
        "</tbody>",
        "</table>",
    ]
