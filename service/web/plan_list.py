"""The list of plans at ``/plans``: every plan the signed-in person may see, drafts too,
filtered by status, institution, year and task type, and searched by reference or title.
The filters live in the address (a GET form), so a filtered list can be bookmarked and
linked to (the overview links to ``/plans?status=draft``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template, request
from werkzeug.datastructures import MultiDict

from service.domain import plans
from service.vocabulary import PERIOD_YEARS, PLAN_STATUS_LABELS, TASK_TYPE_LABELS
from service.web import bp, queries
from service.web.auth import current_actor

PAGE_SIZE = 25
SEARCH_MAX = 100
CODE_MAX = 40
PAGE_MAX = 10_000


@dataclass
class PlanListForm:
    """The list's filters as they arrive in the query string; an unusable value is dropped
    with a Danish message, not answered with an error page."""

    status: str = ""
    institution: str = ""
    year: str = ""
    task_type: str = ""
    q: str = ""
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> PlanListForm:
        errors: dict[str, str] = {}
        status = (args.get("status") or "").strip()
        if status and status not in PLAN_STATUS_LABELS:
            errors["status"] = "Ukendt status; filteret er ikke brugt."
            status = ""
        institution = (args.get("institution") or "").strip().upper()[:CODE_MAX]
        year = (args.get("year") or "").strip()
        if year and not (year.isdigit() and int(year) in PERIOD_YEARS):
            errors["year"] = (f"»{year[:20]}« er ikke et årstal; skriv fx 2026 "
                              f"({PERIOD_YEARS.start}–{PERIOD_YEARS.stop - 1}). "
                              "Filteret er ikke brugt.")
            year = ""
        task_type = (args.get("task_type") or "").strip()
        if task_type and task_type not in TASK_TYPE_LABELS:
            errors["task_type"] = "Ukendt opgavetype; filteret er ikke brugt."
            task_type = ""
        q = " ".join((args.get("q") or "").split())
        if len(q) > SEARCH_MAX:
            errors["q"] = f"Søgningen må højst være {SEARCH_MAX} tegn; den er forkortet."
            q = q[:SEARCH_MAX]
        page_text = (args.get("page") or "1").strip()
        page = int(page_text) if page_text.isdigit() and 0 < int(page_text) <= PAGE_MAX else 1
        return cls(status=status, institution=institution, year=year, task_type=task_type,
                   q=q, page=page, errors=errors)

    def to_filters(self) -> plans.PlanFilters:
        return plans.PlanFilters(
            status=self.status or None,
            institution=self.institution or None,
            year=int(self.year) if self.year else None,
            task_type=self.task_type or None,
            q=self.q or None,
        )

    def query(self, **changes: Any) -> dict[str, Any]:
        """The filters as query arguments (for links that keep them), empty ones left out;
        the first page is no argument."""
        values = {"status": self.status, "institution": self.institution, "year": self.year,
                  "task_type": self.task_type, "q": self.q, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.institution or self.year or self.task_type or self.q)


@bp.get("/plans")
def plan_list() -> str:
    actor = current_actor()
    form = PlanListForm.from_args(request.args)
    found = plans.list_plans(actor, form.to_filters(), page=form.page, page_size=PAGE_SIZE)
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_template(
        "web/plan_list.html",
        form=form,
        plans=found.items,
        total=found.total,
        pages=pages,
        first=(form.page - 1) * PAGE_SIZE + 1,
        institutions=queries.institutions(actor),
        statuses=PLAN_STATUS_LABELS,
        task_types=TASK_TYPE_LABELS,
        can_approve=actor.is_admin or actor.is_department,
    )
