"""The plugin manager as the domain sees it: built in ``create_app``, kept on the app, and
asked with each ministry's enablement and settings from the database."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    app.extensions.setdefault("mrp.plugins", None)
