"""People (DESIGN section 10)."""

from __future__ import annotations

from marshmallow import fields, validate

from service.api.schemas.common import CodeRef, StrictSchema, text

ROLES = ("admin", "department", "institution")


class UserSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    email = text(320, required=True, metadata={"example": "anne.jensen@skm.dk"})
    name = text(200, required=True, metadata={"example": "Anne Jensen"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    ministry = CodeRef("ministry.code", allow_none=True, metadata={"example": "SKM"})
    institution = CodeRef("institution.code", allow_none=True)
    active = fields.Boolean(dump_only=True)
    last_sign_in_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class UserPatchSchema(StrictSchema):
    name = text(200, nonblank=True)
    role = fields.String(validate=validate.OneOf(ROLES))
    ministry = fields.String(allow_none=True, validate=validate.Length(min=2, max=16))
    institution = fields.String(allow_none=True, validate=validate.Length(min=2, max=16))
    active = fields.Boolean()
