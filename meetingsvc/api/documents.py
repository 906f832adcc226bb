"""API: Documents and their versions, uploaded through exactly the web's checks."""

from __future__ import annotations

from typing import Any

from flask import Request, Response, current_app, url_for
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from ..documents.blobs import TooLarge, blob_store
from ..documents.models import Audience, Document
from ..documents.pdfcheck import InvalidPdf
from ..documents.sanitize import ActiveContentReport
from ..documents.services import (
    DocumentDetails,
    DocumentError,
    add_version,
    configured_upload,
    create_document,
    create_record,
    document_in_meeting,
    record_refused_upload,
)
from ..documents.vocabulary import Confidentiality
from ..errors import N_, DomainError
from ..extensions import db
from ..meetings.models import AgendaItem, Meeting
from ..meetings.services import STAFF_ROLES
from ..tracking.portal import papers_seen
from .auth import api_actor, caller
from .common import (
    ID,
    MEETING,
    api_blueprint,
    json_response,
    not_found,
    problems,
    refused,
    said,
    with_meeting,
)
from .document_schemas import (
    STAFF_ONLY,
    DocumentCreated,
    DocumentList,
    DocumentOut,
    DocumentUpload,
    VersionCreated,
    VersionOut,
    VersionUpload,
)
from .problems import problem


class _MultipartParser(FlaskParser):
    """Form fields and file parts read as one body, as the web's upload forms read them."""

    def load_form(self, req: Request, schema: Schema) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


bp = api_blueprint("api_documents", "/api/v1",
                   "Documents (tài liệu) of a meeting: upload through the web's checks, versions.")
bp.ARGUMENTS_PARSER = _MultipartParser()

_MULTIPART = {"location": "form", "content_type": "multipart/form-data"}


def _dump(document: Document) -> dict[str, Any]:
    """What the caller sees of a document: versions and named recipients for staff only."""
    staff = caller().user.has_role(*STAFF_ROLES)
    data: dict[str, Any] = DocumentOut(exclude=() if staff else STAFF_ONLY).dump(document)
    return data


def _no_document() -> Response:
    return not_found("tài liệu này", "document")


@bp.get(f"{MEETING}/documents")
@with_meeting()
@bp.response(200, DocumentList)
@problems(bp, 404)
def list_documents(meeting: Meeting) -> Response:
    """List the meeting's documents you see: a delegate only those issued to them"""
    seen = papers_seen(db.session, meeting, caller().user)
    return json_response({"items": [_dump(d) for d in sorted(seen.documents,
                                                              key=lambda d: d.id)]})


@bp.get(f"{MEETING}/documents/<{ID}:document_id>")
@with_meeting()
@bp.response(200, DocumentOut)
@problems(bp, 404)
def read_document(meeting: Meeting, document_id: int) -> Response:
    """Read one document; the secretariat also gets its versions"""
    seen = papers_seen(db.session, meeting, caller().user)
    document = next((d for d in seen.documents if d.id == document_id), None)
    if document is None:
        return _no_document()
    return json_response(_dump(document))


class _Removed:
    """Collects what the sanitiser removed from the upload, for the answer."""

    def __init__(self) -> None:
        self.details: dict[str, int] = {}

    def __call__(self, report: ActiveContentReport) -> None:
        self.details = report.as_details()


def _refused_upload(meeting: Meeting, file: FileStorage, error: DomainError) -> Response:
    """The web's refusal, in problem details: the file's own faults name the field "file";
    the refusal is recorded as the web records it."""
    if isinstance(error, TooLarge):
        db.session.rollback()
        response = problem(413, said(error))
    else:
        if isinstance(error, InvalidPdf) and error.field is None:
            error.field = "file"
        response = refused(error, "form")
    record_refused_upload(db.session, meeting.id, file.filename, error, api_actor())
    return response


@bp.post(f"{MEETING}/documents")
@with_meeting(staff=True)
@bp.arguments(DocumentUpload, **_MULTIPART)
@bp.response(201, DocumentCreated)
@problems(bp, 400, 403, 404, 409, 413)
def upload_document(data: dict[str, Any], meeting: Meeting) -> Response:
    """Upload a document with its first version (staff), checked and cleaned as on the web"""
    file: FileStorage = data["file"]
    item = None
    if data.get("agenda_item_id") is not None:
        item = db.session.get(AgendaItem, data["agenda_item_id"])
        if item is None or item.meeting_id != meeting.id:
            return refused(DocumentError(N_("This meeting has no such agenda item."),
                                         field="agenda_item_id"), "form")
    details = DocumentDetails(
        symbol=data["symbol"], kind=data["kind"], title=data["title"],
        confidentiality=Confidentiality(data["confidentiality"]),
        audience=Audience(data["audience"]), audience_body_id=data.get("audience_body_id"),
        open_to_guests=data["open_to_guests"], named_user_ids=frozenset(data["named_user_ids"]))
    upload = configured_upload(file.stream, file.filename, current_app.config)
    store, removed = blob_store(current_app.config), _Removed()
    try:
        if item is None:
            document = create_record(db.session, store, meeting, details, upload, api_actor(),
                                     on_removed=removed)
        else:
            document = create_document(db.session, store, item, details, upload, api_actor(),
                                       on_removed=removed)
    except DomainError as error:
        return _refused_upload(meeting, file, error)
    response = json_response(_dump(document) | {"removed_active_content": removed.details}, 201)
    response.headers["Location"] = url_for(".read_document", meeting_id=meeting.id,
                                           document_id=document.id)
    return response


@bp.post(f"{MEETING}/documents/<{ID}:document_id>/versions")
@with_meeting(staff=True)
@bp.arguments(VersionUpload, **_MULTIPART)
@bp.response(201, VersionCreated)
@problems(bp, 400, 403, 404, 409, 413)
def upload_version(data: dict[str, Any], meeting: Meeting, document_id: int) -> Response:
    """Upload a new version of a document (staff); the old one is kept"""
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        return _no_document()
    file: FileStorage = data["file"]
    removed = _Removed()
    try:
        version = add_version(db.session, blob_store(current_app.config), document,
                              configured_upload(file.stream, file.filename, current_app.config),
                              api_actor(), note=data.get("note"), on_removed=removed)
    except DomainError as error:
        return _refused_upload(meeting, file, error)
    response = json_response(
        VersionOut().dump(version) | {"removed_active_content": removed.details}, 201)
    response.headers["Location"] = url_for(".read_document", meeting_id=meeting.id,
                                           document_id=document.id)
    return response
