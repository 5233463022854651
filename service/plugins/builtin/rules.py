"""The catalogue of built-in rules (DESIGN section 5): code, default severity, plugin and a
one-line description, and :func:`finding` to make a finding with the default severity."""

from __future__ import annotations

from dataclasses import dataclass

from service.plugins.findings import Finding


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: str
    plugin: str
    summary: str


_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("plan.no-goals", "error", "plan", "a plan has at least one active goal"),
    ("plan.period", "error", "plan", "period start ≤ end; every goal deadline inside it"),
    ("plan.too-many-goals", "warning", "plan", "more active goals than max_goals (8)"),
    ("plan.top-manager", "warning", "plan", "no top manager named"),
    ("plan.cadence", "warning", "plan", "no cadence, or less often than half-yearly"),
    ("plan.no-effect-goal", "info", "plan", "no effect goal"),
    ("plan.admin-heavy", "warning", "plan", "more internal-administration than core goals"),
    ("goal.types", "error", "goal_types", "task type, goal type and nature are known codes"),
    ("effect.baseline", "warning", "goal_types", "an effect goal's indicator has no baseline"),
    (
        "activity.assumed-effect",
        "info",
        "goal_types",
        "a quantitative activity goal: state the effect it is assumed to drive",
    ),
    (
        "indicator.incomplete",
        "error",
        "indicators",
        "a quantitative indicator without unit, target or direction",
    ),
    ("smart.specific", "warning", "smart", "no success criterion"),
    ("smart.measurable", "error", "smart", "no indicator, milestone or success criterion"),
    ("smart.time-bound", "error", "smart", "no deadline"),
    ("smart.ambitious", "warning", "smart", "a target already met by the baseline"),
    ("operations.measurable", "error", "operations", "no quantitative indicator"),
    ("operations.goal-type", "warning", "operations", "not an output, effect or quality goal"),
    ("project.end", "error", "project", "a project goal without deadline"),
    ("project.milestones", "warning", "project", "a project goal without milestones"),
    ("project.milestone-outside", "error", "project", "a milestone due outside the goal's span"),
    ("policy.goal-type", "warning", "policy", "a policy goal of type output or effect"),
    ("policy.qualitative-criterion", "warning", "policy", "no qualitative success criterion"),
    (
        "internal_administration.measurable",
        "warning",
        "internal_administration",
        "no indicator with a baseline",
    ),
    ("followup.unknown-goal", "error", "followup", "a row names a goal the plan does not have"),
    ("followup.duplicate-goal", "error", "followup", "two rows name the same goal"),
    ("followup.missing-goal", "error", "followup", "an active goal has no row"),
    (
        "followup.status",
        "error",
        "followup",
        "unknown status, progress outside 0–100, or a value that is not a number",
    ),
    ("followup.period", "error", "followup", "a period that does not fit the plan"),
    ("followup.plan-state", "error", "followup", "the plan is not approved, or closed"),
    ("followup.explain", "warning", "followup", "a status that needs a comment has none"),
    ("followup.value-missing", "warning", "followup", "a quantitative goal without a value"),
    ("followup.policy-comment", "error", "followup", "a policy goal without a comment"),
    ("followup.milestone-overdue", "warning", "followup", "on track with an overdue milestone"),
    ("followup.late", "info", "followup", "received after the period's deadline"),
    (
        "followup.status-disagrees",
        "warning",
        "followup",
        "the reported status is two or more steps more optimistic than the computed one",
    ),
)

RULES: dict[str, Rule] = {code: Rule(code, sev, plugin, text) for code, sev, plugin, text in _TABLE}


def finding(rule: str, message: str, goal: str | None = None) -> Finding:
    """A finding of a built-in rule with its default severity and its plugin's name."""
    spec = RULES[rule]
    return Finding(rule, spec.severity, message, goal, spec.plugin)
