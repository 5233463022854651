"""Discovery: built-ins, entry points (group ``mrp.plugins``) and a plugins directory. The
built-ins are the ``mrp`` distribution's own entry points in that group."""

from __future__ import annotations

import ast
import importlib.metadata
import tomllib
from pathlib import Path

import pytest

from service.plugins import discovery
from service.plugins.discovery import builtin_entry_points
from service.plugins.manager import (
    DuplicateTaskTypeError,
    MinistryPlugins,
    PluginStartupError,
    build_plugin_manager,
)
from tests.plugins.conftest import TODAY, make_plan

ROOT = Path(__file__).resolve().parents[2]

LOCAL_PLUGIN = """
from service.plugins import Finding, hookimpl


@hookimpl
def mrp_validate_plan(plan):
    return [Finding("local.seen", "info", "Lokal kontrol har set planen.")]
"""


def test_builtins_register_like_third_party() -> None:
    pm = build_plugin_manager(entry_points=False)
    infos = {i.name: i for i in pm.plugins()}
    for name, module in ((ep.name, ep.value) for ep in builtin_entry_points()):
        assert infos[name].builtin and infos[name].module == module
    assert all(i.source == "builtin" for i in infos.values())


def test_optional_builtin_may_be_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = "service.intake.reports.plugin_that_is_not_there"
    monkeypatch.setattr(discovery, "OPTIONAL_BUILTINS", frozenset({"reports"}))
    pm = build_plugin_manager(
        entry_points=False,
        builtins=(
            importlib.metadata.EntryPoint("plan", "service.plugins.builtin.plan", "mrp.plugins"),
            importlib.metadata.EntryPoint("reports", absent, "mrp.plugins"),
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

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


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


def test_builtins_are_the_entry_points_pyproject_declares() -> None:
    """The installed metadata matches pyproject.toml (reinstall if not), and every
    declared built-in is registered as one."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "entry-points"
    ]["mrp.plugins"]
    assert {ep.name: ep.value for ep in builtin_entry_points()} == declared
    pm = build_plugin_manager(entry_points=False)
    assert {i.name for i in pm.plugins() if i.builtin} == set(declared)


def test_entry_points_leave_the_builtins_to_the_builtins() -> None:
    """The real group holds the mrp distribution's own entry points too: they are not
    registered a second time as third-party plugins."""
    pm = build_plugin_manager(clock=lambda: TODAY)
    infos = pm.plugins()
    assert [i.name for i in infos if i.error] == []
    builtins = {ep.name for ep in builtin_entry_points()}
    assert {i.name for i in infos if i.builtin} == builtins
    assert all(i.source == "entry_point" for i in infos if i.name not in builtins)


def test_without_the_builtins_the_start_fails_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def distribution(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    builtin_entry_points.cache_clear()
    try:
        with pytest.raises(PluginStartupError, match="pip install"):
            build_plugin_manager(entry_points=False)
    finally:
        monkeypatch.undo()
        builtin_entry_points.cache_clear()


#: What ``service.plugins`` may import from the service: itself and the base.
BASE = ("service.plugins", "service.vocabulary", "service.config", "service.extensions",
        "service.chunks")


def test_plugins_import_only_the_base_and_name_no_module_in_a_string() -> None:
    wrong = []
    for path in sorted((ROOT / "service" / "plugins").rglob("*.py")):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "importlib.import_module", "import_module", "__import__"
            ):
                wrong.append(f"{where}: {ast.unparse(node)}")
                continue
            else:
                continue
            wrong += [
                f"{where}: imports {name}"
                for name in names
                if (name == "service" or name.startswith("service."))
                and not name.startswith(BASE)
            ]
    assert wrong == []
