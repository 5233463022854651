from __future__ import annotations

import pytest

from service.intake.reports import builtin_parsers
from service.plugins.reports import ReportParser


@pytest.fixture(scope="session")
def parsers() -> list[ReportParser]:
    return builtin_parsers()
