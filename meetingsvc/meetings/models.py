"""Meetings of a body, who is invited, and the agenda."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Body, User
from ..extensions import Base
from ..models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from ..documents.models import Document


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    HELD = "held"
    CLOSED = "closed"


class MeetingKind(enum.StrEnum):
    """A session (hội nghị), or the container of a written consultation between sessions."""

    SESSION = "session"
    CONSULTATION = "consultation"


class InvitationRole(enum.StrEnum):
    MEMBER = "member"
    GUEST = "guest"


class Meeting(Base):
    """One session of a body, e.g. "Hội nghị Ban Chấp hành lần thứ 12"."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(one_of("status", MeetingStatus), name="status_known"),
        CheckConstraint("session_number > 0", name="session_number_positive"),
        CheckConstraint(one_of("kind", MeetingKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"))
    #: "lần thứ N": the body's own numbering of its sessions.
    session_number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.DRAFT.value)
    #: Whether invited delegates see the agenda's titles before the papers are issued.
    agenda_published: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: ``consultation``: the hidden container of a written consultation (its drafts are
    #: its documents, the body's members its invitations); not listed among sessions.
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.SESSION.value,
                                      server_default=MeetingKind.SESSION.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped[Body] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )


class Invitation(Base):
    """A delegate called to a meeting, as a member of the body or as a guest."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        CheckConstraint(one_of("role", InvitationRole), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(20), default=InvitationRole.MEMBER.value)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship()

    @property
    def is_guest(self) -> bool:
        return self.role == InvitationRole.GUEST.value


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (CheckConstraint("position > 0", name="position_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    #: 1-based order in the agenda; kept dense by the services.
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    presenter: Mapped[str | None] = mapped_column(String(300))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    documents: Mapped[list[Document]] = relationship(
        back_populates="agenda_item", order_by="Document.id"
    )
