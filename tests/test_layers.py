"""The layers of DESIGN section 15: the import-linter contract in pyproject.toml holds, it
fails on a forbidden import, and no module imports another package's private names."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )


def test_the_tree_keeps_the_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_domain_module_importing_the_api_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "service" / "domain" / "bad.py").write_text(
        "from service.api.auth import current_actor\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "service.domain is not allowed to import service.api" in result.stdout
    assert "service.domain.bad -> service.api.auth" in result.stdout


def _package(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parent.parts)


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    where = ROOT.joinpath(*dotted.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _owner(dotted: str) -> str:
    """The package a module (or package) belongs to: its parent, or itself for a package."""
    where = ROOT.joinpath(*dotted.split("."))
    return dotted if (where / "__init__.py").is_file() else dotted.rpartition(".")[0]


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """``from x import _y``, ``import x._y`` and ``x._y`` (x a module of the service) where
    x is not in the module's own package. ``source``: the module's text, if not the file's."""
    own = _package(path)
    here = _module(path)
    where = path.relative_to(ROOT)
    found: list[str] = []
    modules: dict[str, str] = {}  # a name bound to a module of the service → the module
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here if path.name == "__init__.py" else here.rpartition(".")[0]
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            if not (base == "service" or base.startswith("service.")):
                continue
            foreign = _owner(base) != own
            if foreign and any(_private(part) for part in base.split(".")):
                found.append(f"{where}: from {base} import …")
            for alias in node.names:
                dotted = f"{base}.{alias.name}"
                if _is_module(dotted):
                    modules[alias.asname or alias.name] = dotted
                    if _owner(dotted) != own and _private(alias.name):
                        found.append(f"{where}: from {base} import {alias.name}")
                elif foreign and _private(alias.name):
                    found.append(f"{where}: from {base} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("service.") and _owner(alias.name) != own and any(
                    _private(part) for part in alias.name.split(".")
                ):
                    found.append(f"{where}: import {alias.name}")
                if alias.asname and alias.name.startswith("service."):
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in modules
                and _owner(modules[node.value.id]) != own):
            found.append(f"{where}: {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_a_private_name_of_another_package() -> None:
    found = [hit for path in sorted((ROOT / "service").rglob("*.py"))
             for hit in private_imports(path)]
    assert found == []


def test_the_private_name_check_sees_each_form() -> None:
    bad = ROOT / "service" / "web" / "probe.py"
    source = ("from service.domain.models._types import utcnow\n"
              "from service.domain.models.columns import UTCDateTime\n"
              "from service.intake import pipeline\n"
              "from service import _instance_secret\n"
              "import service.domain.models.columns\n"
              "pipeline._settle\n")
    assert private_imports(bad, source) == [
        "service/web/probe.py: from service.domain.models._types import …",
        "service/web/probe.py: from service import _instance_secret",
        "service/web/probe.py: pipeline._settle",
    ]
    assert private_imports(ROOT / "service" / "intake" / "probe.py", source) == [
        "service/intake/probe.py: from service.domain.models._types import …",
        "service/intake/probe.py: from service import _instance_secret",
    ]
