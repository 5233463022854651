"""WSGI entry points: ``service.wsgi:app`` for any server, and gunicorn embedded for
``mrp serve``."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int, threads: int = 1) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
        }
    ).run()


def __getattr__(name: str) -> Any:
    if name == "app":  # `gunicorn service.wsgi:app` builds the app on first use
        from service import create_app

        return create_app()
    raise AttributeError(name)
