"""The delegate's side, read: their meetings with what is new, and each item's state."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..accounts.models import User
from ..documents.entitlement import entitled_documents
from ..documents.models import Document
from ..issuance.models import Channel, CopyStatus, IssuedCopy
from ..meetings.models import AgendaItem, Invitation, Meeting
from ..meetings.services import STAFF_ROLES, agenda_seen, invitation_of
from .models import DeliveryEvent
from .progress import CopyProgress, copy_progress
from .services import (
    acknowledged_at_of,
    current_item_copies,
    current_packet,
    may_acknowledge,
    may_download,
    may_view,
    paper_copies_of,
    revised_document_ids,
)

#: A meeting counts as upcoming until a day after it starts.
UPCOMING_FOR = timedelta(days=1)


class ItemState(enum.StrEnum):
    NEW = "new"
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    SUPERSEDED = "superseded"
    RECALLED = "recalled"


@dataclass(frozen=True)
class MeetingSummary:
    """A line of the delegate's home."""

    meeting: Meeting
    items: int
    unread: int
    unacknowledged: int
    upcoming: bool


def delegate_home(session: Session, user_id: int, meetings: Sequence[Meeting],
                  now: datetime) -> list[MeetingSummary]:
    """The delegate's meetings, upcoming first (soonest first), then past ones (latest first)."""
    progress = copy_progress(session, [m.id for m in meetings], user_id=user_id)
    counts: dict[int, list[int]] = {m.id: [0, 0, 0] for m in meetings}
    for p in progress:
        if p.status != CopyStatus.DELIVERED.value or not p.electronic or p.recalled_at:
            continue
        total = counts[p.meeting_id]
        total[0] += 1
        total[1] += not p.read
        total[2] += p.acknowledged_at is None
    summaries = [MeetingSummary(m, items=counts[m.id][0], unread=counts[m.id][1],
                                unacknowledged=counts[m.id][2],
                                upcoming=m.starts_at + UPCOMING_FOR > now)
                 for m in meetings]
    upcoming = sorted((s for s in summaries if s.upcoming), key=lambda s: s.meeting.starts_at)
    past = sorted((s for s in summaries if not s.upcoming), key=lambda s: s.meeting.starts_at,
                  reverse=True)
    return upcoming + past


@dataclass(frozen=True)
class PortalItem:
    """One of the delegate's papers on the meeting page."""

    document: Document
    copy: IssuedCopy
    state: ItemState
    progress: CopyProgress | None
    revised: bool

    @property
    def opened_at(self) -> datetime | None:
        return self.progress.first_read_at if self.progress else None

    @property
    def acknowledged_at(self) -> datetime | None:
        return self.progress.acknowledged_at if self.progress else None

    @property
    def viewable(self) -> bool:
        return may_view(self.copy)

    @property
    def downloadable(self) -> bool:
        return may_download(self.copy)

    @property
    def acknowledgeable(self) -> bool:
        return may_acknowledge(self.copy) and self.acknowledged_at is None

    @property
    def view_only(self) -> bool:
        return self.copy.channel == Channel.VIEW_ONLY.value


@dataclass(frozen=True)
class MeetingPortal:
    """What the delegate's meeting page shows besides the agenda."""

    items: dict[int, PortalItem]
    packet: IssuedCopy | None
    packet_acknowledged: DeliveryEvent | None
    #: Document id → the delegate's numbered paper copy (TỐI MẬT, TUYỆT MẬT).
    paper_copies: dict[int, IssuedCopy]

    @property
    def held_document_ids(self) -> set[int]:
        """The documents issued to the delegate: all they may learn exist."""
        return set(self.items) | set(self.paper_copies)

    @property
    def unacknowledged(self) -> int:
        return sum(1 for i in self.items.values() if i.acknowledgeable)

    @property
    def may_acknowledge_packet(self) -> bool:
        return self.packet is not None and self.packet_acknowledged is None

    @property
    def packet_holds_documents(self) -> bool:
        """Whether the packet has pages beyond its cover and agenda: it holds the current
        downloadable copies, so without one it would read "0 văn bản, 0 trang" and is
        not offered (its agenda only says where the papers are)."""
        return self.packet is not None and any(
            i.downloadable for i in self.items.values())

    @property
    def read_in_portal(self) -> int:
        """Current items the delegate reads in the portal only (MẬT)."""
        return sum(1 for i in self.items.values() if i.view_only and i.viewable)

    @property
    def on_paper(self) -> int:
        """Documents the delegate receives as a numbered paper copy (TỐI MẬT, TUYỆT MẬT)."""
        return sum(1 for c in self.paper_copies.values() if c.recalled_at is None)


def meeting_portal(session: Session, meeting_id: int, user_id: int) -> MeetingPortal:
    copies = current_item_copies(session, meeting_id, user_id)
    progress = {p.copy_id: p for p in copy_progress(
        session, [meeting_id], user_id=user_id, copy_ids=[c.id for c in copies.values()],
        current_only=False)}
    revised = revised_document_ids(session, meeting_id, user_id)
    items = {}
    for document_id, copy in copies.items():
        p = progress.get(copy.id)
        assert copy.document_version is not None
        items[document_id] = PortalItem(copy.document_version.document, copy,
                                        _state(copy, p), p, document_id in revised)
    packet = current_packet(session, meeting_id, user_id)
    acknowledged = acknowledged_at_of(session, [packet.id]) if packet else {}
    return MeetingPortal(items, packet, acknowledged.get(packet.id) if packet else None,
                         paper_copies_of(session, meeting_id, user_id))


@dataclass(frozen=True)
class PapersSeen:
    """A meeting's papers as one reader sees them, on the page as through the API."""

    documents: list[Document]
    #: In the meeting's order; the reader numbers them from 1 (no gap for others' items).
    agenda: list[AgendaItem]
    #: The reader's invitation and portal: ``None`` for the secretariat and auditors.
    invitation: Invitation | None
    portal: MeetingPortal | None


def papers_seen(session: Session, meeting: Meeting, user: User) -> PapersSeen:
    """The secretariat sees everything. An invited delegate learns a document exists only
    once it is issued to them, and sees the agenda items holding those documents and, once
    the agenda is published, the items they will get papers for. An auditor reads every
    document, and the items holding them."""
    if user.has_role(*STAFF_ROLES):
        return PapersSeen(list(meeting.documents), list(meeting.agenda_items), None, None)
    invitation = invitation_of(session, meeting, user)
    if invitation is None:
        documents = list(meeting.documents)
        return PapersSeen(documents, _agenda_with(meeting, documents), None, None)
    portal = meeting_portal(session, meeting.id, user.id)
    held = portal.held_document_ids
    documents = [d for d in meeting.documents if d.id in held]
    published = (entitled_documents(session, invitation) if meeting.agenda_published
                 else None)
    return PapersSeen(documents, _agenda_with(meeting, documents, published), invitation,
                      portal)


def _agenda_with(meeting: Meeting, documents: list[Document],
                 published_for: list[Document] | None = None) -> list[AgendaItem]:
    return agenda_seen(meeting, {doc.agenda_item_id for doc in documents},
                       None if published_for is None
                       else {doc.agenda_item_id for doc in published_for})


def _state(copy: IssuedCopy, progress: CopyProgress | None) -> ItemState:
    if copy.recalled_at is not None:
        return ItemState.RECALLED
    if copy.superseded_at is not None:
        return ItemState.SUPERSEDED
    if progress is not None and progress.acknowledged_at is not None:
        return ItemState.ACKNOWLEDGED
    if progress is not None and progress.read:
        return ItemState.OPENED
    return ItemState.NEW
