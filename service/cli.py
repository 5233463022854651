"""The ``mrp`` command: the Flask CLI of the app (``mrp --help``)."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from service.cli_users import users
from service.domain.errors import DomainError


def _create_app() -> Flask:
    from service import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             add_default_commands=False)
def main() -> None:
    """mrp — mål- og resultatplaner: API, validation plugins and e-mail intake."""


def _fail(error: DomainError) -> None:
    fields = "; ".join(
        f"{k}: {', '.join(v)}" for k, v in error.errors.items() if v != [error.message]
    )
    raise click.ClickException(error.message + (f" ({fields})" if fields else ""))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int,
              help="gunicorn worker processes [default: MRP_WEB_WORKERS or 2 × cores + 1]")
@click.option("--threads", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int | None, threads: int) -> None:
    """Run the API and dashboard under gunicorn (production WSGI server)."""
    from service.wsgi import run_gunicorn

    if workers is None:
        workers = int(os.environ.get("MRP_WEB_WORKERS") or (2 * (os.cpu_count() or 1) + 1))
    run_gunicorn(host=host, port=port, workers=workers, threads=threads)


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "department", "institution"]))
@click.option("--name", required=True, help="who or what uses the token")
@click.option("--ministry", default=None, help="ministry code (department tokens)")
@click.option("--institution", default=None, help="institution code (institution tokens)")
@click.option("--expires-days", default=None, type=int, help="the token stops working after N days")
@click.option("--user", default=None, help="a personal token of this person (e-mail): it has "
              "their role and scope and is revoked with them")
@with_appcontext
def tokens_create(role: str, name: str, ministry: str | None, institution: str | None,
                  expires_days: int | None, user: str | None) -> None:
    """Issue a token; the secret is printed once, alone on the last line."""
    from service.domain.tokens import create_token

    try:
        token, secret = create_token(
            role=role, name=name, ministry=ministry, institution=institution,
            expires_days=expires_days, user=user,
        )
    except DomainError as error:
        _fail(error)
        return
    scope = ministry or institution or "all"
    click.echo(f"Created token {token.id} '{token.name}' (role {token.role}, scope {scope}).",
               err=True)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("ident")
@with_appcontext
def tokens_revoke(ident: str) -> None:
    """Revoke a token by id or name."""
    from service.domain.tokens import revoke_token

    try:
        token = revoke_token(ident)
    except DomainError as error:
        _fail(error)
        return
    click.echo(f"Revoked token {token.id} '{token.name}'.")


@tokens.command("list")
@click.option("--long", "long_", is_flag=True,
              help="also when each expires, when it was last used and whose it is")
@with_appcontext
def tokens_list(long_: bool) -> None:
    """List tokens (never their secrets): id, name, role, scope, state."""
    from service.domain.tokens import list_tokens

    for token in list_tokens():
        scope = (token.ministry and token.ministry.code) or (
            token.institution and token.institution.code
        ) or "all"
        state = "revoked" if token.revoked else "expired" if token.expired else "active"
        expires = token.expires_at.isoformat(timespec="seconds") if token.expires_at else "-"
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
        owner = token.user.email if token.user else "-"
        line = f"{token.id}\t{token.name}\t{token.role}\t{scope}\t{state}"
        click.echo(line + (f"\t{expires}\t{used}\t{owner}" if long_ else ""))


@click.command()
@with_appcontext
def demo() -> None:
    """Load a demo ministry with institutions and plans of all four task types (idempotent)."""
    from service.domain.demo import load_demo

    summary = load_demo()
    click.echo(summary)


@click.group("plugins")
def plugins_group() -> None:
    """List validation plugins and switch them on or off per ministry."""


@plugins_group.command("list")
@with_appcontext
def plugins_list() -> None:
    """Installed plugins, their versions, hooks, task types and where they are enabled."""
    from service.domain.actors import SYSTEM
    from service.domain.plugins import installed

    for item in installed(SYSTEM):
        kind = "built-in" if item.get("builtin") else "third-party"
        where = ", ".join(item["enabled_in"]) or "nowhere"
        types = ", ".join(t["code"] if isinstance(t, dict) else str(t)
                          for t in item.get("task_types") or []) or "-"
        click.echo(
            f"{item['name']} {item.get('version') or ''} ({kind})\n"
            f"  hooks: {', '.join(item.get('hooks') or [])}\n"
            f"  task types: {types}\n  enabled in: {where}"
            + (f"\n  error: {item['error']}" if item.get("error") else "")
        )


@plugins_group.command("enable")
@click.argument("name")
@click.option("--ministry", required=True, help="ministry code")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE",
              help="a plugin setting for this ministry (JSON values allowed); repeatable")
@with_appcontext
def plugins_enable(name: str, ministry: str, settings: tuple[str, ...]) -> None:
    """Enable plugin NAME for a ministry."""
    import json

    from service.domain.actors import SYSTEM
    from service.domain.plugins import enable

    parsed: dict[str, object] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--setting")
        try:
            parsed[key] = json.loads(value)
        except ValueError:
            parsed[key] = value
    try:
        enable(SYSTEM, name, ministry, parsed or None)
    except DomainError as error:
        _fail(error)
    click.echo(f"Enabled {name} for {ministry.upper()}.")


@plugins_group.command("disable")
@click.argument("name")
@click.option("--ministry", required=True, help="ministry code")
@with_appcontext
def plugins_disable(name: str, ministry: str) -> None:
    """Disable plugin NAME for a ministry."""
    from service.domain.actors import SYSTEM
    from service.domain.plugins import disable

    try:
        disable(SYSTEM, name, ministry)
    except DomainError as error:
        _fail(error)
    click.echo(f"Disabled {name} for {ministry.upper()}.")


@click.group()
def intake() -> None:
    """The e-mail intake: poll the mailboxes, and see how it goes."""


def _print_results(results: list) -> None:
    for r in results:
        if r.skipped:
            click.echo(f"{r.mailbox}: skipped (another poller holds it)")
        elif r.ok:
            states = ", ".join(f"{k} {v}" for k, v in sorted(r.states.items())) or "nothing new"
            click.echo(f"{r.mailbox}: fetched {r.fetched}; {states}")
        else:
            click.echo(f"{r.mailbox}: failed: {r.error}", err=True)


@intake.command("poll")
@click.option("--once", is_flag=True, default=True, help="one pass (the default)")
@with_appcontext
def intake_poll(once: bool) -> None:
    """Poll every configured mailbox once and send due receipts."""
    from service.intake.service import poll_once

    results = poll_once()
    _print_results(results)
    if any(not r.ok for r in results):
        raise SystemExit(1)


@intake.command("run")
@click.option("--interval", type=float, default=None,
              help="seconds between polls [default: MRP_INTAKE_INTERVAL]")
@with_appcontext
def intake_run(interval: float | None) -> None:
    """Poll every MRP_INTAKE_INTERVAL seconds until SIGTERM or SIGINT."""
    import signal
    import threading

    from flask import current_app

    from service.intake.service import poll_once

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    pause = interval if interval is not None else float(current_app.config["INTAKE_INTERVAL"])
    click.echo(f"Polling every {pause:g} s; stop with SIGTERM.", err=True)
    while not stop.is_set():
        _print_results(poll_once())
        stop.wait(pause)
    click.echo("Stopped.", err=True)


@intake.command("status")
@with_appcontext
def intake_status() -> None:
    """Messages per state, and the time of the last successful poll."""
    from service.domain.inbound import status

    info = status()
    for state, n in info["counts"].items():
        click.echo(f"{state:12} {n}")
    last = info["last_successful_poll"]
    click.echo(f"last successful poll: {last.isoformat() if last else 'never'}")
    if info["receipts_failed"]:
        click.echo(f"receipts waiting for retry: {info['receipts_failed']}")
    if info["last_error"]:
        click.echo(f"last error: {info['last_error']}")


@click.command("local")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--imap-port", default=1143, show_default=True, type=int)
@click.option("--smtp-port", default=1025, show_default=True, type=int)
@click.option("--interval", default=5.0, show_default=True, type=float,
              help="seconds between polls")
@with_appcontext
def local(host: str, port: int, imap_port: int, smtp_port: int, interval: float) -> None:
    """Run everything on this machine for a first look: API and dashboard, a local IMAP
    server with the poller, demo data and sample reports (make run)."""
    from flask import current_app

    from service.local import run_local

    run_local(current_app._get_current_object(), host=host, port=port,  # type: ignore[attr-defined]
              imap_port=imap_port, smtp_port=smtp_port, interval=interval)


@click.group()
def reminders() -> None:
    """Remind institutions by mail of follow-up reports due soon or overdue."""


@reminders.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the day to act as if it were (YYYY-MM-DD) [default: today]")
@click.option("--dry-run", is_flag=True, help="list the reminders that are due; send none")
@with_appcontext
def reminders_send(today: object, dry_run: bool) -> None:
    """Mail each approved plan's institution when its report is due within
    MRP_REMINDER_DAYS_BEFORE days, or overdue; at most once per plan, period and kind."""
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
    if states["failed"] or any(o.refused for o in outcomes):  # an address needs fixing
        raise SystemExit(1)


@click.group()
def plans() -> None:
    """Plans: reopen one that was closed."""


@plans.command("reopen")
@click.argument("reference")
@click.option("--reason", required=True, help="why (kept in the plan's audit log)")
@click.option("--by", default=None, help="who reopens it, for the audit log [default: the "
              "system user running the command]")
@with_appcontext
def plans_reopen(reference: str, reason: str, by: str | None) -> None:
    """Reopen the closed plan REFERENCE (e.g. DST-2026): it is approved again and takes
    reports, as ``POST /api/v1/plans/{id}/reopen`` does."""
    import getpass

    from service.domain.actors import Actor
    from service.domain.errors import NotFound
    from service.domain.plans import find_plan_by_reference, reopen_plan
    from service.vocabulary import Role

    actor = Actor(name=by or f"{getpass.getuser()} (mrp plans reopen)", role=Role.ADMIN)
    try:
        plan = find_plan_by_reference(reference)
        if plan is None:
            raise NotFound(f"Planen {reference} findes ikke.")
        reopen_plan(actor, plan, reason)
    except DomainError as error:
        _fail(error)
        return
    click.echo(f"Reopened {plan.reference}: status {plan.status}.")


COMMANDS = (serve, tokens, users, demo, plugins_group, intake, local, reminders, plans)


def init_app(app: Flask) -> None:
    """Add the commands to the app's CLI (``mrp``, and ``app.test_cli_runner()``)."""
    for command in COMMANDS:
        app.cli.add_command(command)
