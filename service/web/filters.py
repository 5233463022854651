"""The overview's filters as they arrive in the query string: read, checked and turned into
the domain's ``OverviewFilters``. An unknown value is dropped with a Danish message rather
than answered with an error page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from service.domain.overview import OverviewFilters
from service.vocabulary import (
    PERIOD_YEARS,
    STATUS_LABELS,
    TASK_TYPE_LABELS,
    parse_period,
)
from service.vocabulary import period_text as period_text_of
from service.web.queries import current_half_year

CODE_MAX = 40


@dataclass
class OverviewForm:
    period: str
    institution: str = ""
    task_type: str = ""
    status: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    #: only goals whose reported status is more optimistic than the computed one
    disagrees: bool = False

    @classmethod
    def from_args(cls, args: MultiDict[str, str], *, task_types: dict[str, str] | None = None,
                  default_period: str | None = None) -> OverviewForm:
        task_types = task_types or TASK_TYPE_LABELS
        errors: dict[str, str] = {}
        period_text = (args.get("period") or "").strip()
        period = default_period or current_half_year()
        if period_text:
            parsed = parse_period(period_text)
            if parsed is None:
                errors["period"] = (
                    f"»{period_text[:20]}« er ikke en periode; skriv fx 1. halvår 2026, "
                    f"3. kvartal 2026 eller 2026 (årstal {PERIOD_YEARS.start}–"
                    f"{PERIOD_YEARS.stop - 1}). Viser {period_text_of(period)}."
                )
            else:
                period = str(parsed)
        institution = (args.get("institution") or "").strip().upper()[:CODE_MAX]
        task_type = (args.get("task_type") or "").strip()
        if task_type and task_type not in task_types:
            errors["task_type"] = "Ukendt opgavetype; filteret er ikke brugt."
            task_type = ""
        status = (args.get("status") or "").strip()
        if status and status not in STATUS_LABELS:
            errors["status"] = "Ukendt status; filteret er ikke brugt."
            status = ""
        disagrees = (args.get("disagrees") or "").strip().lower() in ("1", "true", "on", "ja")
        return cls(period=period, institution=institution, task_type=task_type,
                   status=status, errors=errors, disagrees=disagrees)

    def to_filters(self) -> OverviewFilters:
        return OverviewFilters(
            period=self.period,
            institution=self.institution or None,
            task_type=self.task_type or None,
            status=self.status or None,
            disagrees=self.disagrees,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query arguments (for links that keep them), empty ones left out."""
        values = {"period": self.period, "institution": self.institution,
                  "task_type": self.task_type, "status": self.status,
                  "disagrees": "1" if self.disagrees else "", **changes}
        return {k: v for k, v in values.items() if v}
