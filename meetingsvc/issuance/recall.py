"""After the meeting: recalling confidential items, and the paper copies' hand-over and return."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..documents.models import Document, DocumentVersion
from ..documents.vocabulary import Confidentiality
from ..errors import N_, DomainError
from ..meetings.models import Meeting
from ..models_common import utcnow
from ..tracking.models import DeliveryEvent, EventKind
from .models import Channel, CopyKind, CopyStatus, IssuanceJob, IssuedCopy
from .planning import plan_packet_rebuild


class RecallError(DomainError):
    """A recall or paper-copy step that cannot be made; the message says why."""


class RecallChanged(RecallError):
    """The copies out changed since the recall was confirmed; ``preview`` is the new count."""

    def __init__(self, preview: RecallPreview) -> None:
        super().__init__(N_("The copies out changed since you confirmed the recall: it is now "
                            "%(copies)s copies held by %(delegates)s delegates. Nothing was "
                            "recalled; check and confirm again."),
                         copies=preview.copies, delegates=preview.delegates)
        self.preview = preview


@dataclass(frozen=True)
class RecallOutcome:
    copies: int
    #: Packets that held the document, withdrawn at once.
    packets_withdrawn: int
    #: The job rebuilding those packets without it, if anyone still holds other papers.
    rebuild: IssuanceJob | None


@dataclass(frozen=True)
class RecallPreview:
    """What recalling a document would withdraw now, for the confirmation page."""

    copies: int
    delegates: int
    #: Paper copies handed over and not yet returned: to be collected by hand.
    paper_out: int
    packets: int
    #: A digest of the copies and packets: a confirmation is refused if they changed.
    fingerprint: str


def _recall_targets(session: Session, document: Document
                    ) -> tuple[list[IssuedCopy], list[IssuedCopy]]:
    """The document's copies still out, and the packets that hold it."""
    copies = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id.in_(
            select(DocumentVersion.id).where(DocumentVersion.document_id == document.id)),
        IssuedCopy.recalled_at.is_(None)).order_by(IssuedCopy.id)))
    # A packet merges the delegate's downloadable copies: it held this document.
    holders = {c.user_id for c in copies if c.channel == Channel.DOWNLOAD.value}
    packets = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == document.meeting_id, IssuedCopy.kind == CopyKind.PACKET.value,
        IssuedCopy.user_id.in_(holders), IssuedCopy.recalled_at.is_(None),
        IssuedCopy.superseded_at.is_(None)).order_by(IssuedCopy.id))) if holders else []
    return copies, packets


def preview_recall(session: Session, document: Document) -> RecallPreview:
    copies, packets = _recall_targets(session, document)
    ids = ([c.id for c in copies], [p.id for p in packets])
    return RecallPreview(
        copies=len(copies), delegates=len({c.user_id for c in copies}),
        paper_out=sum(1 for c in copies if c.handed_over_at is not None
                      and c.returned_at is None),
        packets=len(packets), fingerprint=hashlib.sha256(repr(ids).encode()).hexdigest()[:16])


def recall_document(session: Session, document: Document, actor: Actor, *,
                    expected: str | None = None) -> RecallOutcome:
    """Withdraw every copy of a document, and every packet that holds it, everywhere.

    The packets are rebuilt without it by a job (their agenda lists it as recalled);
    no later issuance includes the document until it is re-released. ``expected`` is
    the fingerprint of the preview the user confirmed; if the copies out changed since,
    ``RecallChanged`` is raised and nothing is recalled.
    """
    now = utcnow()
    if expected is not None:
        preview = preview_recall(session, document)
        if preview.fingerprint != expected:
            raise RecallChanged(preview)
    copies, packets = _recall_targets(session, document)
    if not copies:
        raise RecallError(N_("No copy of %(symbol)s is out to recall."), symbol=document.symbol)
    for copy in copies:
        copy.recalled_at = now
    document.recalled_at = now
    for packet in packets:
        packet.recalled_at = now
    record(session, "document.recalled", actor, object_type="document", object_id=document.id,
           meeting_id=document.meeting_id,
           details={"symbol": document.symbol, "copies": len(copies),
                    "packets": len(packets)})
    session.flush()
    rebuild = plan_packet_rebuild(session, document.meeting, {p.user_id for p in packets},
                                  document, actor) if packets else None
    return RecallOutcome(len(copies), len(packets), rebuild)


@dataclass(frozen=True)
class MeetingRecallPreview:
    """Recalling every confidential document of a meeting at once, after the session."""

    #: Each confidential document with copies still out, and what recalling it withdraws.
    documents: tuple[tuple[Document, RecallPreview], ...]
    #: Delegates holding at least one of those copies.
    delegates: int

    @property
    def copies(self) -> int:
        return sum(p.copies for _, p in self.documents)

    @property
    def paper_out(self) -> int:
        return sum(p.paper_out for _, p in self.documents)

    @property
    def fingerprint(self) -> str:
        state = [(d.id, p.fingerprint) for d, p in self.documents]
        return hashlib.sha256(repr(state).encode()).hexdigest()[:16]


