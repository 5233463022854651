"""Base schema and field helpers shared by the resource schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

NUL_MESSAGE = "NUL characters are not allowed."


def _with_nul(value: Any, name: str) -> list[str]:
    """The fields (dotted, as in ``errors``) whose text holds a NUL character, which no
    database column stores."""
    if isinstance(value, str):
        return [name] if "\x00" in value else []
    if isinstance(value, Mapping):
        return [f for k, v in value.items() for f in _with_nul(v, f"{name}.{k}" if name else k)]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _with_nul(v, f"{name}.{i}")]
    return []


class StrictSchema(Schema):
    """Unknown fields (server-owned ones included) are an error naming the field."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def _reject_nul(self, data: Any, **kwargs: object) -> Any:
        bad = _with_nul(data, "") if isinstance(data, Mapping) else []
        if bad:
            raise ValidationError({name: [NUL_MESSAGE] for name in bad})
        return data


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def text(
    max_len: int,
    *,
    required: bool = False,
    allow_none: bool = False,
    nonblank: bool = False,
    **kw: object,
):
    """A string; ``required`` and ``nonblank`` ones must hold more than whitespace (a PATCH
    leaves out what it does not change, but may not blank a required field)."""
    checks = [validate.Length(min=1 if required or nonblank else 0, max=max_len)]
    if required or nonblank:
        checks.append(_not_blank)
    return fields.String(required=required, allow_none=allow_none, validate=checks, **kw)


def year(*, strict: bool = True, **kw: object) -> fields.Integer:
    """A year; ``strict=False`` for query strings, where every value is text."""
    return fields.Integer(strict=strict, validate=validate.Range(min=2000, max=2100), **kw)


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
