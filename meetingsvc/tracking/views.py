"""The delegate's own copies: download a copy, the packet, or the packet as a ZIP."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_file
from werkzeug.utils import secure_filename

from ..access import current_actor, roles_required, the_user, visible_meeting_or_404
from ..accounts.models import Role
from ..documents.blobs import blob_store
from ..extensions import db
from ..issuance.pdf import ZipEntry, copy_file_name, write_zip
from .models import EventKind
from .services import (
    Visitor,
    current_item_copies,
    current_packet,
    may_download,
    own_copy,
    record_event,
)

bp = Blueprint("tracking", __name__, url_prefix="/meetings/<int:meeting_id>/my")


def _visitor() -> Visitor:
    return Visitor(current_actor(), request.user_agent.string)


@bp.get("/copies/<int:copy_id>.pdf")
@roles_required(Role.DELEGATE)
def download_copy(meeting_id: int, copy_id: int) -> Response:
    meeting = visible_meeting_or_404(meeting_id)
    copy = own_copy(db.session, the_user().id, copy_id)
    if copy is None or copy.meeting_id != meeting.id or not may_download(copy):
        abort(404)
    record_event(db.session, copy, EventKind.DOWNLOADED, _visitor())
    symbol = copy.document_version.document.symbol if copy.document_version else "goi-tai-lieu"
    assert copy.blob_sha256 is not None
    return send_file(blob_store(current_app.config).path_for(copy.blob_sha256),
                     mimetype="application/pdf", as_attachment=True, conditional=True,
                     download_name=copy_file_name(0, symbol, copy.copy_number, copy.copy_total))


@bp.get("/packet.zip")
@roles_required(Role.DELEGATE)
def download_packet_zip(meeting_id: int) -> Response:
    """The delegate's downloadable single copies, with a manifest of their SHA-256s."""
    meeting = visible_meeting_or_404(meeting_id)
    user = the_user()
    copies = [c for c in current_item_copies(db.session, meeting.id, user.id).values()
              if may_download(c) and c.superseded_at is None]
    if not copies:
        abort(404)
    store = blob_store(current_app.config)
    entries = []
    for order, copy in enumerate(sorted(copies, key=_agenda_order), start=1):
        assert copy.document_version is not None and copy.blob_sha256 is not None
        document = copy.document_version.document
        entries.append(ZipEntry(
            name=copy_file_name(order, document.symbol, copy.copy_number, copy.copy_total),
            source=store.path_for(copy.blob_sha256), sha256=copy.blob_sha256,
            copy_number=copy.copy_number, symbol=document.symbol, title=document.title))
        record_event(db.session, copy, EventKind.DOWNLOADED, _visitor())
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    write_zip(spool, entries, {"meeting": meeting.title, "delegate": user.full_name})
    spool.seek(0)
    name = secure_filename(f"tai-lieu-hoi-nghi-{meeting.id}.zip")
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.get("/packet.pdf")
@roles_required(Role.DELEGATE)
def download_packet(meeting_id: int) -> Response:
    meeting = visible_meeting_or_404(meeting_id)
    packet = current_packet(db.session, meeting.id, the_user().id)
    if packet is None or not may_download(packet):
        abort(404)
    record_event(db.session, packet, EventKind.DOWNLOADED, _visitor())
    assert packet.blob_sha256 is not None
    return send_file(Path(blob_store(current_app.config).path_for(packet.blob_sha256)),
                     mimetype="application/pdf", as_attachment=True, conditional=True,
                     download_name=f"goi-tai-lieu-hoi-nghi-{meeting.id}.pdf")


def _agenda_order(copy: object) -> tuple[int, int]:
    version = getattr(copy, "document_version", None)
    item = version.document.agenda_item if version else None
    return (item.position if item else 10_000, getattr(copy, "id", 0))
