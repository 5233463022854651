"""/plugins: what is installed, and where it is enabled; severity overrides per ministry."""

from __future__ import annotations

from flask.views import MethodView

from service.api.auth import current_actor
from service.api.blueprint import Blueprint
from service.api.schemas.plugins import (
    EnablementResultSchema,
    EnablementSchema,
    PluginSchema,
    SeverityOverridesSchema,
    SeveritySchema,
)
from service.domain import plugins
from service.domain.errors import Invalid
from service.vocabulary import has_control_characters

RULE_MAX = 100

blp = Blueprint("plugins", __name__, url_prefix="/api/v1", description="Validation plugins")


@blp.route("/plugins")
class Plugins(MethodView):
    @blp.response(200, PluginSchema(many=True))
    def get(self) -> list[dict]:
        """Installed plugins: version, hooks, task types, and the ministries that enable
        each (built-ins apply everywhere)."""
        return plugins.installed(current_actor())


@blp.route("/plugins/<name>/ministries/<code>")
class PluginEnablement(MethodView):
    @blp.arguments(EnablementSchema())
    @blp.response(200, EnablementResultSchema)
    @blp.problems(403, 404, 409)
    def put(self, data: dict, name: str, code: str) -> dict:
        """Enable a plugin for a ministry, optionally with its settings (admin)."""
        row = plugins.enable(current_actor(), name, code, data.get("settings"))
        return {"plugin": row.plugin, "ministry": row.ministry.code, "enabled": row.enabled,
                "settings": row.settings}

    @blp.response(204)
    @blp.problems(403, 404, 409)
    def delete(self, name: str, code: str) -> None:
        """Disable a plugin for a ministry (admin)."""
        plugins.disable(current_actor(), name, code)


@blp.route("/ministries/<code>/rules/<rule>")
class RuleSeverity(MethodView):
    @blp.arguments(SeveritySchema())
    @blp.response(200, SeverityOverridesSchema)
    @blp.problems(403, 404, 409)
    def put(self, data: dict, code: str, rule: str) -> dict:
        """Override a rule's severity for a ministry; `off` silences it (admin)."""
        if len(rule) > RULE_MAX or has_control_characters(rule):
            raise Invalid(f"Regelkoden skal være højst {RULE_MAX} tegn uden styretegn, "
                          "fx plan.top-manager.", field="rule")
        ministry = plugins.set_severity(current_actor(), code, rule, data["severity"])
        return {"ministry": ministry.code, "severity_overrides": ministry.severity_overrides}

    @blp.response(200, SeverityOverridesSchema)
    @blp.problems(403, 404, 409)
    def delete(self, code: str, rule: str) -> dict:
        """Restore a rule's default severity for a ministry (admin)."""
        ministry = plugins.set_severity(current_actor(), code, rule, None)
        return {"ministry": ministry.code, "severity_overrides": ministry.severity_overrides}
