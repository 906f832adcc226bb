"""API: issued copies and receipts.

The secretariat lists a meeting's copies and reads the receipt matrix the receipts page
shows (``tracking.dashboard``); a delegate lists their own copies as the portal's meeting
page decides them (``tracking.portal`` and ``tracking.holding``), with links to the
portal's pages only where the portal offers them: never a PDF of a MẬT copy.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from flask import Response, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role
from ..documents.models import Document, DocumentVersion
from ..extensions import db
from ..issuance.models import IssuedCopy
from ..meetings.models import Meeting
from ..models_common import utcnow
from ..tracking.dashboard import (
    Column,
    ReceiptFilter,
    Row,
    events_of_delegate,
    invited_delegate,
    receipt_matrix,
    stage_of,
)
from ..tracking.holding import Holding, HoldingState, holding_of
from ..tracking.models import ReminderReason
from ..tracking.portal import MeetingPortal, meeting_portal
from .auth import caller
from .common import ID, MEETING, api_blueprint, json_response, not_found, problems, with_meeting
from .issuance_schemas import (
    DelegateReceipts,
    IssuedCopyPage,
    MyCopies,
    MyCopy,
    ReceiptArgs,
    ReceiptMatrix,
)
from .problems import problem
from .schemas import PageArgs

bp = api_blueprint("api_copies", "/api/v1",
                   "Issued copies (bản phát hành) and receipts (theo dõi nhận, mở, ký nhận).")

#: Holdings that can no longer be read: listed apart, without links.
WITHDRAWN = (HoldingState.RECALLED, HoldingState.SUPERSEDED, HoldingState.PAPER_RECALLED)


def _document(document: Document) -> dict[str, Any]:
    return {"id": document.id, "symbol": document.symbol, "title": document.title,
            "confidentiality": document.confidentiality}


# --- the secretariat's list -------------------------------------------------------


def _copy(copy: IssuedCopy) -> dict[str, Any]:
    version = copy.document_version
    return {
        "id": copy.id, "job_id": copy.job_id, "kind": copy.kind,
        "document": _document(version.document) if version else None,
        "version": version.number if version else None,
        "delegate": {"id": copy.user.id, "username": copy.user.username,
                     "full_name": copy.user.full_name},
        "copy_number": copy.copy_number, "copy_total": copy.copy_total, "label": copy.label,
        "channel": copy.channel, "status": copy.status, "signed_at": copy.signed_at,
        "delivered_at": copy.delivered_at, "superseded_at": copy.superseded_at,
        "recalled_at": copy.recalled_at, "handed_over_at": copy.handed_over_at,
        "returned_at": copy.returned_at}


@bp.get(f"{MEETING}/copies")
@with_meeting(staff=True)
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, IssuedCopyPage, description="Ordered by copy id, oldest first.",
             headers={"ETag": {"schema": {"type": "string"}},
                      "Link": {"schema": {"type": "string"}}})
@bp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match.")
@problems(bp, 403, 404)
def list_copies(meeting: Meeting, page: int, per_page: int) -> Response:
    """Every copy issued for a meeting, whatever its state (staff)"""
    query = select(IssuedCopy).where(IssuedCopy.meeting_id == meeting.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    copies = db.session.scalars(
        query.options(selectinload(IssuedCopy.user),
                      selectinload(IssuedCopy.document_version)
                      .selectinload(DocumentVersion.document))
        .order_by(IssuedCopy.id).limit(per_page).offset((page - 1) * per_page)).all()
    pages = max(1, math.ceil(total / per_page))
    response = json_response(IssuedCopyPage().dump({
        "items": [_copy(c) for c in copies],
        "pagination": {"page": page, "per_page": per_page, "total": total, "pages": pages}}))
    links = [f'<{url_for(".list_copies", meeting_id=meeting.id, page=n, per_page=per_page)}>; '
             f'rel="{rel}"'
             for rel, n in (("first", 1), ("prev", page - 1), ("next", page + 1),
                            ("last", pages)) if 1 <= n <= pages]
    response.headers["Link"] = ", ".join(links)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


# --- the delegate's own copies ----------------------------------------------------


def _my_copy(meeting_id: int, document: Document, holding: Holding) -> dict[str, Any]:
    item, paper = holding.item, holding.paper
    electronic = None
    if item is not None:
        version = item.copy.document_version
        electronic = {
            "id": item.copy.id, "label": item.copy.label,
            "version": version.number if version else 0, "channel": item.copy.channel,
            "state": item.state.value, "revised": item.revised, "opened_at": item.opened_at,
            "acknowledged_at": item.acknowledged_at, "recalled_at": item.copy.recalled_at,
            "superseded_at": item.copy.superseded_at}
    return {
        "document": _document(document), "holding": holding.state.value, "copy": electronic,
        "paper": None if paper is None else {
            "id": paper.id, "label": paper.label, "handed_over_at": paper.handed_over_at,
            "returned_at": paper.returned_at, "recalled_at": paper.recalled_at},
        "links": {
            # The portal's own decisions (tracking.services.may_view, may_download).
            "view": url_for("tracking.view_copy", meeting_id=meeting_id, copy_id=item.copy.id)
            if item is not None and item.viewable else None,
            "download": url_for("tracking.download_copy", meeting_id=meeting_id,
                                copy_id=item.copy.id)
            if item is not None and item.downloadable else None}}


def _agenda_order(document: Document) -> tuple[int, int]:
    item = document.agenda_item
    return (item.position if item else 10_000, document.id)


def _holdings(portal: MeetingPortal) -> list[tuple[Document, Holding]]:
    """Each document issued to the delegate, in agenda order, as the portal holds it."""
    documents = {document_id: item.document for document_id, item in portal.items.items()}
    for document_id, paper in portal.paper_copies.items():
        assert paper.document_version is not None  # paper copies are of documents
        documents.setdefault(document_id, paper.document_version.document)
    return [(d, holding_of(portal, d.id)) for d in sorted(documents.values(), key=_agenda_order)]


def _packet(meeting_id: int, portal: MeetingPortal) -> dict[str, Any] | None:
    packet = portal.packet
    if packet is None:
        return None
    offered = portal.packet_holds_documents
    return {"id": packet.id, "label": packet.label,
            "acknowledged_at": portal.packet_acknowledged.at if portal.packet_acknowledged
            else None,
            "links": {
                "pdf": url_for("tracking.download_packet", meeting_id=meeting_id)
                if offered else None,
                "zip": url_for("tracking.download_packet_zip", meeting_id=meeting_id)
                if offered else None}}


def _not_a_delegate() -> Response:
    return problem(403, ("Chỉ đại biểu mới có bản phát hành của riêng mình.",
                         "Only delegates hold copies of their own."))


def _my_copies(meeting: Meeting) -> dict[str, Any]:
    portal = meeting_portal(db.session, meeting.id, caller().user.id)
    held = [(holding, _my_copy(meeting.id, document, holding))
            for document, holding in _holdings(portal)]
    return MyCopies().dump({
        "meeting_id": meeting.id,
        "copies": [entry for holding, entry in held if holding.state not in WITHDRAWN],
        "withdrawn": [entry for holding, entry in held if holding.state in WITHDRAWN],
        "packet": _packet(meeting.id, portal)})


@bp.get(f"{MEETING}/my/copies")
@with_meeting()
@bp.response(200, MyCopies)
@problems(bp, 403, 404)
def list_my_copies(meeting: Meeting) -> Response:
    """Your own copies of a meeting (delegates), with the portal's links"""
    if not caller().user.has_role(Role.DELEGATE):
        return _not_a_delegate()
    return json_response(_my_copies(meeting))


