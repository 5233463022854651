"""Built-in plugin ``followup``: rules for a follow-up report against its plan.

Settings: ``grace_days`` (int, default 30) — a report is late (``followup.late``) when
received more than this many days after the end of its period.

``followup.status-disagrees`` compares the reported status with the one the service computed
(``FollowUpGoalView.computed_status``, DESIGN section 12).
"""

from __future__ import annotations

from datetime import timedelta

from service.plugins.builtin.rules import finding
from service.plugins.builtin.texts import day, join_and
from service.plugins.context import ValidationContext
from service.plugins.findings import Finding
from service.plugins.markers import hookimpl
from service.plugins.views import FollowUpGoalView, FollowUpView, GoalView, PlanView
from service.vocabulary import CADENCE_LABELS, STATUS_LABELS, Period, period_words
from service.vocabulary import format_number as number

_NEEDS_COMMENT = frozenset({"at_risk", "off_track", "partially_achieved", "not_achieved"})
_STATUS_WORDS = join_and([f"»{label}«" for label in STATUS_LABELS.values()])
#: the scale ``followup.status-disagrees`` reads (DESIGN section 12): higher is more optimistic
_STEPS = {"on_track": 2, "achieved": 2, "at_risk": 1, "off_track": 0, "not_achieved": 0}


def status_disagrees(reported: str | None, computed: str | None) -> bool:
    """Whether the reported status is two or more steps more optimistic than the computed
    one (``on_track`` > ``at_risk`` > ``off_track``; ``achieved`` counts as ``on_track``,
    ``not_achieved`` as ``off_track``)."""
    if reported not in _STEPS or computed not in _STEPS:
        return False
    return _STEPS[reported] - _STEPS[computed] >= 2


def _where(row: FollowUpGoalView) -> str:
    return f" (række {row.row})" if row.row is not None else ""


def _example_period(plan: PlanView) -> str:
    cadence = plan.followup_cadence or "half-yearly"
    year = plan.period_start
    return {"quarterly": f"1. kvartal {year}", "yearly": f"{year}"}.get(
        cadence, f"1. halvår {year}")


def _plan_findings(
    followup: FollowUpView, plan: PlanView, period: Period | None, ctx: ValidationContext
) -> list[Finding]:
    out: list[Finding] = []
    if plan.status == "draft":
        out.append(
            finding(
                "followup.plan-state",
                f"Planen {plan.reference} er endnu ikke godkendt, så der kan ikke indberettes "
                "opfølgning på den. Vent, til departementet har godkendt planen.",
            )
        )
    elif plan.status != "approved":
        out.append(
            finding(
                "followup.plan-state",
                f"Planen {plan.reference} er lukket og modtager ikke flere opfølgninger. "
                "Indberet på den gældende plan.",
            )
        )

    cadence = plan.followup_cadence
    if period is None or not period.fits(cadence, plan.period_start, plan.period_end):
        label = CADENCE_LABELS.get(cadence or "half-yearly", cadence)
        out.append(
            finding(
                "followup.period",
                f"Perioden »{followup.period}« passer ikke til planens kadence ({label}) og år "
                f"({plan.period_start}–{plan.period_end}). Angiv en periode som fx "
                f"{_example_period(plan)}.",
            )
        )
    else:
        received = followup.received_at.date() if followup.received_at else ctx.today
        grace = ctx.setting("grace_days", 30)
        deadline = period.end + timedelta(days=grace)
        if received > deadline:
            out.append(
                finding(
                    "followup.late",
                    f"Opfølgningen for {period_words(period)} blev modtaget {day(received)}, "
                    f"efter fristen {day(deadline)}. Send næste opfølgning senest {grace} dage "
                    "efter periodens udløb.",
                )
            )
    return out


