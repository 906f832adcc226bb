"""What a delegate has received, and the events of receiving it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..issuance.models import Channel, CopyKind, CopyStatus, IssuedCopy
from ..models_common import utcnow
from .models import DeliveryEvent, EventKind


@dataclass(frozen=True)
class Visitor:
    """Who asked, from where: what an event records besides the copy."""

    actor: Actor
    user_agent: str | None


def delivered_copies(session: Session, meeting_id: int, user_id: int) -> list[IssuedCopy]:
    """The delegate's copies of a meeting that reached them, newest first; nothing pending."""
    return list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.user_id == user_id,
        IssuedCopy.status == CopyStatus.DELIVERED.value,
        IssuedCopy.channel != Channel.PRINT.value).order_by(IssuedCopy.id.desc())))


def current_item_copies(session: Session, meeting_id: int, user_id: int
                        ) -> dict[int, IssuedCopy]:
    """Document id → the delegate's latest delivered copy of it (superseded ones included)."""
    latest: dict[int, IssuedCopy] = {}
    for copy in delivered_copies(session, meeting_id, user_id):
        if copy.kind == CopyKind.ITEM.value and copy.document_version is not None:
            latest.setdefault(copy.document_version.document_id, copy)
    return latest


def revised_document_ids(session: Session, meeting_id: int, user_id: int) -> set[int]:
    """Documents of which the delegate received a new version: they are told so."""
    return {c.document_version.document_id
            for c in delivered_copies(session, meeting_id, user_id)
            if c.superseded_at is not None and c.document_version is not None}


def current_packet(session: Session, meeting_id: int, user_id: int) -> IssuedCopy | None:
    return next((c for c in delivered_copies(session, meeting_id, user_id)
                 if c.kind == CopyKind.PACKET.value and c.superseded_at is None), None)


def own_copy(session: Session, user_id: int, copy_id: int) -> IssuedCopy | None:
    """A delivered copy of this delegate's, or ``None``: never anyone else's."""
    copy = session.get(IssuedCopy, copy_id)
    if copy is None or copy.user_id != user_id or copy.status != CopyStatus.DELIVERED.value:
        return None
    return copy


def may_download(copy: IssuedCopy) -> bool:
    return (copy.channel == Channel.DOWNLOAD.value and copy.recalled_at is None
            and copy.blob_sha256 is not None)


def record_event(session: Session, copy: IssuedCopy, kind: EventKind, visitor: Visitor,
                 page: int | None = None) -> DeliveryEvent:
    """Append an event for a copy, and the same to the audit log."""
    event = DeliveryEvent(copy_id=copy.id, kind=kind.value, at=utcnow(), page=page,
                          address=visitor.actor.address,
                          user_agent=(visitor.user_agent or "")[:300] or None)
    session.add(event)
    record(session, f"copy.{kind.value}", visitor.actor, object_type="issued_copy",
           object_id=copy.id, meeting_id=copy.meeting_id,
           details={"page": page} if page is not None else None)
    session.flush()
    return event