@bp.get(f"{MEETING}/my/copies/<{ID}:copy_id>")
@with_meeting()
@bp.response(200, MyCopy)
@problems(bp, 403, 404)
def read_my_copy(meeting: Meeting, copy_id: int) -> Response:
    """One of your own copies (delegates): another's, or one not listed, is not found"""
    if not caller().user.has_role(Role.DELEGATE):
        return _not_a_delegate()
    mine = _my_copies(meeting)
    for entry in [*mine["copies"], *mine["withdrawn"]]:
        if copy_id in {(entry["copy"] or {}).get("id"), (entry["paper"] or {}).get("id")}:
            return json_response(entry)
    return not_found("bản này", "copy")


# --- receipts ---------------------------------------------------------------------


def _counts(tallied: Row | Column) -> dict[str, int]:
    return {"entitled": tallied.entitled, "opened": tallied.opened,
            "acknowledged": tallied.acknowledged}


def _row(row: Row, document_ids: list[int]) -> dict[str, Any]:
    cells = [{"document_id": document_id, "copy_id": cell.copy_id, "channel": cell.channel,
              "stage": stage_of(cell), "delivered_at": cell.delivered_at,
              "downloaded_at": cell.downloaded_at, "opened_at": cell.opened_at,
              "acknowledged_at": cell.acknowledged_at, "recalled_at": cell.recalled_at,
              "returned_at": cell.returned_at, "pages_viewed": cell.pages_viewed,
              "page_count": cell.page_count}
             for document_id, cell in zip(document_ids, row.cells, strict=True) if cell]
    return {"delegate_id": row.user_id, "name": row.name, "title": row.title,
            "guest": row.guest, "last_reminded_at": row.last_reminded_at,
            "pages_viewed": row.pages_viewed, "cells": cells, **_counts(row)}


