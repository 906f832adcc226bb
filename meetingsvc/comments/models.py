"""Items opened for comments, the delegates' comments and every wording each one had."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..append_only import guard
from ..extensions import Base
from ..meetings.models import AgendaItem, Meeting
from ..models_common import UTCDateTime, utcnow


class CommentCall(Base):
    """An agenda item the secretariat opened for comments, until a deadline."""

    __tablename__ = "comment_call"
    __table_args__ = (UniqueConstraint("agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    #: Hạn góp ý: comments are written and revised until then, never after.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    #: What the secretariat asks for, shown above the form.
    request: Mapped[str | None] = mapped_column(String(1000))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem] = relationship()
    comments: Mapped[list[DraftComment]] = relationship(
        back_populates="call", order_by="DraftComment.id")


class DraftComment(Base):
    """One comment of a delegate on an item; its wording lives in its revisions."""

    __tablename__ = "draft_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("comment_call.id", ondelete="CASCADE"),
                                         index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call: Mapped[CommentCall] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.number")

    @property
    def current(self) -> CommentRevision:
        return self.revisions[-1]


class CommentRevision(Base):
    """One wording of a comment; a revision is a new row, the earlier ones stay (append-only)."""

    __tablename__ = "comment_revision"
    __table_args__ = (
        UniqueConstraint("comment_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("draft_comment.id"))
    number: Mapped[int]
    #: The page or section the comment is about, e.g. "Trang 3" or "Điều 5", if named.
    location: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())

    comment: Mapped[DraftComment] = relationship(back_populates="revisions")


guard(CommentRevision.__table__)  # type: ignore[arg-type]
