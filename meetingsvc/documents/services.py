"""Uploading documents and new versions: checked first, stored by hash, never overwritten."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Body
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..meetings.models import AgendaItem, Invitation, Meeting
from .blobs import CHUNK_SIZE, BlobStore, StagedFile
from .models import (
    Audience,
    Blob,
    Confidentiality,
    Document,
    DocumentRecipient,
    DocumentVersion,
    Phase,
)
from .pdfcheck import InvalidPdf, PdfLimits, check_pdf
from .sanitize import ActiveContentReport, inspect_active_content, remove_active_content

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


class ActiveContentPolicy(StrEnum):
    """What an upload carrying JavaScript, actions, embedded files or XFA gets."""

    REMOVE = "remove"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: a stream read in chunks, never whole into memory."""

    stream: BinaryIO
    filename: str
    limit: int
    #: Active or hidden content is removed before storing, or the file refused.
    active_content: ActiveContentPolicy = ActiveContentPolicy.REMOVE
    #: What the file may decompress to.
    pdf_limits: PdfLimits = PdfLimits()


def configured_upload(stream: BinaryIO, filename: str | None,
                      config: Mapping[str, Any]) -> Upload:
    """An upload bounded and checked as the application's settings say."""
    return Upload(stream, filename or "document.pdf", int(config["MAX_UPLOAD_BYTES"]),
                  active_content=ActiveContentPolicy(config["ACTIVE_CONTENT_POLICY"]),
                  pdf_limits=PdfLimits(int(config["MAX_PDF_DECOMPRESSED_BYTES"]),
                                       int(config["MAX_PDF_OBJECTS"])))


def record_refused_upload(session: Session, meeting_id: int, filename: str | None,
                          error: DomainError, actor: Actor) -> None:
    """Undo everything a refused upload started, then record why it was refused."""
    session.rollback()
    record(session, "document.upload_refused", actor, meeting_id=meeting_id,
           details={"filename": filename, "reason": str(error)})


#: Told what was removed from an upload, e.g. to show it to the secretariat.
RemovalListener = Callable[[ActiveContentReport], None]


def create_document(
    session: Session,
    store: BlobStore,
    item: AgendaItem,
    details: DocumentDetails,
    upload: Upload,
    actor: Actor,
    on_removed: RemovalListener | None = None,
) -> Document:
    """Attach a new document to an agenda item, with its first version."""
    return _create(session, store, item.meeting, item, Phase.PAPERS, details, upload, actor,
                   on_removed)


def create_record(
    session: Session,
    store: BlobStore,
    meeting: Meeting,
    details: DocumentDetails,
    upload: Upload,
    actor: Actor,
    on_removed: RemovalListener | None = None,
) -> Document:
    """Add a record of the session (minutes, conclusion notice, adopted resolution) to the
    meeting, with its first version. It is issued, tracked and acknowledged like a paper."""
    return _create(session, store, meeting, None, Phase.RECORDS, details, upload, actor,
                   on_removed)


def _create(session: Session, store: BlobStore, meeting: Meeting, item: AgendaItem | None,
            phase: Phase, details: DocumentDetails, upload: Upload, actor: Actor,
            on_removed: RemovalListener | None) -> Document:
    _check_details(session, meeting, details)
    document = Document(
        meeting_id=meeting.id,
        agenda_item_id=item.id if item else None,
        phase=phase.value,
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
           meeting_id=meeting.id,
           details={"symbol": document.symbol, "confidentiality": document.confidentiality,
                    "audience": document.audience, "phase": document.phase})
    add_version(session, store, document, upload, actor, on_removed=on_removed)
    return document


def add_version(
    session: Session,
    store: BlobStore,
    document: Document,
    upload: Upload,
    actor: Actor,
    note: str | None = None,
    on_removed: RemovalListener | None = None,
) -> DocumentVersion:
    """Check and store an uploaded file as the document's next version.

    The file is staged and checked before anything is stored; a refused file
    leaves neither a stored file nor a row. Active content is removed (what is
    stored is then the cleaned file) or the file refused, as ``upload`` says.
    """
    with store.staged(upload.stream, upload.limit) as uploaded:
        facts = check_pdf(uploaded.path, upload.pdf_limits)
        with _without_active_content(store, uploaded, upload.active_content) as (staged, removed):
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
    details: dict[str, object] = {"symbol": document.symbol, "version": version.number,
                                  "sha256": staged.sha256, "size": staged.size,
                                  "pages": facts.page_count}
    if removed:
        details |= {"uploaded_sha256": uploaded.sha256, "removed": removed.as_details()}
    record(session, "document.version_uploaded", actor, object_type="document_version",
           object_id=version.id, meeting_id=document.meeting_id, details=details)
    log.info("stored version %s of %s (%s pages, %s)", version.number, document.symbol,
             facts.page_count, staged.sha256)
    if removed:
        log.warning("removed from version %s of %s: %s", version.number, document.symbol,
                    removed.describe())
        if on_removed is not None:
            on_removed(removed)
    return version


