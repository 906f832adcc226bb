"""What a delegate has received, and the events of receiving it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..issuance.models import Channel, CopyKind, CopyStatus, IssuedCopy
from ..models_common import utcnow
from .models import DeliveryEvent, EventKind

#: The most pages one report of the viewer may name: a batch, not a flood.
MAX_PAGES_PER_REPORT = 500


class TrackingError(DomainError):
    """A delegate's step that cannot be taken; the message says why."""


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


def paper_copies_of(session: Session, meeting_id: int, user_id: int) -> dict[int, IssuedCopy]:
    """Document id → the delegate's numbered paper copy, once its issuance is done."""
    copies = session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.user_id == user_id,
        IssuedCopy.channel == Channel.PRINT.value,
        IssuedCopy.status.in_([CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value]))
        .order_by(IssuedCopy.id.desc()))
    latest: dict[int, IssuedCopy] = {}
    for copy in copies:
        if copy.document_version is not None:
            latest.setdefault(copy.document_version.document_id, copy)
    return latest


def revised_document_ids(session: Session, meeting_id: int, user_id: int) -> set[int]:
    """Documents of which the delegate received a new version: they are told so."""
    return {c.document_version.document_id
            for c in delivered_copies(session, meeting_id, user_id)
            if c.superseded_at is not None and c.document_version is not None}


#: ``current_packet``'s statement, built once: building it cost as much as running it.
_CURRENT_PACKET = select(IssuedCopy).where(
    IssuedCopy.meeting_id == bindparam("meeting_id"), IssuedCopy.user_id == bindparam("user_id"),
    IssuedCopy.kind == CopyKind.PACKET.value,
    IssuedCopy.status == CopyStatus.DELIVERED.value,
    IssuedCopy.superseded_at.is_(None), IssuedCopy.recalled_at.is_(None),
).order_by(IssuedCopy.id.desc()).limit(1)


def current_packet(session: Session, meeting_id: int, user_id: int) -> IssuedCopy | None:
    """The delegate's packet now: one query, as it runs on every packet download."""
    return session.scalar(_CURRENT_PACKET, {"meeting_id": meeting_id, "user_id": user_id})


def own_copy(session: Session, user_id: int, copy_id: int) -> IssuedCopy | None:
    """A delivered copy of this delegate's, or ``None``: never anyone else's."""
    copy = session.get(IssuedCopy, copy_id)
    if copy is None or copy.user_id != user_id or copy.status != CopyStatus.DELIVERED.value:
        return None
    return copy


def is_current(copy: IssuedCopy) -> bool:
    """Neither recalled nor superseded by a newer copy: the only copies a delegate may read."""
    return copy.recalled_at is None and copy.superseded_at is None


def may_download(copy: IssuedCopy) -> bool:
    return (copy.channel == Channel.DOWNLOAD.value and is_current(copy)
            and copy.blob_sha256 is not None)


def may_view(copy: IssuedCopy) -> bool:
    """In the portal's viewer: downloadable and view-only (MẬT) copies, while current."""
    return (copy.channel in (Channel.DOWNLOAD.value, Channel.VIEW_ONLY.value)
            and is_current(copy) and copy.blob_sha256 is not None)


def may_acknowledge(copy: IssuedCopy) -> bool:
    return (copy.channel != Channel.PRINT.value and copy.recalled_at is None
            and copy.superseded_at is None)


def record_event(session: Session, copy: IssuedCopy, kind: EventKind, visitor: Visitor,
                 page: int | None = None) -> DeliveryEvent:
    """Append an event for a copy, and the same to the audit log, both written at commit.

    Not flushed here: on SQLite the first write takes the database's one write lock,
    and a download would hold it while its response is prepared.
    """
    event = DeliveryEvent(copy_id=copy.id, kind=kind.value, at=utcnow(), page=page,
                          address=visitor.actor.address,
                          user_agent=(visitor.user_agent or "")[:300] or None)
    session.add(event)
    record(session, f"copy.{kind.value}", visitor.actor, object_type="issued_copy",
           object_id=copy.id, meeting_id=copy.meeting_id,
           details={"page": page} if page is not None else None)
    return event


def record_pages_viewed(session: Session, copy: IssuedCopy, pages: Iterable[object],
                        visitor: Visitor) -> int:
    """Record a batch of pages the viewer showed; pages outside the copy are refused."""
    page_count = copy.document_version.page_count if copy.document_version else None
    wanted: set[int] = set()
    for page in pages:
        if isinstance(page, bool) or not isinstance(page, int | str):
            raise TrackingError(N_("Not a page number."))
        try:
            number = int(page)
        except ValueError as error:
            raise TrackingError(N_("Not a page number.")) from error
        if number < 1 or (page_count is not None and number > page_count):
            raise TrackingError(N_("Page %(page)s is not in this copy."), page=number)
        wanted.add(number)
        if len(wanted) > MAX_PAGES_PER_REPORT:
            raise TrackingError(N_("Too many pages in one report."))
    for number in sorted(wanted):
        record_event(session, copy, EventKind.PAGE_VIEWED, visitor, page=number)
    return len(wanted)


def acknowledged_at_of(session: Session, copy_ids: Iterable[int]) -> dict[int, DeliveryEvent]:
    """Copy id → its acknowledgement, for the copies that have one."""
    ids = list(copy_ids)
    if not ids:
        return {}
    return {e.copy_id: e for e in session.scalars(select(DeliveryEvent).where(
        DeliveryEvent.copy_id.in_(ids), DeliveryEvent.kind == EventKind.ACKNOWLEDGED.value))}


def _lock(session: Session, copy: IssuedCopy) -> None:
    """Serialise acknowledgements of one copy (PostgreSQL; SQLite serialises all writes).

    The unique index on acknowledgements is the last word: a request that loses
    a race anyway fails with ``IntegrityError``, which the view reports as done.
    """
    session.execute(select(IssuedCopy.id).where(IssuedCopy.id == copy.id).with_for_update())


def acknowledge_copy(session: Session, copy: IssuedCopy, visitor: Visitor) -> DeliveryEvent:
    """Ký nhận one copy, once. A second try is refused, not recorded again."""
    if not may_acknowledge(copy):
        raise TrackingError(N_("This copy can no longer be acknowledged."))
    _lock(session, copy)
    if acknowledged_at_of(session, [copy.id]):
        raise TrackingError(N_("You acknowledged this copy already."))
    event = record_event(session, copy, EventKind.ACKNOWLEDGED, visitor)
    session.flush()  # a racing second acknowledgement fails here, in the caller's try
    return event


def acknowledge_packet(session: Session, packet: IssuedCopy, items: Iterable[IssuedCopy],
                       visitor: Visitor) -> int:
    """Ký nhận the whole packet: the packet copy and each current item not acknowledged yet.

    Returns how many items were acknowledged with it.
    """
    if packet.kind != CopyKind.PACKET.value:
        raise TrackingError(N_("This is not a packet."))
    _lock(session, packet)
    items = [c for c in items if c.user_id == packet.user_id and may_acknowledge(c)]
    done = acknowledged_at_of(session, [packet.id, *(c.id for c in items)])
    if packet.id in done:
        raise TrackingError(N_("You acknowledged this packet already."))
    todo = [c for c in items if c.id not in done]
    for copy in [packet, *todo]:
        record_event(session, copy, EventKind.ACKNOWLEDGED, visitor)
    session.flush()  # a racing second acknowledgement fails here, in the caller's try
    return len(todo)
