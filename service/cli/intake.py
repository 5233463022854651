"""``mrp intake``: poll the mailboxes, and see how it goes."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


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
