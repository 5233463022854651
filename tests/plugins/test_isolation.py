"""A plugin that raises, hangs or returns garbage yields one ``plugin.failed`` finding and
hides nothing else."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from service.plugins import Finding, hookimpl
from service.plugins.manager import MinistryPlugins, PluginManager, build_plugin_manager
from tests.plugins.conftest import TODAY, make_followup, make_plan, plan_dict

SKM = MinistryPlugins(ministry="SKM", enabled=frozenset({"broken", "later"}))


class Raising:
    @hookimpl
    def mrp_validate_goal(self, goal: Any) -> list[Finding]:
        if goal.code == "M3":
            raise RuntimeError("boom")
        return [Finding("broken.checked", "info", "Kontrolleret.", goal.code)]


class Hanging:
    def __init__(self, release: threading.Event) -> None:
        self.release = release

    @hookimpl
    def mrp_validate_plan(self, plan: Any) -> list[Finding]:
        self.release.wait(10)
        return []

    @hookimpl
    def mrp_validate_followup(self, followup: Any) -> list[Finding]:
        self.release.wait(10)
        return []


class Later:
    """Registered after the failing plugin: its findings must survive."""

    @hookimpl
    def mrp_validate_plan(self, plan: Any) -> list[Finding]:
        return [Finding("later.seen", "info", "Set af en senere kontrol.")]

    @hookimpl
    def mrp_validate_followup(self, followup: Any) -> list[Finding]:
        return [Finding("later.seen", "info", "Set af en senere kontrol.")]


def garbage(value: object) -> object:
    class Garbage:
        @hookimpl
        def mrp_validate_plan(self, plan: Any, ctx: Any) -> object:
            return value

        @hookimpl
        def mrp_validate_followup(self, followup: Any, plan: Any, ctx: Any) -> object:
            return value

    return Garbage()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # let abandoned threads finish


@pytest.fixture
def fast_manager() -> Iterator[PluginManager]:
    pm = build_plugin_manager(entry_points=False, timeout=0.2, clock=lambda: TODAY)
    yield pm
    pm.close()


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == "plugin.failed"]


def builtin_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.plugin not in ("broken", "later")]


def flawed_plan() -> Any:
    data = plan_dict(top_manager=None)
    data["goals"][0]["deadline"] = None
    return make_plan(data)


def check(findings: list[Finding], baseline: list[Finding], reason: str) -> None:
    [failed] = failures(findings)
    assert failed.plugin == "broken" and failed.severity == "error"
    assert "»broken«" in failed.message and reason in failed.message
    assert builtin_findings(findings) == baseline
    assert any(f.rule == "later.seen" and f.plugin == "later" for f in findings)


def test_raising_plugin(
    manager: PluginManager, register: Callable[..., None], plugin_log: pytest.LogCaptureFixture
) -> None:
    plan = flawed_plan()
    baseline = manager.validate_plan(plan, SKM)
    assert baseline  # the built-ins do find something
    register(Raising(), "broken")
    register(Later(), "later")
    findings = manager.validate_plan(plan, SKM)
    check(findings, baseline, "stoppede med en fejl")
    assert "ved mål M3" in failures(findings)[0].message
    assert not any(f.rule == "broken.checked" for f in findings)  # a failed plugin is void
    assert "plugin broken failed" in plugin_log.text and "boom" in plugin_log.text


@pytest.mark.parametrize(
    "value",
    [None, "fejl", [1], ({"rule": "x"},), [Finding, None]],
    ids=["none", "str", "list-of-int", "tuple", "list-of-class"],
)
def test_garbage_returning_plugin(
    manager: PluginManager,
    register: Callable[..., None],
    value: object,
    plugin_log: pytest.LogCaptureFixture,
) -> None:
    plan = flawed_plan()
    baseline = manager.validate_plan(plan, SKM)
    register(garbage(value), "broken")
    register(Later(), "later")
    findings = manager.validate_plan(plan, SKM)
    report = manager.validate_followup(make_followup(), make_plan(), SKM)
    check(findings, baseline, "ugyldigt resultat")
    assert len(failures(report)) == 1
    assert "returned garbage" in plugin_log.text


def test_invalid_finding_made_by_plugin(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    class BadSeverity:
        @hookimpl
        def mrp_validate_plan(self, plan: Any) -> list[Finding]:
            return [Finding("broken.x", "fatal", "Forkert.")]

    register(BadSeverity(), "broken")
    register(Later(), "later")
    findings = manager.validate_plan(make_plan(), SKM)
    assert [f.plugin for f in failures(findings)] == ["broken"]


def test_hanging_plugin(
    fast_manager: PluginManager, release: threading.Event, plugin_log: pytest.LogCaptureFixture
) -> None:
    plan = flawed_plan()
    baseline = fast_manager.validate_plan(plan, SKM)
    fast_manager.register(Hanging(release), "broken")
    fast_manager.register(Later(), "later")
    findings = fast_manager.validate_plan(plan, SKM)
    report = fast_manager.validate_followup(make_followup(), make_plan(), SKM)
    check(findings, baseline, "mere end 0.2 sekunder")
    assert [f.plugin for f in failures(report)] == ["broken"]
    assert any(f.rule == "later.seen" for f in report)
    assert "timed out" in plugin_log.text
    # the pool keeps working: abandoned threads are replaced
    release.set()
    assert fast_manager.validate_plan(make_plan(), MinistryPlugins(ministry="SKM")) == []


def test_failures_are_isolated_without_threads(register: Callable[..., None]) -> None:
    inline = build_plugin_manager(entry_points=False, timeout=None, clock=lambda: TODAY)
    inline.register(Raising(), "broken")
    inline.register(Later(), "later")
    findings = inline.validate_plan(make_plan(), SKM)
    assert [f.plugin for f in failures(findings)] == ["broken"]
    assert any(f.rule == "later.seen" for f in findings)


def test_failed_plugin_cannot_be_silenced_by_overrides(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    register(Raising(), "broken")
    mp = MinistryPlugins(
        ministry="SKM", enabled=frozenset({"broken"}), severity_overrides={"plugin.failed": "off"}
    )
    assert len(failures(manager.validate_plan(make_plan(), mp))) == 1


def test_report_parser_failure_is_skipped(
    manager: PluginManager, register: Callable[..., None]
) -> None:
    class BadParsers:
        @hookimpl
        def mrp_report_parsers(self) -> list[object]:
            return ["not a parser"]

    register(BadParsers(), "broken")
    mp = MinistryPlugins(ministry="SKM", enabled=frozenset({"broken"}))
    builtin = [p.name for p in manager.report_parsers(None)]
    assert [p.name for p in manager.report_parsers(mp)] == builtin
