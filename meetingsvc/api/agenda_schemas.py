"""Schemas of a meeting's invitations and agenda items in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..meetings.models import InvitationRole

_MAX_ID = 2**31 - 1
_not_blank = validate.Regexp(r"\s*\S", error="Must not be blank.")


class InvitationOut(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    position = fields.String(required=True, allow_none=True,
                             metadata={"description": "The delegate's position (chức vụ)."})
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in InvitationRole]),
                         metadata={"description": "member (ủy viên) or guest (đại biểu mời)."})


class InvitationList(Schema):
    items = fields.List(fields.Nested(InvitationOut), required=True,
                        metadata={"description": "Members in the body's order, then guests."})


class InvitationStakeOut(InvitationOut):
    copies = fields.Integer(required=True, metadata={
        "description": "Current copies issued to the delegate (packets aside)."})
    paper_out = fields.Integer(required=True, metadata={
        "description": "Paper copies handed to the delegate and not returned."})
    stake = fields.String(required=True, metadata={
        "description": "Fingerprint of the invitation and those copies (also the ETag): "
                       "send it as If-Match to remove the invitation."})


class InvitationCreate(Schema):
    user_id = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=_MAX_ID),
                             metadata={"description": "An active delegate account not yet "
                                                      "invited; invited as a guest."})


class AgendaItemOut(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={
        "description": "From 1, in the order the caller sees the items."})
    title = fields.String(required=True)
    presenter = fields.String(required=True, allow_none=True)


class AgendaList(Schema):
    items = fields.List(fields.Nested(AgendaItemOut), required=True)
    published = fields.Boolean(required=True, metadata={
        "description": "Whether invited delegates see the titles before the papers are issued."})


class AgendaItemCreate(Schema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=500), _not_blank])
    presenter = fields.String(allow_none=True, load_default=None,
                              validate=validate.Length(max=300))


class AgendaItemUpdate(Schema):
    title = fields.String(validate=[validate.Length(min=1, max=500), _not_blank])
    presenter = fields.String(allow_none=True, validate=validate.Length(max=300))
