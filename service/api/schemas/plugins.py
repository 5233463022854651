"""Installed plugins and their enablement per ministry."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import StrictSchema


class TaskTypeSchema(Schema):
    code = fields.String()
    label = fields.String()


class PluginSchema(Schema):
    name = fields.String()
    version = fields.String(allow_none=True)
    builtin = fields.Boolean()
    source = fields.String(allow_none=True)
    module = fields.String(allow_none=True)
    hooks = fields.List(fields.String())
    task_types = fields.List(fields.Raw())
    error = fields.String(allow_none=True)
    enabled_in = fields.List(
        fields.String(), metadata={"description": "ministry codes; ['*'] for built-ins"}
    )


class EnablementSchema(StrictSchema):
    settings = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)


class EnablementResultSchema(Schema):
    plugin = fields.String()
    ministry = fields.String()
    enabled = fields.Boolean()
    settings = fields.Dict()


class SeveritySchema(StrictSchema):
    severity = fields.String(
        required=True, validate=validate.OneOf(["error", "warning", "info", "off"])
    )


class SeverityOverridesSchema(Schema):
    ministry = fields.String()
    severity_overrides = fields.Dict(keys=fields.String(), values=fields.String())