def preview_confidential_recall(session: Session, meeting: Meeting) -> MeetingRecallPreview:
    documents = session.scalars(select(Document).where(
        Document.meeting_id == meeting.id, Document.recalled_at.is_(None),
        Document.confidentiality != Confidentiality.NONE.value).order_by(Document.id))
    previews = [(d, preview_recall(session, d)) for d in documents]
    out = tuple((d, p) for d, p in previews if p.copies)
    holders = {c.user_id for d, _ in out for c in _recall_targets(session, d)[0]}
    return MeetingRecallPreview(out, len(holders))


def recall_confidential(session: Session, meeting: Meeting, actor: Actor, *,
                        expected: str) -> list[RecallOutcome]:
    """Recall every confidential document of the meeting that has copies out, if that is
    still what the user confirmed (``expected``); else ``RecallChanged``, nothing recalled."""
    preview = preview_confidential_recall(session, meeting)
    if preview.fingerprint != expected or not preview.documents:
        raise RecallChanged(RecallPreview(
            copies=preview.copies, delegates=preview.delegates, paper_out=preview.paper_out,
            packets=0, fingerprint=preview.fingerprint))
    return [recall_document(session, document, actor) for document, _ in preview.documents]


def re_release_document(session: Session, document: Document, actor: Actor) -> None:
    """Let a recalled document be issued again: the next issuance gives everyone
    entitled a new numbered copy. Copies already recalled stay recalled."""
    if document.recalled_at is None:
        raise RecallError(N_("%(symbol)s is not recalled."), symbol=document.symbol)
    record(session, "document.re_released", actor, object_type="document",
           object_id=document.id, meeting_id=document.meeting_id,
           details={"symbol": document.symbol,
                    "recalled_at": document.recalled_at.isoformat()})
    document.recalled_at = None
    session.flush()


def paper_copies(session: Session, meeting_id: int) -> list[IssuedCopy]:
    """The numbered paper copies of a meeting, by document then number."""
    return list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.channel == Channel.PRINT.value)
        .order_by(IssuedCopy.document_version_id, IssuedCopy.copy_number)))


def record_handover(session: Session, copy: IssuedCopy, actor: Actor) -> None:
    """The delegate received the printed copy; it counts as delivered."""
    if copy.channel != Channel.PRINT.value:
        raise RecallError(N_("Only paper copies are handed over."))
    if copy.printed_sha256 is None:
        raise RecallError(N_("This copy is not printed yet."))
    if copy.handed_over_at is not None:
        raise RecallError(N_("This copy was already handed over."))
    now = utcnow()
    copy.handed_over_at = now
    copy.status = CopyStatus.DELIVERED.value
    copy.delivered_at = now
    session.add(DeliveryEvent(copy_id=copy.id, kind=EventKind.DELIVERED.value, at=now,
                              address=actor.address))
    _record(session, "paper_copy.handed_over", copy, actor)


def record_print(session: Session, copy: IssuedCopy, sha256: str, actor: Actor) -> None:
    """A paper copy's print file was made: only its hash is kept, never the file."""
    if copy.channel != Channel.PRINT.value or copy.kind != CopyKind.ITEM.value:
        raise RecallError(N_("Only paper copies are printed here."))
    if copy.status not in (CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value):
        raise RecallError(N_("This copy is not ready to print yet."))
    if copy.recalled_at is not None:
        raise RecallError(N_("This copy was recalled."))
    copy.printed_sha256 = sha256
    copy.printed_at = copy.signed_at = utcnow()
    session.flush()
    record(session, "paper_copy.printed", actor, object_type="issued_copy", object_id=copy.id,
           meeting_id=copy.meeting_id,
           details={"copy": copy.label, "user": copy.user.username, "sha256": sha256})


def may_print(copy: IssuedCopy) -> bool:
    return (copy.channel == Channel.PRINT.value and copy.recalled_at is None
            and copy.status in (CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value))


def record_return(session: Session, copy: IssuedCopy, actor: Actor) -> None:
    """The delegate handed the printed copy back."""
    if copy.handed_over_at is None:
        raise RecallError(N_("This copy was never handed over."))
    if copy.returned_at is not None:
        raise RecallError(N_("This copy was already returned."))
    copy.returned_at = utcnow()
    _record(session, "paper_copy.returned", copy, actor)


def _record(session: Session, action: str, copy: IssuedCopy, actor: Actor) -> None:
    session.flush()
    record(session, action, actor, object_type="issued_copy", object_id=copy.id,
           meeting_id=copy.meeting_id,
           details={"copy": copy.label, "user": copy.user.username})
