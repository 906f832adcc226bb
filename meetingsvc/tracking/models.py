"""What happened to each issued copy, and the reminders sent about it.

Delivery events are evidence: they are only ever appended. The database refuses
to update or delete one (triggers, see ``meetingsvc.append_only``), the ORM
refuses before it gets there, and the database holds one acknowledgement per copy.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from ..append_only import guard
from ..extensions import Base
from ..mail import OutgoingMail
from ..models_common import UTCDateTime, one_of, utcnow


class EventKind(enum.StrEnum):
    DELIVERED = "delivered"
    DOWNLOADED = "downloaded"
    OPENED = "opened"
    PAGE_VIEWED = "page_viewed"
    ACKNOWLEDGED = "acknowledged"


class DeliveryEvent(Base):
    """One step of a copy's way to its delegate. Rows are only ever appended."""

    __tablename__ = "delivery_event"
    __table_args__ = (
        CheckConstraint(one_of("kind", EventKind), name="kind_known"),
        #: The dashboard aggregates events per copy and kind: a covering index.
        Index("ix_delivery_event_copy_kind", "copy_id", "kind", "at", "page"),
        #: Ký nhận happens once per copy, whatever races the requests run.
        Index("uq_delivery_event_acknowledged_once", "copy_id", unique=True,
              sqlite_where=text("kind = 'acknowledged'"),
              postgresql_where=text("kind = 'acknowledged'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("issued_copy.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: For ``page_viewed``: the 1-based page.
    page: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


guard(DeliveryEvent.__table__)  # type: ignore[arg-type]


class AppendOnly(RuntimeError):
    """Someone tried to change or remove a delivery event."""


@event.listens_for(DeliveryEvent, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: DeliveryEvent) -> None:
    raise AppendOnly(f"delivery event {target.id} is append-only")


@event.listens_for(DeliveryEvent, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: DeliveryEvent) -> None:
    raise AppendOnly(f"delivery event {target.id} is append-only")


class ReminderReason(enum.StrEnum):
    NOT_OPENED = "not_opened"
    NOT_ACKNOWLEDGED = "not_acknowledged"


class Reminder(OutgoingMail, Base):
    """An e-mail that reminds a delegate of a meeting's papers.

    The rows keep a delegate from being reminded about the same meeting twice
    within ``REMINDER_MIN_INTERVAL_HOURS``; the audit log has the same entries.
    A reminder is written (with its message) and committed before it is mailed,
    and marked delivered right after (``OutgoingMail``), so a failed send is
    retried later and a delivered one is never sent again.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        CheckConstraint(one_of("reason", ReminderReason), name="reason_known"),
        Index("ix_reminder_meeting_user", "meeting_id", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(20))
    #: The item the reminder was about; ``None`` for the whole meeting.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id",
                                                               ondelete="SET NULL"))
    #: How many of the delegate's items were still unopened (or unacknowledged).
    items: Mapped[int]
    #: When the secretariat asked for it (the interval counts from here).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
