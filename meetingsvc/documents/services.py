"""Uploading documents and new versions: checked first, stored by hash, never overwritten."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Body
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..meetings.models import AgendaItem, Invitation, Meeting
from .blobs import BlobStore
from .models import (
    Audience,
    Blob,
    Confidentiality,
    Document,
    DocumentRecipient,
    DocumentVersion,
)
from .pdfcheck import check_pdf

log = logging.getLogger(__name__)


class DocumentError(DomainError):
    """A document change that cannot be made; the message says why."""


@dataclass(frozen=True)
class DocumentDetails:
    symbol: str
    kind: str
    title: str
    confidentiality: Confidentiality = Confidentiality.NONE
    audience: Audience = Audience.ALL_INVITED
    audience_body_id: int | None = None
    open_to_guests: bool = False
    named_user_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: a stream read in chunks, never whole into memory."""

    stream: BinaryIO
    filename: str
    limit: int


def create_document(
    session: Session,
    store: BlobStore,
    item: AgendaItem,
    details: DocumentDetails,
    upload: Upload,
    actor: Actor,
) -> Document:
    """Attach a new document to an agenda item, with its first version."""
    _check_details(session, item.meeting, details)
    document = Document(
        meeting_id=item.meeting_id,
        agenda_item_id=item.id,
        symbol=details.symbol.strip(),
        kind=details.kind.strip(),
        title=details.title.strip(),
        confidentiality=details.confidentiality.value,
        audience=details.audience.value,
        audience_body_id=(
            details.audience_body_id if details.audience is Audience.BODY_MEMBERS else None
        ),
        open_to_guests=details.open_to_guests,
    )
    if details.audience is Audience.NAMED:
        document.named_recipients = [
            DocumentRecipient(user_id=user_id) for user_id in sorted(details.named_user_ids)
        ]
    session.add(document)
    session.flush()
    record(session, "document.created", actor, object_type="document", object_id=document.id,
           meeting_id=item.meeting_id,
           details={"symbol": document.symbol, "confidentiality": document.confidentiality,
                    "audience": document.audience})
    add_version(session, store, document, upload, actor)
    return document


def add_version(
    session: Session,
    store: BlobStore,
    document: Document,
    upload: Upload,
    actor: Actor,
    note: str | None = None,
) -> DocumentVersion:
    """Check and store an uploaded file as the document's next version.

    The file is staged and checked before anything is stored; a refused file
    leaves neither a stored file nor a row.
    """
    with store.staged(upload.stream, upload.limit) as staged:
        facts = check_pdf(staged.path)
        if session.get(Blob, staged.sha256) is None:
            session.add(Blob(sha256=staged.sha256, size=staged.size))
        store.commit(staged)
    last = session.scalar(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    )
    version = DocumentVersion(
        document_id=document.id,
        number=(last or 0) + 1,
        blob_sha256=staged.sha256,
        original_filename=_display_filename(upload.filename),
        page_count=facts.page_count,
        uploaded_by_id=actor.user_id,
        note=(note or "").strip() or None,
    )
    session.add(version)
    session.flush()
    session.refresh(document, attribute_names=["versions"])
    record(session, "document.version_uploaded", actor, object_type="document_version",
           object_id=version.id, meeting_id=document.meeting_id,
           details={"symbol": document.symbol, "version": version.number,
                    "sha256": staged.sha256, "size": staged.size, "pages": facts.page_count})
    log.info("stored version %s of %s (%s pages, %s)", version.number, document.symbol,
             facts.page_count, staged.sha256)
    return version


def document_in_meeting(session: Session, meeting: Meeting, document_id: int) -> Document | None:
    return session.scalar(
        select(Document).where(Document.id == document_id, Document.meeting_id == meeting.id)
    )


def _check_details(session: Session, meeting: Meeting, details: DocumentDetails) -> None:
    if not details.symbol.strip() or not details.title.strip() or not details.kind.strip():
        raise DocumentError(N_("A document needs a symbol, a kind and a title."))
    if details.audience is Audience.BODY_MEMBERS and (
        details.audience_body_id is None or session.get(Body, details.audience_body_id) is None
    ):
        raise DocumentError(N_("Choose the body whose members receive the document."))
    if details.audience is Audience.NAMED:
        if not details.named_user_ids:
            raise DocumentError(N_("Choose at least one delegate to receive the document."))
        invited = set(session.scalars(
            select(Invitation.user_id).where(Invitation.meeting_id == meeting.id)
        ))
        if not details.named_user_ids <= invited:
            raise DocumentError(N_("Only invited delegates can be named as recipients."))


def _display_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "document.pdf")[:300]

