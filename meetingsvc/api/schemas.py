"""Request and response schemas of the API (marshmallow; they also make the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

#: Largest page a list answers.
MAX_PER_PAGE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"Items per page, 1 to {MAX_PER_PAGE}."})


class Pagination(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class BodyRef(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name_vi = fields.String(required=True)
    name_en = fields.String(allow_none=True)


class MeetingOut(Schema):
    id = fields.Integer(required=True)
    body = fields.Nested(BodyRef, required=True)
    session_number = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True)
    status = fields.String(required=True)
    agenda_published = fields.Boolean(required=True)


class MeetingPage(Schema):
    items = fields.List(fields.Nested(MeetingOut), required=True)
    pagination = fields.Nested(Pagination, required=True)


_title = [validate.Length(min=1, max=300),
          validate.Regexp(r"\s*\S", error="Must not be blank.")]


class MeetingCreate(Schema):
    body_id = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "The body whose members are invited."})
    session_number = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(min=1, max=10_000))
    title = fields.String(required=True, validate=_title)
    starts_at = fields.AwareDateTime(required=True,
                                     metadata={"description": "With a time zone offset."})
    place = fields.String(required=True, validate=_title)


class MeetingUpdate(Schema):
    session_number = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    title = fields.String(validate=_title)
    starts_at = fields.AwareDateTime()
    place = fields.String(validate=_title)


class FieldError(Schema):
    field = fields.String(required=True)
    messages = fields.List(fields.String(), required=True)


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    title_vi = fields.String(required=True)
    title_en = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    errors = fields.List(fields.Dict())
