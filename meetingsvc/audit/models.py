"""The audit log's rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ..models_common import UTCDateTime, utcnow


class AuditEvent(Base):
    """One security-relevant action. Rows are only ever appended.

    ``row_hash`` is the SHA-256 of the previous row's hash and this row's
    content, so changing or removing any row breaks every hash after it.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who did it; ``None`` for the system or an anonymous visitor.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The actor's username at the time, kept even if the account changes.
    actor_name: Mapped[str | None] = mapped_column(String(80))
    #: A dotted verb, e.g. ``auth.sign_in_failed``, ``document.uploaded``.
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    meeting_id: Mapped[int | None] = mapped_column(index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    #: Canonical JSON of further details.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
