"""The ``mrp`` command: the Flask CLI of the app (``mrp --help``), one module per command
group."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from service.cli import intake, ministries, plans, plugins, reminders, serve, tokens, users


def _create_app() -> Flask:
    from service import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             add_default_commands=False)
def main() -> None:
    """mrp — mål- og resultatplaner: API, validation plugins and e-mail intake."""


COMMANDS = (serve.serve, tokens.tokens, users.users, plans.demo, plugins.plugins_group,
            intake.intake, serve.local, reminders.reminders, plans.plans,
            ministries.ministries)


def init_app(app: Flask) -> None:
    """Add the commands to the app's CLI (``mrp``, and ``app.test_cli_runner()``)."""
    for command in COMMANDS:
        app.cli.add_command(command)
