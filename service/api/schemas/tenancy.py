"""Ministries and institutions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.schemas.common import CodeRef, StrictSchema, plain, text


class MinistrySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = text(16, required=True, metadata={"example": "SKM"})
    name = text(200, required=True, metadata={"example": "Skatteministeriet"})
    created_at = fields.DateTime(dump_only=True)


class MinistryPatchSchema(StrictSchema):
    name = text(200, required=True)


class InstitutionSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = text(16, required=True, metadata={"example": "UFST"})
    name = text(200, required=True)
    ministry = CodeRef("ministry.code", required=True, metadata={"example": "SKM"})
    reporting_addresses = fields.List(
        fields.String(**plain(validate=validate.Length(min=3, max=320))),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"example": ["opfoelgning@ufst.dk"]},
    )
    created_at = fields.DateTime(dump_only=True)


class InstitutionPatchSchema(StrictSchema):
    name = text(200, nonblank=True)
    ministry = fields.String(validate=validate.Length(min=2, max=16))
    reporting_addresses = fields.List(
        fields.String(**plain(validate=validate.Length(min=3, max=320))),
        validate=validate.Length(max=50),
    )


class MinistryQuerySchema(Schema):
    pass


class InstitutionQuerySchema(StrictSchema):
    ministry = fields.String(metadata={"description": "ministry code"})


class AddressSchema(StrictSchema):
    address = fields.String(required=True, **plain(
        validate=validate.Length(min=1, max=320), metadata={"example": "opfoelgning@ufst.dk"}))
