"""How far each copy got, aggregated in SQL: one row per copy, never one per event.

Both the delegate's pages and the secretariat's dashboard read this, so a
delegate and the office always agree on what "opened" means: read in the
viewer, or downloaded (the copy itself, or a packet delivered after it).
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..documents.models import DocumentVersion
from ..issuance.models import Channel, CopyKind, CopyStatus, IssuedCopy
from .models import DeliveryEvent, EventKind


class Stage(enum.IntEnum):
    """The furthest a copy got, in order; a cell of the dashboard shows one."""

    PENDING = 0
    DELIVERED = 1
    DOWNLOADED = 2
    OPENED = 3
    ACKNOWLEDGED = 4

    @property
    def code(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class CopyProgress:
    copy_id: int
    meeting_id: int
    user_id: int
    document_id: int
    channel: str
    status: str
    page_count: int
    delivered_at: datetime | None
    downloaded_at: datetime | None
    opened_at: datetime | None
    acknowledged_at: datetime | None
    pages_viewed: int
    superseded_at: datetime | None
    recalled_at: datetime | None
    #: For a paper copy: when the delegate handed it back.
    returned_at: datetime | None = None

    @property
    def stage(self) -> Stage:
        if self.acknowledged_at is not None:
            return Stage.ACKNOWLEDGED
        if self.opened_at is not None:
            return Stage.OPENED
        if self.downloaded_at is not None:
            return Stage.DOWNLOADED
        if self.status == CopyStatus.DELIVERED.value:
            return Stage.DELIVERED
        return Stage.PENDING

    @property
    def read(self) -> bool:
        """Opened in the viewer or downloaded: the delegate has seen it or has it."""
        return self.stage >= Stage.DOWNLOADED

    @property
    def first_read_at(self) -> datetime | None:
        times = [t for t in (self.downloaded_at, self.opened_at) if t is not None]
        return min(times) if times else None

    @property
    def electronic(self) -> bool:
        return self.channel != Channel.PRINT.value


def _first(kind: EventKind) -> ColumnElement[datetime]:
    """The time of a copy's first event of this kind, in an aggregate over its events."""
    return func.min(case((DeliveryEvent.kind == kind.value, DeliveryEvent.at)))


def copy_progress(session: Session, meeting_ids: Collection[int], *,
                  user_id: int | None = None, copy_ids: Collection[int] | None = None,
                  current_only: bool = True) -> list[CopyProgress]:
    """Item copies of the meetings (one delegate's, or some copies) with their first events.

    ``current_only`` keeps the copies a delegate holds now: issued (signed or
    delivered) and not superseded by a newer version.
    """
    copy = IssuedCopy
    scope: list[ColumnElement[bool]] = [copy.meeting_id.in_(list(meeting_ids)),
                                        copy.kind == CopyKind.ITEM.value]
    if user_id is not None:
        scope.append(copy.user_id == user_id)
    if copy_ids is not None:
        scope.append(copy.id.in_(list(copy_ids)))
    if current_only:
        scope += [copy.superseded_at.is_(None),
                  copy.status.in_([CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value])]

    # One GROUP BY over the copies and their events: SQLite and PostgreSQL both walk the
    # (copy_id, kind) index per copy, where a join to a grouped subquery may not be indexed.
    event = DeliveryEvent
    query = (
        select(copy.id, copy.meeting_id, copy.user_id, DocumentVersion.document_id,
               copy.channel, copy.status, DocumentVersion.page_count, copy.delivered_at,
               _first(EventKind.DOWNLOADED).label("downloaded_at"),
               _first(EventKind.OPENED).label("opened_at"),
               _first(EventKind.ACKNOWLEDGED).label("acknowledged_at"),
               func.count(distinct(case((event.kind == EventKind.PAGE_VIEWED.value,
                                         event.page)))).label("pages_viewed"),
               copy.superseded_at, copy.recalled_at, copy.returned_at)
        .join(DocumentVersion, DocumentVersion.id == copy.document_version_id)
        .outerjoin(event, event.copy_id == copy.id)
        .where(*scope)
        .group_by(copy.id, DocumentVersion.id)
        .order_by(copy.id))
    packets = _packet_downloads(session, meeting_ids, user_id)
    return [
        CopyProgress(
            copy_id=row.id, meeting_id=row.meeting_id, user_id=row.user_id,
            document_id=row.document_id, channel=row.channel, status=row.status,
            page_count=row.page_count, delivered_at=row.delivered_at,
            downloaded_at=_earliest(row.downloaded_at, _packet_download_after(
                packets, row.meeting_id, row.user_id, row.delivered_at)
                if row.channel == Channel.DOWNLOAD.value else None),
            opened_at=row.opened_at, acknowledged_at=row.acknowledged_at,
            pages_viewed=row.pages_viewed or 0, superseded_at=row.superseded_at,
            recalled_at=row.recalled_at, returned_at=row.returned_at)
        for row in session.execute(query)
    ]


def _packet_downloads(session: Session, meeting_ids: Collection[int], user_id: int | None
                      ) -> dict[tuple[int, int], list[datetime]]:
    """(meeting, delegate) → when their packets were downloaded, in order: a few per delegate."""
    query = (select(IssuedCopy.meeting_id, IssuedCopy.user_id, DeliveryEvent.at)
             .join(DeliveryEvent, DeliveryEvent.copy_id == IssuedCopy.id)
             .where(IssuedCopy.meeting_id.in_(list(meeting_ids)),
                    IssuedCopy.kind == CopyKind.PACKET.value,
                    DeliveryEvent.kind == EventKind.DOWNLOADED.value)
             .order_by(DeliveryEvent.at))
    if user_id is not None:
        query = query.where(IssuedCopy.user_id == user_id)
    downloads: dict[tuple[int, int], list[datetime]] = {}
    for meeting_id, owner, at in session.execute(query):
        downloads.setdefault((meeting_id, owner), []).append(at)
    return downloads


def _packet_download_after(packets: dict[tuple[int, int], list[datetime]], meeting_id: int,
                           user_id: int, delivered_at: datetime | None) -> datetime | None:
    """The first packet download that held a copy delivered at ``delivered_at``."""
    times = packets.get((meeting_id, user_id))
    if not times or delivered_at is None:
        return None
    at = bisect_left(times, delivered_at)
    return times[at] if at < len(times) else None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)
