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


def _share(**kwargs: object) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(min=0, min_inclusive=False,
                                                                 max=1.5), **kwargs)


class StatusThresholdsSchema(StrictSchema):
    """A ministry's thresholds for the computed status (DESIGN section 12): attainment (the
    measured progress as a share of the expected) from ``on_track`` is on track, from
    ``at_risk`` at risk; a maintained target is on track within ``maintain_tolerance`` (a
    share of the target) and at risk within twice it. Fields left out keep their value."""

    ministry = fields.String(dump_only=True, metadata={"example": "SKM"})
    on_track = _share(metadata={"example": 0.95})
    at_risk = _share(metadata={"example": 0.85})
    maintain_tolerance = _share(metadata={"example": 0.05})
    reason = fields.String(load_only=True, **plain(multiline=True,
                                                   validate=validate.Length(max=2000)))
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true while the ministry uses the defaults"})


class AttainmentSettingsSchema(StrictSchema):
    """A ministry's settings for the plans' attainment (målopfyldelse): with
    ``weights_enabled`` its plans show an attainment per year from their goals' weights
    (points) and final statuses; a partly met goal (partially achieved, at risk) earns
    ``partial_share`` of its points. Fields left out keep their value."""

    ministry = fields.String(dump_only=True, metadata={"example": "SKM"})
    weights_enabled = fields.Boolean(metadata={"example": True, "description": "default false"})
    partial_share = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=1),
                                 metadata={"example": 0.5, "description": "0–1, default 0.5"})
    reason = fields.String(load_only=True, **plain(multiline=True,
                                                   validate=validate.Length(max=2000)))
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true while the ministry uses the defaults"})


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
