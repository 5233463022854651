"""Base schema and field helpers shared by the resource schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, missing, pre_load, validate

from service.vocabulary import has_control_characters

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


def _reads_plain_attribute(field: fields.Field, attr_name: str) -> bool:
    """Whether ``field`` dumps ``getattr(obj, name)`` through its ``_serialize`` and nothing
    else: marshmallow's own ``serialize`` and ``get_value``, and no dotted path."""
    return (
        type(field).serialize is fields.Field.serialize
        and type(field).get_value is fields.Field.get_value
        and field._CHECK_ATTRIBUTE
        and "." not in (field.attribute or attr_name)
    )


class StrictSchema(Schema):
    """Unknown fields (server-owned ones included) are an error naming the field."""

    class Meta:
        unknown = RAISE
        ordered = True

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        """marshmallow's ``Schema._serialize`` with the per-field lookup unrolled for objects
        (ORM rows): a plain field's value is ``getattr(obj, attribute)``, exactly what
        marshmallow's accessor does for an object that is not subscriptable. Mappings, a
        custom ``get_attribute`` and fields with their own lookup (``CodeRef``, ``Method``)
        take marshmallow's path unchanged."""
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        if (
            obj is None
            or hasattr(obj, "__getitem__")
            or type(self).get_attribute is not Schema.get_attribute
        ):
            return super()._serialize(obj)
        plan = self.__dict__.get("_dump_plan")
        if plan is None or plan[0] is not self.dump_fields:
            plan = self._dump_plan = (
                self.dump_fields,
                [
                    (
                        attr_name,
                        field.data_key if field.data_key is not None else attr_name,
                        field.attribute or attr_name,
                        field,
                        _reads_plain_attribute(field, attr_name),
                    )
                    for attr_name, field in self.dump_fields.items()
                ],
            )
        ret = self.dict_class()
        for attr_name, key, attribute, field, plain in plan[1]:
            if plain:
                value = getattr(obj, attribute, missing)
                if value is missing:
                    default = field.dump_default
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
                value = field._serialize(value, attr_name, obj)
            else:
                value = field.serialize(attr_name, obj, accessor=self.get_attribute)
                if value is missing:
                    continue
            ret[key] = value
        return ret

    @pre_load
    def _reject_nul(self, data: Any, **kwargs: object) -> Any:
        bad = _with_nul(data, "") if isinstance(data, Mapping) else []
        if bad:
            raise ValidationError({name: [NUL_MESSAGE] for name in bad})
        return data


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class NoControl(validate.Validator):
    """No control characters (Unicode's Cc: U+0000–U+001F, U+007F–U+009F): a code, a name
    or a title is one line of printable text. ``multiline`` text (a description, a comment,
    a reason) may hold tabs and line breaks. The pattern goes into the OpenAPI document."""

    SINGLE_LINE = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    MULTILINE = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline
        self.pattern = self.MULTILINE if multiline else self.SINGLE_LINE
        self.error = (
            "Control characters other than tab and line breaks are not allowed."
            if multiline else "Control characters (tab and line breaks too) are not allowed."
        )

    def __call__(self, value: str) -> str:
        if isinstance(value, str) and has_control_characters(value, multiline=self.multiline):
            raise ValidationError(self.error)
        return value


def plain(*, multiline: bool = False, **kw: Any) -> dict[str, Any]:
    """Keyword arguments for a ``fields.String`` of text without control characters:
    the check, and its pattern in the field's documentation."""
    check = NoControl(multiline=multiline)
    checks = kw.pop("validate", None) or []
    checks = [*checks] if isinstance(checks, list | tuple) else [checks]
    metadata = {"pattern": check.pattern, **(kw.pop("metadata", None) or {})}
    return {"validate": [*checks, check], "metadata": metadata, **kw}


def text(
    max_len: int,
    *,
    required: bool = False,
    allow_none: bool = False,
    nonblank: bool = False,
    multiline: bool = False,
    **kw: Any,
):
    """A string without control characters (see :class:`NoControl`); ``required`` and
    ``nonblank`` ones must hold more than whitespace (a PATCH leaves out what it does not
    change, but may not blank a required field)."""
    checks: list[Any] = [validate.Length(min=1 if required or nonblank else 0, max=max_len)]
    if required or nonblank:
        checks.append(_not_blank)
    return fields.String(required=required, allow_none=allow_none,
                         **plain(multiline=multiline, validate=checks, **kw))


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


class ProblemSchema(Schema):
    """Every error answer: ``application/problem+json`` (RFC 9457). Members beyond these may
    come (RFC 9457's extension members)."""

    class Meta:
        unknown = INCLUDE
        ordered = True

    type = fields.String(required=True, metadata={
        "description": "a URN naming the kind of problem",
        "example": "urn:mrp:problem:validation-error"})
    title = fields.String(required=True, metadata={"example": "Validation failed"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(required=True, metadata={
        "description": "what went wrong, for a person (Danish for the service's own rules)"})
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "messages by field; nested fields dotted (`goals.0.value`), "
                                 "`_schema` for the body as a whole"})
    findings = fields.List(fields.Nested(FindingSchema), metadata={
        "description": "the validation errors that block approving a plan (409)"})


class ValidationSchema(Schema):
    findings = fields.List(fields.Nested(FindingSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReasonSchema(StrictSchema):
    reason = text(2000, allow_none=True, multiline=True,
                  metadata={"description": "why (logged in the audit)"})


class RequiredReasonSchema(StrictSchema):
    reason = text(2000, required=True, multiline=True)


class CodeRef(fields.String):
    """A related object named by its code: reads ``path`` (``institution.code``) when
    dumping, and loads a plain code string."""

    def __init__(self, path: str, **kwargs: object) -> None:
        kwargs.setdefault("validate", validate.Length(min=1, max=40))
        super().__init__(**kwargs)
        self.path = path
        self._parts = tuple(path.split("."))

    def get_value(self, obj: object, attr: str, accessor=None, default=None):
        value = obj
        for part in self._parts:
            value = getattr(value, part, None)
            if value is None:
                return None
        return value
