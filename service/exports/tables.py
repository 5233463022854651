"""The rows of the spreadsheet exports: plans with their goals, and the overview for a
period. Same filters and tenant scoping as the API's lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.domain.actors import Actor
from service.domain.models import FollowUpReview, Goal, Institution, Plan
from service.domain.overview import OverviewFilters, overview
from service.domain.plans import PlanFilters, plan_query
from service.exports import labels
from service.exports.sheets import Table
from service.extensions import db
from service.vocabulary import REVIEW_DECISION_WORDS

PLAN_COLUMNS = (
    "Ministerområde", "Institution", "Planreference", "Planens titel", "Planperiode",
    "Planstatus", "Mål-ID", "Mål", "Opgavetype", "Måltype", "Karakter", "Succeskriterium",
    "Frist", "Indikator", "Enhed", "Udgangspunkt", "Målværdi", "Retning", "Målstatus",
    "Vægtning (point)",
)
OVERVIEW_COLUMNS = (
    "Periode", "Periode i tekst", "Ministerområde", "Institution", "Plan", "Mål-ID", "Mål",
    "Status",
    "Målt værdi", "Fremdrift (%)", "Kommentar", "Rapport", "Frist",
    "Departementets svar", "Departementets kommentar", "Departementets kommentar til målet",
    "Beregnet status", "Forventet værdi", "Grundlag for beregnet status",
)


def _goal_cells(goal: Goal) -> list[object]:
    first = goal.indicators[0] if goal.indicators else None
    return [
        goal.code, goal.title, labels.task_type(goal.task_type), labels.goal_type(goal.goal_type),
        labels.label(labels.NATURE, goal.nature), goal.success_criterion, goal.deadline,
        first.name if first else None, first.unit if first else None,
        first.baseline if first else None, first.target if first else None,
        labels.label(labels.DIRECTION, first.direction) if first else None,
        labels.label(labels.GOAL_STATE, goal.status), goal.weight,
    ]


def plans_table(actor: Actor, filters: PlanFilters) -> Table:
    """One row per goal (a plan without goals gets one row of its own). With a task or goal
    type filter, only the goals of that type."""
    stmt = plan_query(actor, filters).options(
        selectinload(Plan.institution).selectinload(Institution.ministry),
        selectinload(Plan.goals).selectinload(Goal.indicators),
    ).order_by(Plan.reference)
    table = Table("Planer", PLAN_COLUMNS)
    for plan in db.session.scalars(stmt):
        head: list[object] = [
            plan.institution.ministry.code, plan.institution.code, plan.reference, plan.title,
            f"{plan.period_start}–{plan.period_end}", labels.label(labels.PLAN_STATUS, plan.status),
        ]
        goals = [
            g for g in plan.goals
            if (not filters.task_type or g.task_type == filters.task_type)
            and (not filters.goal_type or g.goal_type == filters.goal_type)
        ]
        if not goals:
            table.rows.append(head + [None] * (len(PLAN_COLUMNS) - len(head)))
        for goal in goals:
            table.rows.append(head + _goal_cells(goal))
    return table


def _answers(followup_ids: list[int]) -> dict[int, FollowUpReview]:
    """The department's answer (the latest review) of each of the reports."""
    answers: dict[int, FollowUpReview] = {}
    if followup_ids:
        for review in db.session.scalars(
                select(FollowUpReview).where(FollowUpReview.followup_id.in_(followup_ids))
                .order_by(FollowUpReview.id)):
            answers[review.followup_id] = review
    return answers


def overview_table(actor: Actor, filters: OverviewFilters) -> Table:
    """One row per goal of the overview: its status for the period in Danish words, and
    the department's answer to the report (decision, comment, the comment on the goal)."""
    data = overview(actor, filters)
    table = Table("Overblik", OVERVIEW_COLUMNS)
    answers = _answers([i["report"]["followup"] for i in data["plans"]
                        if i["report"]["followup"] is not None])
    for item in data["plans"]:
        report = item["report"]
        state = labels.label(labels.REPORT_STATE, report["state"])
        answer = answers.get(report["followup"])
        per_goal = {g["goal"]: g["comment"] for g in (answer.goals if answer else [])}
        for goal in item["goals"]:
            table.rows.append([
                data["period"], labels.period(data["period"]), item["ministry"],
                item["institution"], item["plan"],
                goal["goal"], goal["title"], labels.status(goal["status"]), goal["value"],
                goal["progress"], goal["comment"], state, date.fromisoformat(report["due"]),
                REVIEW_DECISION_WORDS.get(answer.decision) if answer else None,
                answer.comment if answer else None, per_goal.get(goal["goal"]),
                labels.status(goal["computed_status"]), goal["expected_value"],
                goal["computed_basis"],
            ])
    return table
