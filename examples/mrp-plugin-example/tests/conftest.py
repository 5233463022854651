"""Lets the example's tests run from the repository root or from the example's folder,
installed or not: the mrp sources and the example's ``src`` are put on the path."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE.parent / "src", HERE.parents[2]):
    is_source = (path / "mrp_plugin_example").is_dir() or (path / "service").is_dir()
    if is_source and str(path) not in sys.path:
        sys.path.append(str(path))
