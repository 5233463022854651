"""Discovery: built-ins, entry points (group ``mrp.plugins``) and a plugins directory."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from service.plugins import manager as manager_module
from service.plugins.manager import (
    BUILTIN_PLUGINS,
    DuplicateTaskTypeError,
    MinistryPlugins,
    PluginStartupError,
    build_plugin_manager,
)
from tests.plugins.conftest import TODAY, make_plan

LOCAL_PLUGIN = """
from service.plugins import Finding, hookimpl


@hookimpl
def mrp_validate_plan(plan):
    return [Finding("local.seen", "info", "Lokal kontrol har set planen.")]
"""


def test_builtins_register_like_third_party() -> None:
    pm = build_plugin_manager(entry_points=False)
    infos = {i.name: i for i in pm.plugins()}
    for name, module in BUILTIN_PLUGINS:
        assert infos[name].builtin and infos[name].module == module
    assert all(i.source == "builtin" for i in infos.values())


def test_optional_builtin_may_be_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = "service.intake.reports.plugin_that_is_not_there"
    monkeypatch.setattr(manager_module, "OPTIONAL_BUILTINS", frozenset({absent}))
    pm = build_plugin_manager(
        entry_points=False,
        builtins=(
            ("plan", "service.plugins.builtin.plan"),
            ("reports", "service.intake.reports.plugin_that_is_not_there"),
        ),
    )
    assert [i.name for i in pm.plugins()] == ["plan"]


def test_plugins_directory(tmp_path: Path) -> None:
    (tmp_path / "local_check.py").write_text(LOCAL_PLUGIN, encoding="utf-8")
    (tmp_path / "_helper.py").write_text("raise RuntimeError('not a plugin')\n")
    (tmp_path / "broken.py").write_text("import does_not_exist\n", encoding="utf-8")
    pm = build_plugin_manager(entry_points=False, plugins_dir=tmp_path, clock=lambda: TODAY)
    info = pm.plugin("local_check")
    assert info is not None and info.source == "directory" and not info.builtin
    broken = pm.plugin("broken")
    assert broken is not None and broken.error and "does_not_exist" in broken.error
    plan = make_plan()
    assert pm.validate_plan(plan, MinistryPlugins(ministry="FM")) == []
    enabled = MinistryPlugins(ministry="FM", enabled=frozenset({"local_check", "broken"}))
    assert [f.rule for f in pm.validate_plan(plan, enabled)] == ["local.seen"]
    with pytest.raises(PluginStartupError, match="broken"):
        build_plugin_manager(entry_points=False, plugins_dir=tmp_path, strict=True)


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, *eps: importlib.metadata.EntryPoint) -> None:
    def entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
        assert group == "mrp.plugins"
        return list(eps)

    monkeypatch.setattr(manager_module.importlib.metadata, "entry_points", entry_points)


def test_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        importlib.metadata.EntryPoint("checks", "tests.plugins.sample_plugin", "mrp.plugins"),
        importlib.metadata.EntryPoint("missing", "no_such_module_here", "mrp.plugins"),
    )
    pm = build_plugin_manager(clock=lambda: TODAY)
    info = pm.plugin("checks")
    assert info is not None and info.source == "entry_point"
    assert info.hooks == ("mrp_task_types", "mrp_validate_followup")
    missing = pm.plugin("missing")
    assert missing is not None and missing.error is not None
    assert "checks" not in [i.name for i in pm.plugins() if i.builtin]


def test_entry_point_duplicate_task_type_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        importlib.metadata.EntryPoint("one", "tests.plugins.sample_plugin", "mrp.plugins"),
        importlib.metadata.EntryPoint("two", "tests.plugins.sample_plugin:Again", "mrp.plugins"),
    )
    with pytest.raises(DuplicateTaskTypeError, match=r"'audit'.*'one'.*'two'"):
        build_plugin_manager()
