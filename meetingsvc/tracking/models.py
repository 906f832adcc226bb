"""What happened to each issued copy: delivered, downloaded, opened, read, acknowledged."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
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
    __table_args__ = (CheckConstraint(one_of("kind", EventKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("issued_copy.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: For ``page_viewed``: the 1-based page.
    page: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
