"""Every built-in rule fires on a plan, goal or report that breaks it, with the goal it
concerns and a Danish message, and is silent on the good plan and report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from service.plugins.builtin.rules import RULES
from service.plugins.manager import MinistryPlugins, PluginManager
from tests.plugins.conftest import (
    GOOD_ROWS,
    make_followup,
    make_plan,
    plan_dict,
    rules_of,
)

Mutation = Callable[[dict[str, Any]], None]


def goal(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(g for g in data["goals"] if g["code"] == code)


def set_goal(code: str, **changes: Any) -> Mutation:
    return lambda data: goal(data, code).update(changes)


def set_plan(**changes: Any) -> Mutation:
    return lambda data: data.update(changes)


def set_indicator(code: str, **changes: Any) -> Mutation:
    return lambda data: goal(data, code)["indicators"][0].update(changes)


def many_goals(count: int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for n in range(count):
            extra = dict(goal(data, "M1"), code=f"M{10 + n}")
            data["goals"].append(extra)

    return mutate


def admin_heavy(data: dict[str, Any]) -> None:
    for g in data["goals"]:
        if g["code"] in ("M1", "M2", "M3"):
            g.update(task_type="internal_administration")


def no_effect(data: dict[str, Any]) -> None:
    goal(data, "M4")["goal_type"] = "output"


def withdraw_all(data: dict[str, Any]) -> None:
    for g in data["goals"]:
        g["status"] = "withdrawn"


def milestone_outside(data: dict[str, Any]) -> None:
    goal(data, "M2")["milestones"].append(
        {"title": "Efterevaluering", "due_date": "2027-09-01", "done": False}
    )


# (case id, rule, mutation, goal the finding concerns)
PLAN_CASES: list[tuple[str, str, Mutation, str | None]] = [
    ("no-goals", "plan.no-goals", withdraw_all, None),
    ("period-reversed", "plan.period", set_plan(period_start=2028), None),
    ("deadline-outside", "plan.period", set_goal("M3", deadline="2028-03-31"), "M3"),
    ("too-many", "plan.too-many-goals", many_goals(4), None),
    ("no-top-manager", "plan.top-manager", set_plan(top_manager=None), None),
    ("blank-top-manager", "plan.top-manager", set_plan(top_manager={"name": " "}), None),
    ("no-cadence", "plan.cadence", set_plan(followup_cadence=None), None),
    ("yearly", "plan.cadence", set_plan(followup_cadence="yearly"), None),
    ("no-effect", "plan.no-effect-goal", no_effect, None),
    ("admin-heavy", "plan.admin-heavy", admin_heavy, None),
    ("task-type", "goal.types", set_goal("M1", task_type="drift"), "M1"),
    ("goal-type", "goal.types", set_goal("M1", goal_type="resultat"), "M1"),
    ("nature", "goal.types", set_goal("M1", nature="numerisk"), "M1"),
    ("specific", "smart.specific", set_goal("M3", success_criterion=" "), "M3"),
    ("measurable", "smart.measurable", set_goal("M3", success_criterion=None), "M3"),
    ("time-bound", "smart.time-bound", set_goal("M1", deadline=None), "M1"),
    ("ambitious-decrease", "smart.ambitious", set_indicator("M1", target=41), "M1"),
    ("ambitious-increase", "smart.ambitious", set_indicator("M4", target=90), "M4"),
    (
        "ambitious-no-direction",
        "smart.ambitious",
        set_indicator("M5", direction=None, target=8.5),
        "M5",
    ),
    ("no-unit", "indicator.incomplete", set_indicator("M1", unit=None), "M1"),
    ("no-target", "indicator.incomplete", set_indicator("M4", target=None), "M4"),
    ("no-direction", "indicator.incomplete", set_indicator("M5", direction=None), "M5"),
    ("effect-baseline", "effect.baseline", set_indicator("M4", baseline=None), "M4"),
    (
        "assumed-effect",
        "activity.assumed-effect",
        set_goal(
            "M1",
            goal_type="activity",
            task_type="project",
            milestones=[{"title": "Start", "due_date": "2026-03-01"}],
        ),
        "M1",
    ),
    ("operations-measurable", "operations.measurable", set_goal("M1", indicators=[]), "M1"),
    (
        "operations-qualitative",
        "operations.measurable",
        set_goal("M1", nature="qualitative", indicators=[{"name": "Tilfredshed", "unit": "skala"}]),
        "M1",
    ),
    ("operations-goal-type", "operations.goal-type", set_goal("M1", goal_type="activity"), "M1"),
    ("project-end", "project.end", set_goal("M2", deadline=None), "M2"),
    ("project-milestones", "project.milestones", set_goal("M2", milestones=[]), "M2"),
    ("milestone-outside", "project.milestone-outside", milestone_outside, "M2"),
    (
        "milestone-before",
        "project.milestone-outside",
        set_goal("M2", milestones=[{"title": "Forstudie", "due_date": "2025-11-01"}]),
        "M2",
    ),
    ("policy-output", "policy.goal-type", set_goal("M3", goal_type="output"), "M3"),
    ("policy-effect", "policy.goal-type", set_goal("M3", goal_type="effect"), "M3"),
    (
        "policy-no-criterion",
        "policy.qualitative-criterion",
        set_goal("M3", success_criterion=None, milestones=[{"title": "x"}]),
        "M3",
    ),
    (
        "policy-quantitative",
        "policy.qualitative-criterion",
        set_goal("M3", nature="quantitative"),
        "M3",
    ),
    (
        "admin-no-indicator",
        "internal_administration.measurable",
        set_goal("M5", indicators=[]),
        "M5",
    ),
    (
        "admin-no-baseline",
        "internal_administration.measurable",
        set_indicator("M5", baseline=None),
        "M5",
    ),
]


def test_good_plan_has_no_findings(manager: PluginManager, mp: MinistryPlugins) -> None:
    assert manager.validate_plan(make_plan(), mp) == []


@pytest.mark.parametrize(
    ("rule", "mutate", "goal_code"), [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES]
)
def test_plan_rule_fires(
    manager: PluginManager, mp: MinistryPlugins, rule: str, mutate: Mutation, goal_code: str | None
) -> None:
    data = plan_dict()
    mutate(data)
    findings = [f for f in manager.validate_plan(make_plan(data), mp) if f.rule == rule]
    assert findings, f"{rule} did not fire"
    assert any(f.goal == goal_code for f in findings)
    for f in findings:
        assert f.severity == RULES[rule].severity
        assert f.plugin == RULES[rule].plugin
        assert any(c in f.message for c in "æøå") or "Angiv" in f.message or "Tilføj" in f.message
        if f.goal:
            assert f.goal in f.message


def test_message_tells_what_to_change(manager: PluginManager, mp: MinistryPlugins) -> None:
    data = plan_dict()
    set_goal("M2", milestones=[])(data)
    [f] = [f for f in manager.validate_plan(make_plan(data), mp) if f.rule == "project.milestones"]
    assert f.message == (
        "Mål M2 har ingen milepæle. Tilføj milepæle, så fremdriften i projektet kan følges."
    )


def test_too_many_goals_threshold_is_a_setting(manager: PluginManager) -> None:
    plan = make_plan()
    mp = MinistryPlugins(ministry="SKM", settings={"plan": {"max_goals": "4"}})
    assert "plan.too-many-goals" in rules_of(manager.validate_plan(plan, mp))
    mp = MinistryPlugins(ministry="SKM", settings={"plan": {"max_goals": 5}})
    assert "plan.too-many-goals" not in rules_of(manager.validate_plan(plan, mp))


def test_assumed_effect_is_silent_when_the_effect_is_described(
    manager: PluginManager, mp: MinistryPlugins
) -> None:
    data = plan_dict()
    set_goal(
        "M1",
        goal_type="activity",
        task_type="project",
        milestones=[{"title": "Start", "due_date": "2026-03-01"}],
        description="Aktiviteten forventes at give en effekt på svartiden.",
    )(data)
    assert "activity.assumed-effect" not in rules_of(manager.validate_plan(make_plan(data), mp))


def test_withdrawn_goals_are_not_validated(manager: PluginManager, mp: MinistryPlugins) -> None:
    plan = make_plan()
    withdrawn = plan.goal("M6")
    assert withdrawn is not None and withdrawn.status == "withdrawn"
    assert manager.validate_goal(withdrawn, plan, mp) == []
    assert all(f.goal != "M6" for f in manager.validate_plan(plan, mp))


def test_validate_goal_runs_goal_rules_only(manager: PluginManager, mp: MinistryPlugins) -> None:
    data = plan_dict(top_manager=None)
    set_goal("M1", deadline=None)(data)
    plan = make_plan(data)
    findings = manager.validate_goal(plan.goals[0], plan, mp)
    assert rules_of(findings) == {"smart.time-bound"}
    assert findings[0].goal == "M1"


# -- follow-up rules ------------------------------------------------------------------------


def rows(**by_goal: dict[str, Any]) -> list[dict[str, Any]]:
    """The good rows, with changes per goal (None removes the row)."""
    out = []
    for row in GOOD_ROWS:
        change = by_goal.get(row["goal"], {})
        if change is None:
            continue
        out.append({**row, **change})
    return out


FOLLOWUP_CASES: list[tuple[str, str, dict[str, Any], str | None]] = [
    (
        "unknown-goal",
        "followup.unknown-goal",
        {"rows": [*GOOD_ROWS, {"goal": "M9", "status": "grøn"}]},
        "M9",
    ),
    (
        "duplicate-goal",
        "followup.duplicate-goal",
        {"rows": [*GOOD_ROWS, {"goal": "m1", "status": "grøn", "value": 3}]},
        "M1",
    ),
    ("missing-goal", "followup.missing-goal", {"rows": rows(M4=None)}, "M4"),
    ("unknown-status", "followup.status", {"rows": rows(M1={"status": "blå"})}, "M1"),
    ("missing-status", "followup.status", {"rows": rows(M1={"status": ""})}, "M1"),
    ("progress-range", "followup.status", {"rows": rows(M1={"progress": 120})}, "M1"),
    ("progress-negative", "followup.status", {"rows": rows(M2={"progress": "-5"})}, "M2"),
    ("progress-nan", "followup.status", {"rows": rows(M2={"progress": "halvvejs"})}, "M2"),
    ("value-nan", "followup.status", {"rows": rows(M1={"value": "ca. 35"})}, "M1"),
    ("period-cadence", "followup.period", {"period": "2026-Q1"}, None),
    ("period-years", "followup.period", {"period": "2028-H1"}, None),
    ("period-garbage", "followup.period", {"period": "forår"}, None),
    ("plan-draft", "followup.plan-state", {"plan": {"status": "draft"}}, None),
    ("plan-closed", "followup.plan-state", {"plan": {"status": "closed"}}, None),
    ("explain-at-risk", "followup.explain", {"rows": rows(M4={"comment": " "})}, "M4"),
    (
        "explain-not-achieved",
        "followup.explain",
        {"rows": rows(M5={"status": "Ikke opfyldt"})},
        "M5",
    ),
    ("value-missing", "followup.value-missing", {"rows": rows(M1={"value": None})}, "M1"),
    ("policy-comment", "followup.policy-comment", {"rows": rows(M3={"comment": None})}, "M3"),
    (
        "milestone-overdue",
        "followup.milestone-overdue",
        {"period": "2026-H2", "received": (2026, 12, 20)},
        "M2",
    ),
    ("late", "followup.late", {"received": (2026, 8, 15)}, None),
    ("status-disagrees", "followup.status-disagrees", {"computed": {"M1": "off_track"}}, "M1"),
]


def run_followup(manager: PluginManager, mp: MinistryPlugins, case: dict[str, Any]) -> list[Any]:
    from datetime import date

    plan = make_plan(plan_dict(**case.get("plan", {})))
    received = date(*case["received"]) if "received" in case else date(2026, 7, 15)
    followup = make_followup(
        case.get("rows"), period=case.get("period", "2026-H1"), received=received
    )
    if "computed" in case:  # the status the service computed, as it passes it on
        from dataclasses import replace

        followup = replace(followup, goals=tuple(
            replace(row, computed_status=case["computed"].get(row.goal)) for row in followup.goals
        ))
    return manager.validate_followup(followup, plan, mp)


def test_good_followup_has_no_findings(manager: PluginManager, mp: MinistryPlugins) -> None:
    assert run_followup(manager, mp, {}) == []


@pytest.mark.parametrize(
    ("rule", "case", "goal_code"),
    [c[1:] for c in FOLLOWUP_CASES],
    ids=[c[0] for c in FOLLOWUP_CASES],
)
def test_followup_rule_fires(
    manager: PluginManager,
    mp: MinistryPlugins,
    rule: str,
    case: dict[str, Any],
    goal_code: str | None,
) -> None:
    findings = [f for f in run_followup(manager, mp, case) if f.rule == rule]
    assert findings, f"{rule} did not fire"
    assert any(f.goal == goal_code for f in findings)
    for f in findings:
        assert f.severity == RULES[rule].severity
        assert f.plugin == "followup"


def test_followup_grace_days_is_a_setting(manager: PluginManager) -> None:
    mp = MinistryPlugins(ministry="SKM", settings={"followup": {"grace_days": 60}})
    assert "followup.late" not in rules_of(run_followup(manager, mp, {"received": (2026, 8, 15)}))
    mp = MinistryPlugins(ministry="SKM", settings={"followup": {"grace_days": 10}})
    assert "followup.late" in rules_of(run_followup(manager, mp, {"received": (2026, 7, 15)}))


def test_withdrawn_goal_is_not_required_in_reports(
    manager: PluginManager, mp: MinistryPlugins
) -> None:
    findings = run_followup(manager, mp, {"rows": [*GOOD_ROWS, {"goal": "M6", "status": "x"}]})
    assert findings == []


def test_overdue_milestone_that_is_done_is_fine(
    manager: PluginManager, mp: MinistryPlugins
) -> None:
    data = plan_dict()
    goal(data, "M2")["milestones"][1]["done"] = True
    followup = make_followup(period="2026-H2")
    findings = manager.validate_followup(followup, make_plan(data), mp, today=None)
    assert "followup.milestone-overdue" not in rules_of(findings)


def test_every_table_rule_is_tested() -> None:
    tested = {c[1] for c in PLAN_CASES} | {c[1] for c in FOLLOWUP_CASES}
    assert tested == set(RULES)


def test_rule_catalogue_matches_the_design() -> None:
    design = {
        "plan.no-goals": "error",
        "plan.period": "error",
        "plan.too-many-goals": "warning",
        "plan.top-manager": "warning",
        "plan.cadence": "warning",
        "plan.no-effect-goal": "info",
        "plan.admin-heavy": "warning",
        "goal.types": "error",
        "smart.specific": "warning",
        "smart.measurable": "error",
        "smart.time-bound": "error",
        "smart.ambitious": "warning",
        "indicator.incomplete": "error",
        "effect.baseline": "warning",
        "activity.assumed-effect": "info",
        "operations.measurable": "error",
        "operations.goal-type": "warning",
        "project.end": "error",
        "project.milestones": "warning",
        "project.milestone-outside": "error",
        "policy.goal-type": "warning",
        "policy.qualitative-criterion": "warning",
        "internal_administration.measurable": "warning",
        "followup.unknown-goal": "error",
        "followup.missing-goal": "error",
        "followup.status": "error",
        "followup.period": "error",
        "followup.plan-state": "error",
        "followup.explain": "warning",
        "followup.value-missing": "warning",
        "followup.policy-comment": "error",
        "followup.milestone-overdue": "warning",
        "followup.late": "info",
        "followup.status-disagrees": "warning",
    }
    for code, severity in design.items():
        assert RULES[code].severity == severity, code
