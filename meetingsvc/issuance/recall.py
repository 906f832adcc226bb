"""After the meeting: recalling confidential items, and the paper copies' hand-over and return."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..documents.models import Document, DocumentVersion
from ..errors import N_, DomainError
from ..models_common import utcnow
from ..tracking.models import DeliveryEvent, EventKind
from .models import Channel, CopyStatus, IssuedCopy


class RecallError(DomainError):
    """A recall or paper-copy step that cannot be made; the message says why."""


def recall_document(session: Session, document: Document, actor: Actor) -> int:
    """Withdraw every issued copy of a document: downloads stop, delegates see it recalled."""
    now = utcnow()
    copies = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id.in_(
            select(DocumentVersion.id).where(DocumentVersion.document_id == document.id)),
        IssuedCopy.recalled_at.is_(None))))
    if not copies:
        raise RecallError(N_("No copy of %(symbol)s is out to recall."), symbol=document.symbol)
    for copy in copies:
        copy.recalled_at = now
    record(session, "document.recalled", actor, object_type="document", object_id=document.id,
           meeting_id=document.meeting_id,
           details={"symbol": document.symbol, "copies": len(copies)})
    session.flush()
    return len(copies)


def paper_copies(session: Session, meeting_id: int) -> list[IssuedCopy]:
    """The numbered paper copies of a meeting, by document then number."""
    return list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.channel == Channel.PRINT.value)
        .order_by(IssuedCopy.document_version_id, IssuedCopy.copy_number)))


def record_handover(session: Session, copy: IssuedCopy, actor: Actor) -> None:
    """The delegate received the printed copy; it counts as delivered."""
    if copy.channel != Channel.PRINT.value:
        raise RecallError(N_("Only paper copies are handed over."))
    if copy.status not in (CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value):
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
