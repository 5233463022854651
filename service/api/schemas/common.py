"""Base schema and field helpers shared by the resource schemas."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Unknown fields (server-owned ones included) are an error naming the field."""

    class Meta:
        unknown = RAISE
        ordered = True


def text(max_len: int, *, required: bool = False, allow_none: bool = False, **kw: object):
    return fields.String(
        required=required,
        allow_none=allow_none,
        validate=validate.Length(min=1 if required else 0, max=max_len),
        **kw,
    )


def year(**kw: object) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100), **kw)


def one_of(values: list[str], **kw: object) -> fields.String:
    return fields.String(validate=validate.OneOf(values), **kw)


class FindingSchema(Schema):
    rule = fields.String()
    severity = fields.String()
    goal = fields.String(allow_none=True)
    plugin = fields.String(allow_none=True)
    message = fields.String()


class ValidationSchema(Schema):
    findings = fields.List(fields.Nested(FindingSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReasonSchema(StrictSchema):
    reason = text(2000, allow_none=True, metadata={"description": "why (logged in the audit)"})


class RequiredReasonSchema(StrictSchema):
    reason = text(2000, required=True)


class CodeRef(fields.String):
    """A related object named by its code: reads ``path`` (``institution.code``) when
    dumping, and loads a plain code string."""

    def __init__(self, path: str, **kwargs: object) -> None:
        kwargs.setdefault("validate", validate.Length(min=1, max=40))
        super().__init__(**kwargs)
        self.path = path

    def get_value(self, obj: object, attr: str, accessor=None, default=None):
        value = obj
        for part in self.path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value
