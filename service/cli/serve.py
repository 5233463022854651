"""``mrp serve`` and ``mrp local``: run the service, in production or for a first look."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext


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
