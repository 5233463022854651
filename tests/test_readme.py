"""The README's promises that code can check."""

from __future__ import annotations

import re
from pathlib import Path

from service.config import markdown_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_settings_table_matches_the_code():
    block = README.split("<!-- settings-table")[1].split("<!-- end settings-table -->")[0]
    table = block.split("\n", 1)[1].strip()
    assert table == markdown_table(), "regenerate with: python -m service.config"


def test_quick_start_is_two_make_targets():
    quick = README.split("## Quick start")[1].split("##")[0]
    assert re.findall(r"^make (\w+)", quick, re.M) == ["run", "test"]
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
