"""The result of one rule: :class:`Finding`, and how findings are ordered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.vocabulary import Severity, natural_key

SEVERITIES: frozenset[str] = frozenset(s.value for s in Severity)
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on a plan, a goal or a follow-up.

    ``rule`` is a code such as ``smart.time-bound`` (a plugin's own rules are prefixed with
    its name, ``skm.control-coverage``); ``severity`` is ``error``, ``warning`` or ``info``;
    ``message`` is Danish and tells the institution what to change; ``goal`` is the code of
    the goal the finding concerns (None for the plan or report as a whole). ``plugin`` is
    filled in by the plugin manager with the name of the plugin that made the finding.
    """

    rule: str
    severity: str
    message: str
    goal: str | None = None
    plugin: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of error, warning, info, not {self.severity!r}")
        if not isinstance(self.rule, str) or not self.rule:
            raise ValueError("rule must be a non-empty string")
        if not isinstance(self.message, str) or not self.message:
            raise ValueError("message must be a non-empty string")

    def to_dict(self) -> dict[str, Any]:
        """The API's shape: ``{"rule", "severity", "goal", "plugin", "message"}``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "goal": self.goal,
            "plugin": self.plugin,
            "message": self.message,
        }


def sort_key(finding: Finding) -> tuple[Any, ...]:
    """Deterministic order: severity (errors first), goal, rule, plugin, message."""
    return (
        SEVERITY_RANK[finding.severity],
        finding.goal is not None,
        natural_key(finding.goal),  # plan-level findings first, then M2 before M10
        finding.rule,
        finding.plugin or "",
        finding.message,
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Sort in place and return the list (see :func:`sort_key`)."""
    findings.sort(key=sort_key)
    return findings


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    """``{"error": n, "warning": n, "info": n}`` — the API's ``counts``."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity] += 1
    return counts