@bp.get(f"{MEETING}/receipts")
@with_meeting(staff=True)
@bp.arguments(ReceiptArgs, location="query", as_kwargs=True)
@bp.response(200, ReceiptMatrix)
@problems(bp, 403, 404)
def read_receipts(meeting: Meeting, missing: str | None = None,
                  document_id: int | None = None) -> Response:
    """Delegates × documents: delivered, opened, acknowledged, as the receipts page (staff)"""
    wanted = ReceiptFilter(ReminderReason(missing) if missing else None, document_id)
    matrix = receipt_matrix(db.session, meeting, wanted, utcnow())
    ids = matrix.document_ids
    return json_response(ReceiptMatrix().dump({
        "meeting_id": meeting.id,
        "columns": [{"document": {"id": c.document_id, "symbol": c.symbol, "title": c.title,
                                  "confidentiality": c.confidentiality}, **_counts(c)}
                    for c in matrix.columns],
        "rows": [_row(row, ids) for row in matrix.shown],
        "totals": matrix.totals}))


@bp.get(f"{MEETING}/receipts/delegates/<{ID}:user_id>")
@with_meeting(staff=True)
@bp.response(200, DelegateReceipts)
@problems(bp, 403, 404)
def read_delegate_receipts(meeting: Meeting, user_id: int) -> Response:
    """One delegate's row of the matrix and every event of their copies (staff)"""
    user = invited_delegate(db.session, meeting, user_id)
    if user is None:
        return not_found("đại biểu này trong hội nghị", "delegate of this meeting")
    matrix = receipt_matrix(db.session, meeting, ReceiptFilter(), utcnow())
    row = next((r for r in matrix.rows if r.user_id == user.id), None)
    if row is None:
        return not_found("đại biểu này trong hội nghị", "delegate of this meeting")
    events = [{"kind": event.kind, "at": event.at, "copy_id": copy.id, "label": copy.label,
               "symbol": copy.document_version.document.symbol if copy.document_version
               else None, "page": event.page}
              for event, copy in events_of_delegate(db.session, meeting, user)]
    return json_response(DelegateReceipts().dump({
        "meeting_id": meeting.id, "row": _row(row, matrix.document_ids), "events": events}))
