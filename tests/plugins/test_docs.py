"""Every hook is documented in docs/plugins.md and exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from service.plugins import hookspecs
from service.plugins.manager import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("mrp_")
]


def test_hook_list_is_complete() -> None:
    assert sorted(HOOKS) == sorted(HOOK_NAMES)
    for name in HOOKS:
        assert getattr(hookspecs, name).__doc__, name


def test_every_hook_has_a_section_with_its_signature() -> None:
    for name in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert re.search(rf"^#+ `{name}`", DOCS, re.M), f"no section for {name}"
        assert f"def {name}({params})" in DOCS, f"no signature for {name}"


def test_every_hook_is_exercised_by_a_test() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in Path(__file__).parent.glob("*.py")
        if p.name != Path(__file__).name
    )
    for name in HOOKS:
        assert re.search(rf"def {name}\(", sources), f"no test implements {name}"
