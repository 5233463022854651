"""The dashboard: server-rendered pages in Danish at ``/``.

It signs people in with an API token into a session kept on the server (the cookie holds
only its signed id), resumes and re-checks it on every request, and reads through the same
domain queries and tenant scoping as the API. Forms are protected against CSRF; the API
(bearer tokens, no cookies) is exempt.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
csrf = CSRFProtect()

API_PREFIX = "/api"


def init_app(app: Flask) -> None:
    """Register the dashboard. Call after the API, so its blueprints can be exempted."""
    from service.web import (  # noqa: F401  (routes)
        auth,
        changes,
        decisions,
        downloads,
        errors,
        institutions,
        intake_messages,
        labels,
        oidc,
        plan_list,
        planforms,
        reports,
        reviews,
        signin,
        users,
        views,
    )

    # a form's token lasts a working day (Flask-WTF's default is an hour)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    csrf.init_app(app)
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith(API_PREFIX):
            csrf.exempt(blueprint)
    labels.init_app(app)
    oidc.init_app(app)
    app.session_interface = auth.SessionCookie()
    app.register_blueprint(bp)
    errors.init_app(app)


__all__ = ["bp", "csrf", "init_app"]
