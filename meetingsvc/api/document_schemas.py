"""Schemas of documents and their versions in the API, uploads included (multipart)."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from ..documents.models import Audience, Phase
from ..documents.vocabulary import KINDS, Confidentiality

_MAX_ID = 2**31 - 1
_not_blank = validate.Regexp(r"\s*\S", error="Must not be blank.")
_id = validate.Range(min=1, max=_MAX_ID)


class PdfFile(Upload):  # type: ignore[misc]
    """A file part of the multipart body; its checks are the web's (in the services)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ValidationError("Send the PDF as a file part of a multipart/form-data body.")
        return value


class VersionOut(Schema):
    number = fields.Integer(required=True)
    original_filename = fields.String(required=True)
    page_count = fields.Integer(required=True)
    sha256 = fields.String(required=True, attribute="blob_sha256",
                           metadata={"description": "SHA-256 of the stored (cleaned) file."})
    uploaded_at = fields.AwareDateTime(required=True)
    uploaded_by = fields.Method("_uploader", required=True, allow_none=True,
                                metadata={"type": "string",
                                          "description": "The uploader's username."})
    note = fields.String(required=True, allow_none=True)

    def _uploader(self, version: Any) -> str | None:
        return version.uploaded_by.username if version.uploaded_by else None


#: What only the secretariat sees of a document, as on its web page.
STAFF_ONLY = ("versions", "named_user_ids", "recalled_at")


class DocumentOut(Schema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    agenda_item_id = fields.Integer(required=True, allow_none=True,
                                    metadata={"description": "None for a record of the session."})
    phase = fields.String(required=True, validate=validate.OneOf([p.value for p in Phase]))
    symbol = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    confidentiality = fields.String(required=True)
    audience = fields.String(required=True)
    audience_body_id = fields.Integer(required=True, allow_none=True)
    open_to_guests = fields.Boolean(required=True)
    named_user_ids = fields.Method("_named", metadata={
        "type": "array", "items": {"type": "integer"},
        "description": "For audience named: the delegates named; secretariat only."})
    recalled_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "Secretariat only."})
    versions = fields.List(fields.Nested(VersionOut), metadata={
        "description": "Oldest first; secretariat only."})

    def _named(self, document: Any) -> list[int]:
        return sorted(r.user_id for r in document.named_recipients)


class DocumentList(Schema):
    items = fields.List(fields.Nested(DocumentOut), required=True)


_removed = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
    "description": "Active or hidden content removed before storing (kind → count); "
                   "empty when the file had none."})


class DocumentCreated(DocumentOut):
    removed_active_content = _removed


class VersionCreated(VersionOut):
    removed_active_content = _removed


class VersionUpload(Schema):
    file = PdfFile(required=True, metadata={"description": "The PDF."})
    note = fields.String(validate=validate.Length(max=500),
                         metadata={"description": "What changed."})


class DocumentUpload(Schema):
    file = PdfFile(required=True, metadata={"description": "The PDF."})
    agenda_item_id = fields.Integer(strict=False, validate=_id, metadata={
        "description": "The agenda item the paper belongs to. Without it, the document is a "
                       "record of the session (minutes, conclusion notice), issued after it."})
    symbol = fields.String(required=True, validate=[validate.Length(min=1, max=50), _not_blank],
                           metadata={"description": "Số, ký hiệu, e.g. 15-NQ/TU."})
    kind = fields.String(required=True,
                         validate=validate.OneOf([k.name_vi for k in KINDS.values()]),
                         metadata={"description": "Thể loại, in Vietnamese, e.g. Nghị quyết."})
    title = fields.String(required=True, validate=[validate.Length(min=1, max=500), _not_blank])
    confidentiality = fields.String(load_default=Confidentiality.NONE.value,
                                    validate=validate.OneOf([c.value for c in Confidentiality]),
                                    metadata={"description": "Độ mật."})
    audience = fields.String(load_default=Audience.ALL_INVITED.value,
                             validate=validate.OneOf([a.value for a in Audience]),
                             metadata={"description": "Who receives it."})
    audience_body_id = fields.Integer(validate=_id, metadata={
        "description": "For audience body_members: the body whose members receive it."})
    open_to_guests = fields.Boolean(load_default=False, metadata={
        "description": "For audience all_invited: guests receive it too."})
    named_user_ids = fields.List(fields.Integer(validate=_id), validate=validate.Length(max=2000),
                                 load_default=list, metadata={
                                     "description": "For audience named: the invited "
                                                    "delegates who receive it."})