class _TranslatedKinds:
    """A report's kinds, in the language of whoever reads the message."""

    def __init__(self, report: ActiveContentReport) -> None:
        self.report = report

    def __str__(self) -> str:
        return self.report.describe(gettext)


@contextmanager
def _without_active_content(
    store: BlobStore, uploaded: StagedFile, policy: ActiveContentPolicy
) -> Iterator[tuple[StagedFile, ActiveContentReport]]:
    """The file to store, without active content, and what was removed from it.

    A cleaned file is saved next to the upload in the staging area and removed on
    leaving the block unless the store took it.
    """
    with pikepdf.open(uploaded.path, attempt_recovery=False) as pdf:
        if policy is ActiveContentPolicy.REFUSE:
            report = inspect_active_content(pdf)
            if report:
                raise InvalidPdf("active_content",
                                 N_("The PDF carries active or hidden content (%(kinds)s). "
                                    "Upload a copy without it."),
                                 kinds=_TranslatedKinds(report))
        else:
            report = remove_active_content(pdf)
        if not report:
            cleaned = None
        else:
            handle, name = tempfile.mkstemp(dir=store.staging, suffix=".part")
            os.close(handle)
            cleaned = Path(name)
            try:
                pdf.save(cleaned)
            except BaseException:
                cleaned.unlink()
                raise
    if cleaned is None:
        yield uploaded, report
        return
    try:
        yield _staged_file(cleaned), report
    finally:
        with suppress(FileNotFoundError):
            cleaned.unlink()


def _staged_file(path: Path) -> StagedFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return StagedFile(path, digest.hexdigest(), path.stat().st_size)


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
        raise DocumentError(N_("Choose the body whose members receive the document."),
                            field="audience_body_id")
    if details.audience is Audience.NAMED:
        if not details.named_user_ids:
            raise DocumentError(N_("Choose at least one delegate to receive the document."),
                                field="named_user_ids")
        invited = set(session.scalars(
            select(Invitation.user_id).where(Invitation.meeting_id == meeting.id)
        ))
        if not details.named_user_ids <= invited:
            raise DocumentError(N_("Only invited delegates can be named as recipients."),
                                field="named_user_ids")


def _display_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "document.pdf")[:300]



def references_outside(session: Session, document: Document) -> int:
    """Rows elsewhere that keep ``document`` or one of its versions as evidence: copies
    issued from it, jobs that issued or recalled it, consultation questions. Read off the
    schema's foreign keys, so a table added later counts without being named here; the
    document's own versions and named recipients (deleted with it) and soft links such as
    a reminder's (set to null) do not count."""
    ids = {"document": [document.id], "document_version": [v.id for v in document.versions]}
    total = 0
    for table in Document.metadata.sorted_tables:
        for key in table.foreign_keys:
            target = key.column.table.name
            if target not in ids or key.ondelete in ("CASCADE", "SET NULL") or not ids[target]:
                continue
            total += session.scalar(
                select(func.count()).select_from(table).where(key.parent.in_(ids[target]))
            ) or 0
    return total


def delete_unissued_document(session: Session, document: Document, actor: Actor) -> None:
    """Delete a document nothing was ever issued from (an upload made by mistake). Its
    files stay in the store, where other versions may share them; the audit row names
    their hashes. An issued document is never deleted: it is recalled instead."""
    if references_outside(session, document):
        raise DocumentError(N_("%(symbol)s has been issued: it cannot be deleted, only "
                               "recalled."), symbol=document.symbol)
    record(session, "document.deleted", actor, object_type="document", object_id=document.id,
           meeting_id=document.meeting_id,
           details={"symbol": document.symbol, "title": document.title,
                    "versions": [v.blob_sha256 for v in document.versions]})
    session.delete(document)
    session.flush()