def _row_findings(row: FollowUpGoalView, goal: GoalView, period: Period | None) -> list[Finding]:
    out: list[Finding] = []
    code = goal.code
    where = _where(row)
    if row.status is None:
        if row.status_raw is None:
            text = f"Mål {code}{where} mangler en status."
        else:
            text = f"Mål {code}{where} har en ukendt status »{row.status_raw}«."
        out.append(finding("followup.status", f"{text} Brug en af: {_STATUS_WORDS}.", code))
    if row.value_raw is not None and row.value is None:
        out.append(
            finding(
                "followup.status",
                f"Den målte værdi for mål {code}{where} »{row.value_raw}« er ikke et tal. Angiv "
                "værdien som et tal, fx 93,5.",
                code,
            )
        )
    if row.progress_raw is not None and row.progress is None:
        out.append(
            finding(
                "followup.status",
                f"Fremdriften for mål {code}{where} »{row.progress_raw}« er ikke et tal. Angiv "
                "fremdriften i procent som et tal mellem 0 og 100.",
                code,
            )
        )
    elif row.progress is not None and not 0 <= row.progress <= 100:
        out.append(
            finding(
                "followup.status",
                f"Fremdriften for mål {code}{where} er {number(row.progress)} %. Angiv fremdriften "
                "som et tal mellem 0 og 100.",
                code,
            )
        )
    if row.status in _NEEDS_COMMENT and row.comment is None:
        out.append(
            finding(
                "followup.explain",
                f"Mål {code} har status »{STATUS_LABELS[row.status]}« uden kommentar. Forklar "
                "kort årsagen, og hvad der gøres for at nå målet.",
                code,
            )
        )
    if goal.nature == "quantitative" and row.value_raw is None and row.status != "withdrawn":
        out.append(
            finding(
                "followup.value-missing",
                f"Mål {code} er kvantitativt, men der er ikke angivet en målt værdi. Angiv den "
                "seneste målte værdi for målets indikator.",
                code,
            )
        )
    if goal.task_type == "policy" and row.comment is None:
        out.append(
            finding(
                "followup.policy-comment",
                f"Policymål {code} er indberettet uden kommentar. Beskriv i en kommentar, hvordan "
                "arbejdet med målet står.",
                code,
            )
        )
    if status_disagrees(row.status, row.computed_status):
        out.append(
            finding(
                "followup.status-disagrees",
                f"Mål {code} er meldt »{STATUS_LABELS[row.status]}«, men den beregnede status "
                f"er »{STATUS_LABELS[row.computed_status]}«: {row.computed_basis} Ret status, "  # type: ignore[index]
                "eller forklar forskellen i kommentaren.",
                code,
            )
        )
    if row.status == "on_track" and period is not None:
        end = period.end
        overdue = [
            m
            for m in goal.milestones
            if not m.done and m.due_date is not None and m.due_date <= end
        ]
        if overdue:
            names = join_and([f"»{m.title}« ({day(m.due_date)})" for m in overdue])  # type: ignore[arg-type]
            out.append(
                finding(
                    "followup.milestone-overdue",
                    f"Mål {code} er meldt »På rette spor«, men milepælen {names} er overskredet "
                    "og ikke nået. Ret status, eller marker milepælen som nået.",
                    code,
                )
            )
    return out


@hookimpl
def mrp_validate_followup(
    followup: FollowUpView, plan: PlanView, ctx: ValidationContext
) -> list[Finding]:
    period = followup.parsed_period
    out = _plan_findings(followup, plan, period, ctx)
    seen: set[str] = set()
    for row in followup.goals:
        goal = plan.goal(row.goal) if row.goal else None
        if goal is None:
            name = f"»{row.goal}«" if row.goal else "uden mål-ID"
            out.append(
                finding(
                    "followup.unknown-goal",
                    f"Rapportens række{_where(row)} nævner målet {name}, som ikke findes i planen "
                    f"{plan.reference}. Ret mål-ID'et til et af planens mål "
                    f"({join_and([g.code for g in plan.active_goals]) or 'ingen'}).",
                    row.goal or None,
                )
            )
            continue
        if goal.code in seen:
            out.append(
                finding(
                    "followup.duplicate-goal",
                    f"Mål {goal.code} står i flere rækker{_where(row)}. Indberet hvert mål i "
                    "én række.",
                    goal.code,
                )
            )
            continue
        seen.add(goal.code)
        if goal.status == "withdrawn":
            continue  # a withdrawn goal is not required, and its row is not checked
        out.extend(_row_findings(row, goal, period))
    for goal in plan.active_goals:
        if goal.code not in seen:
            out.append(
                finding(
                    "followup.missing-goal",
                    f"Mål {goal.code} »{goal.title}« mangler i rapporten. Tilføj en række med "
                    "målets status.",
                    goal.code,
                )
            )
    return out
