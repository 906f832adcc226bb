"""The secretariat's print run and hand-over register of a document's paper copies."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, redirect, send_file, url_for

from ..access import current_actor, flash_error, roles_required, staff_meeting_or_404
from ..audit.services import record
from ..documents.models import Document
from ..documents.services import document_in_meeting
from ..errors import DomainError
from ..extensions import db
from ..meetings.forms import EmptyForm
from ..meetings.services import STAFF_ROLES
from ..models_common import utcnow
from .paper import (
    handover_register,
    make_print_run,
    print_run_copies,
    print_run_zip,
    record_print_run,
)
from .pdf import ascii_slug
from .runner import link_settings, worker_config

bp = Blueprint("paper", __name__,
               url_prefix="/meetings/<int:meeting_id>/documents/<int:document_id>/paper")


def _document_or_404(meeting_id: int, document_id: int) -> Document:
    document = document_in_meeting(db.session, staff_meeting_or_404(meeting_id), document_id)
    if document is None:
        abort(404)
    return document


def _file_name(document: Document, what: str, extension: str) -> str:
    return f"{what}-{ascii_slug(document.symbol) or document.id}.{extension}"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/print-run.<any(pdf, zip):kind>")
@roles_required(*STAFF_ROLES)
def print_run(meeting_id: int, document_id: int, kind: str) -> Response:
    """Every copy still to hand over, each signed on its own and its hash recorded, in
    one file to print (``pdf``), or that file with the signed copies (``zip``)."""
    document = _document_or_404(meeting_id, document_id)
    if not EmptyForm().validate():
        abort(400)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        run = make_print_run(worker_config(app), link_settings(app),
                             print_run_copies(db.session, document))
        record_print_run(db.session, document, run, current_actor())
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("issuance.list_paper_copies", meeting_id=meeting_id))
    # The hashes are committed before the file leaves: a printout is always traceable.
    db.session.commit()
    if kind == "pdf":
        return _no_store(send_file(io.BytesIO(run.merged), mimetype="application/pdf",
                                   as_attachment=True,
                                   download_name=_file_name(document, "ban-in", "pdf")))
    return _no_store(send_file(io.BytesIO(print_run_zip(document, run)),
                               mimetype="application/zip", as_attachment=True,
                               download_name=_file_name(document, "ban-in", "zip")))


@bp.get("/register.pdf")
@roles_required(*STAFF_ROLES)
def register(meeting_id: int, document_id: int) -> Response:
    """The hand-over register (sổ giao nhận) of the document's paper copies, signed."""
    document = _document_or_404(meeting_id, document_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        pdf = handover_register(db.session, worker_config(app), link_settings(app), document,
                                utcnow())
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("issuance.list_paper_copies", meeting_id=meeting_id))
    record(db.session, "paper_copy.register_printed", current_actor(), object_type="document",
           object_id=document.id, meeting_id=meeting_id, details={"symbol": document.symbol})
    db.session.commit()
    return _no_store(send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                               download_name=_file_name(document, "so-giao-nhan", "pdf")))


__all__ = ["bp"]
