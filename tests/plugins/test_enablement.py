"""Built-ins apply everywhere; a third-party plugin only where it is enabled. Severity
overrides, settings, task types and start-up errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from service.plugins import Finding, TaskTypeDef, hookimpl
from service.plugins.builders import plan_from_dict
from service.plugins.findings import sort_key
from service.plugins.manager import (
    DuplicateTaskTypeError,
    MinistryPlugins,
    PluginManager,
    PluginStartupError,
)
from service.plugins.reports import ParsedReport, ReportRow
from tests.plugins.conftest import TODAY, make_plan, plan_dict, rules_of


class Control:
    """A ministry's own plugin: a task type and a rule for it."""

    @hookimpl
    def mrp_task_types(self) -> list[TaskTypeDef]:
        return [TaskTypeDef("control", "Kontrolopgave")]

    @hookimpl
    def mrp_validate_goal(self, goal: Any, ctx: Any) -> list[Finding]:
        if goal.task_type == "control" and not goal.indicators:
            return [
                Finding(
                    "skm.control-indicator",
                    ctx.setting("severity", "warning"),
                    f"Kontrolmål {goal.code} mangler en indikator.",
                    goal.code,
                )
            ]
        return []


class CsvParser:
    name = "skm-csv"

    def accepts(self, filename: str, content_type: str, head: bytes) -> bool:
        return filename.endswith(".skm")

    def parse(self, data: bytes, filename: str) -> ParsedReport:
        return ParsedReport(rows=(ReportRow(goal="M1", status="grøn"),), format=self.name)


class Parsers:
    @hookimpl
    def mrp_report_parsers(self) -> list[Any]:
        return [CsvParser()]


SKM = MinistryPlugins(ministry="SKM", enabled=frozenset({"skm"}))
FM = MinistryPlugins(ministry="FM")


def control_plan() -> Any:
    data = plan_dict()
    data["goals"].append(
        {
            "code": "M7",
            "title": "Kontrol af selskaber",
            "task_type": "control",
            "goal_type": "output",
            "nature": "qualitative",
            "success_criterion": "x",
            "deadline": "2026-12-31",
        }
    )
    return make_plan(data)


