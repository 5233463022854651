"""``mrp reminders``: mail institutions of follow-up reports due soon or overdue, and the
department of reports it has not reviewed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def reminders() -> None:
    """Remind institutions by mail of follow-up reports due soon or overdue, and the
    department of reports it has not reviewed."""


@reminders.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the day to act as if it were (YYYY-MM-DD) [default: today]")
@click.option("--dry-run", is_flag=True, help="list the reminders that are due; send none")
@with_appcontext
def reminders_send(today: object, dry_run: bool) -> None:
    """Mail each approved plan's institution when its report is due within
    MRP_REMINDER_DAYS_BEFORE days (upcoming), or overdue; and the department's people of
    the plan's ministry when a report has waited MRP_REVIEW_REMINDER_DAYS days for their
    review (review). At most once per plan, period and kind; one line per reminder:
    PLAN PERIOD KIND: STATE → recipients."""
    from datetime import date, datetime

    from service.domain.reminders import find_due
    from service.mail.reminders import send_reminders

    day = today.date() if isinstance(today, datetime) else date.today()
    outcomes = send_reminders(find_due(day), dry_run=dry_run)
    for o in outcomes:
        line = f"{o.plan} {o.period} {o.kind}: {o.state}"
        if o.recipients:
            line += f" → {', '.join(o.recipients)}"
        if o.refused:
            line += f"; refused by the mail server: {', '.join(o.refused)}"
        if o.detail:
            line += f" ({o.detail})"
        click.echo(line, err=o.state == "failed" or bool(o.refused))
    states = {s: sum(o.state == s for o in outcomes)
              for s in ("sent", "failed", "skipped", "planned")}
    click.echo(", ".join(f"{k} {v}" for k, v in states.items() if v) or "nothing due")
    if not dry_run:  # the department's answers to follow-ups wait for a mail run too
        from flask import current_app

        from service.mail.review_answers import send_review_answers
        from service.mail.settings import smtp

        answers = send_review_answers(smtp(current_app.config), current_app.config["MAIL_FROM"])
        if any(answers.values()):
            click.echo("review answers: " + ", ".join(f"{k} {v}" for k, v in answers.items()),
                       err=bool(answers["failed"] or answers["waiting"]))
    if states["failed"] or any(o.refused for o in outcomes):  # an address needs fixing
        raise SystemExit(1)
