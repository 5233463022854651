"""The manager knows the hooks from their specifications alone: a hook added to
hookspecs.py is registered, listed, bound by argument name, isolated and subject to
enablement without a line of the manager naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.plugins import Finding, hookimpl, hookspecs
from service.plugins.hooks import HOOK_NAMES, spec_manager, specified
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from service.plugins.markers import hookspec
from service.plugins.views import IndicatorView
from tests.plugins.conftest import TODAY, make_plan, plan_dict

INDICATOR = IndicatorView(name="Sagsbehandlingstid", unit=None, target=30, direction="decrease")
SKM = MinistryPlugins(ministry="SKM", enabled=frozenset({"units", "broken"}))


@hookspec
def mrp_validate_indicator(indicator: Any, goal: Any, ctx: Any) -> list[Finding]:
    """Check one indicator of a goal (a hook that exists only in this test)."""


class Units:
    @hookimpl
    def mrp_validate_indicator(self, ctx: Any, indicator: Any) -> list[Finding]:
        if indicator.unit is None:
            return [Finding("units.missing", ctx.setting("severity", "warning"), "Angiv en enhed.")]
        return []


class Broken:
    @hookimpl
    def mrp_validate_indicator(self, indicator: Any) -> list[Finding]:
        raise RuntimeError("boom")


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginManager]:
    monkeypatch.setattr(hookspecs, "mrp_validate_indicator", mrp_validate_indicator, raising=False)
    pm = build_plugin_manager(entry_points=False, timeout=1.0, clock=lambda: TODAY)
    yield pm
    pm.close()


def check(pm: PluginManager, mp: MinistryPlugins) -> list[Finding]:
    goal = make_plan().goal("M1")
    return pm.validate(
        "mrp_validate_indicator", mp, what="an indicator", indicator=INDICATOR, goal=goal
    )


def test_a_new_specification_is_a_new_hook(manager: PluginManager) -> None:
    spec = manager.hooks["mrp_validate_indicator"]
    assert spec.argnames == ("indicator", "goal", "ctx") and spec.item is Finding
    assert list(manager.hooks)[: len(HOOK_NAMES)] == list(HOOK_NAMES)
    info = manager.register(Units(), "units")
    assert info.hooks == ("mrp_validate_indicator",)


def test_a_new_hook_is_called_by_name_with_enablement_and_settings(
    manager: PluginManager,
) -> None:
    manager.register(Units(), "units")
    assert check(manager, MinistryPlugins(ministry="FM")) == []
    mp = MinistryPlugins(
        ministry="SKM", enabled=frozenset({"units"}), settings={"units": {"severity": "error"}}
    )
    [found] = check(manager, mp)
    assert (found.rule, found.severity, found.plugin) == ("units.missing", "error", "units")
    off = MinistryPlugins(
        ministry="SKM", enabled=frozenset({"units"}), severity_overrides={"units.missing": "off"}
    )
    assert check(manager, off) == []


def test_a_new_hook_is_isolated(manager: PluginManager) -> None:
    manager.register(Broken(), "broken")
    manager.register(Units(), "units")
    findings = check(manager, SKM)
    assert [(f.rule, f.plugin) for f in findings] == [
        ("plugin.failed", "broken"),
        ("units.missing", "units"),
    ]


def test_only_hooks_that_return_findings_are_validations(manager: PluginManager) -> None:
    with pytest.raises(ValueError, match="does not return findings"):
        manager.validate("mrp_report_parsers", SKM, what="x", limits=manager.report_limits)


def test_the_hooks_are_the_specifications_in_their_order() -> None:
    assert HOOK_NAMES == (
        "mrp_task_types",
        "mrp_validate_plan",
        "mrp_validate_goal",
        "mrp_validate_followup",
        "mrp_report_parsers",
    )
    hooks = specified(spec_manager())
    assert hooks["mrp_validate_goal"].argnames == ("goal", "plan", "ctx")
    assert hooks["mrp_report_parsers"].item.__name__ == "ReportParser"


def test_the_calls_follow_the_specifications_argument_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Implementations are bound by argument name: with the goal hook's arguments in another
    order, every plugin still gets what it names, and the findings are the same."""
    data = plan_dict(top_manager=None)
    data["goals"][0]["deadline"] = None
    plan = make_plan(data)
    mp = MinistryPlugins(ministry="SKM", enabled=frozenset({"broken"}))

    class Raising:
        @hookimpl
        def mrp_validate_goal(self, goal: Any) -> list[Finding]:
            if goal.code == "M3":
                raise RuntimeError("boom")
            return []

    def findings() -> tuple[list[Finding], list[Finding]]:
        pm = build_plugin_manager(entry_points=False, timeout=None, clock=lambda: TODAY)
        pm.register(Raising(), "broken")
        return pm.validate_plan(plan, mp), pm.validate_goal(plan.goal("M1"), plan, mp)

    expected = findings()
    assert any(f.rule == "plugin.failed" and "ved mål M3" in f.message for f in expected[0])

    @hookspec
    def mrp_validate_goal(ctx: Any, plan: Any, goal: Any) -> list[Finding]:
        """The goal hook with its arguments reversed."""

    monkeypatch.setattr(hookspecs, "mrp_validate_goal", mrp_validate_goal)
    assert specified(spec_manager())["mrp_validate_goal"].argnames == ("ctx", "plan", "goal")
    assert findings() == expected