def test_third_party_plugin_applies_only_where_enabled(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    register(Control(), "skm")
    plan = control_plan()
    skm = manager.validate_plan(plan, SKM)
    fm = manager.validate_plan(plan, FM)
    assert [f.rule for f in skm] == ["skm.control-indicator"]
    assert skm[0].plugin == "skm" and skm[0].goal == "M7"
    assert rules_of(fm) == {"goal.types"}  # "control" is not a task type in FM
    assert manager.validate_goal(plan.goal("M7"), plan, SKM)[0].rule == "skm.control-indicator"


def test_plugin_task_type_only_for_enabling_ministries(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    assert list(manager.task_types(FM)) == [
        "operations",
        "project",
        "policy",
        "internal_administration",
    ]
    register(Control(), "skm")
    assert "control" in manager.task_types(SKM)
    assert manager.task_types(SKM)["control"].label == "Kontrolopgave"
    assert "control" not in manager.task_types(FM)
    info = manager.plugin("skm")
    assert info is not None and not info.builtin
    assert info.hooks == ("mrp_task_types", "mrp_validate_goal")
    assert [t.code for t in info.task_types] == ["control"]


def test_registration_is_undone_after_the_test(manager: PluginManager) -> None:
    assert manager.plugin("skm") is None
    assert "control" not in manager.task_types(SKM)


def test_plugin_settings_reach_ctx(manager: PluginManager, register: Callable[..., None]) -> None:
    register(Control(), "skm")
    mp = MinistryPlugins(
        ministry="SKM", enabled=frozenset({"skm"}), settings={"skm": {"severity": "error"}}
    )
    [f] = manager.validate_plan(control_plan(), mp)
    assert f.severity == "error"


def test_severity_override(manager: PluginManager) -> None:
    plan = make_plan(plan_dict(followup_cadence="yearly", top_manager=None))
    plain = {f.rule: f.severity for f in manager.validate_plan(plan, FM)}
    assert plain == {"plan.cadence": "warning", "plan.top-manager": "warning"}
    mp = MinistryPlugins(
        ministry="FM",
        severity_overrides={
            "plan.cadence": "error",
            "plan.top-manager": "off",
            "smart.specific": "bogus",
        },
    )
    found = manager.validate_plan(plan, mp)
    assert [(f.rule, f.severity, f.plugin) for f in found] == [("plan.cadence", "error", "plan")]


def test_override_applies_to_plugin_rules(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    register(Control(), "skm")
    mp = MinistryPlugins(
        ministry="SKM",
        enabled=frozenset({"skm"}),
        severity_overrides={"skm.control-indicator": "info"},
    )
    assert [f.severity for f in manager.validate_plan(control_plan(), mp)] == ["info"]


def test_findings_are_sorted(manager: PluginManager) -> None:
    data = plan_dict(top_manager=None, followup_cadence=None)
    for g in data["goals"]:
        g["deadline"] = None
        g["success_criterion"] = None
    findings = manager.validate_plan(make_plan(data), FM)
    assert findings == sorted(findings, key=sort_key)
    assert findings[0].severity == "error" and findings[-1].severity in ("warning", "info")
    goals = [f.goal for f in findings if f.severity == "error" and f.goal]
    assert goals == sorted(goals, key=lambda c: int(c[1:]))
    assert manager.validate_plan(make_plan(data), FM) == findings


def test_duplicate_task_type_fails_naming_both(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    class Clash:
        @hookimpl
        def mrp_task_types(self) -> list[TaskTypeDef]:
            return [TaskTypeDef("project", "Projekt")]

    with pytest.raises(DuplicateTaskTypeError, match=r"'project'.*'goal_types'.*'clash'"):
        manager.register(Clash(), "clash")
    assert manager.plugin("clash") is None
    register(Control(), "skm")
    with pytest.raises(DuplicateTaskTypeError, match=r"'control'.*'skm'.*'skm2'"):
        manager.register(Control(), "skm2")


@pytest.mark.parametrize(
    "plugin, message",
    [
        (type("Unmarked", (), {"mrp_validate_goal": lambda self, goal: []})(), "not marked"),
        (
            type("Typo", (), {"mrp_validate_goals": hookimpl(lambda self, goal: [])})(),
            "unknown hook",
        ),
        (
            type("BadArg", (), {"mrp_validate_goal": hookimpl(lambda self, gaol: [])})(),
            "cannot be registered",
        ),
        (
            type(
                "Wrapper",
                (),
                {"mrp_validate_goal": hookimpl(wrapper=True)(lambda self, goal: (yield))},
            )(),
            "wrappers are not supported",
        ),
        (
            type("BadTypes", (), {"mrp_task_types": hookimpl(lambda self: ["control"])})(),
            "list of TaskTypeDef",
        ),
    ],
)
def test_invalid_plugins_fail_at_start(
    manager: PluginManager, plugin: object, message: str
) -> None:
    with pytest.raises(PluginStartupError, match=message):
        manager.register(plugin, "bad")
    assert manager.plugin("bad") is None
    assert manager.validate_plan(make_plan(), FM) == []


def test_name_taken(manager: PluginManager) -> None:
    with pytest.raises(PluginStartupError, match="already registered"):
        manager.register(Control(), "smart")


def test_report_parsers_follow_enablement(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    builtin = [p.name for p in manager.report_parsers(None)]
    register(Parsers(), "skm")
    assert [p.name for p in manager.report_parsers(FM)] == builtin
    parsers = manager.report_parsers(SKM)
    assert parsers[0].name == "skm-csv"  # a ministry's own parser is tried first
    assert [p.name for p in parsers[1:]] == builtin
    assert parsers[0].parse(b"", "r.skm").rows[0].goal == "M1"


def test_plugin_listing(manager: PluginManager, register: Callable[..., None]) -> None:
    register(Control(), "skm", version="1.2")
    infos = {i.name: i.to_dict() for i in manager.plugins()}
    assert infos["smart"]["builtin"] and infos["smart"]["hooks"] == ["mrp_validate_goal"]
    assert infos["plan"]["hooks"] == ["mrp_validate_plan"]
    assert infos["followup"]["hooks"] == ["mrp_validate_followup"]
    assert infos["skm"] == {
        "name": "skm",
        "version": "1.2",
        "builtin": False,
        "source": "registered",
        "module": __name__,
        "hooks": ["mrp_task_types", "mrp_validate_goal"],
        "task_types": [{"code": "control", "label": "Kontrolopgave", "description": None}],
        "error": None,
    }
    assert manager.is_builtin("smart") and not manager.is_builtin("skm")
    assert [i.name for i in manager.plugins()][-1] == "skm"  # built-ins first


def test_ctx_carries_the_call(manager: PluginManager, register: Callable[..., None]) -> None:
    seen: list[Any] = []

    class Spy:
        @hookimpl
        def mrp_validate_plan(self, ctx: Any, plan: Any) -> list[Finding]:
            seen.append(ctx)
            return []

    register(Spy(), "spy")
    mp = MinistryPlugins(
        ministry="SKM",
        enabled={"spy", "skm"},  # type: ignore[arg-type]
        settings={"spy": {"limit": 3}},
    )
    manager.validate_plan(make_plan(), mp)
    [ctx] = seen
    assert (ctx.ministry, ctx.today, ctx.plugin) == ("SKM", TODAY, "spy")
    assert ctx.setting("limit", 1) == 3 and ctx.setting("other", "x") == "x"
    assert set(ctx.task_types) == {"operations", "project", "policy", "internal_administration"}
    with pytest.raises(TypeError):
        ctx.settings["limit"] = 4


def test_views_are_read_only(good_plan: Any) -> None:
    with pytest.raises(AttributeError):
        good_plan.title = "x"
    with pytest.raises(AttributeError):
        good_plan.goals[0].indicators[0].target = 1
    assert [g.code for g in good_plan.active_goals] == ["M1", "M2", "M3", "M4", "M5"]
    assert plan_from_dict(plan_dict()) == good_plan
