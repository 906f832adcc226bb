"""A consultation, its questions, every answer each member gave, receipts and the result.

A consultation owns a meeting of kind ``consultation``: its invitations are the
body's members, its agenda items the questions and its documents the drafts, so
the drafts are issued, tracked, recalled and exported as evidence by the same
code as a session's papers.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Body, User
from ..append_only import guard
from ..documents.models import Document, DocumentVersion
from ..extensions import Base
from ..mail import OutgoingMail
from ..meetings.models import Meeting
from ..models_common import UTCDateTime, one_of, utcnow


class ConsultationStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Choice(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    OTHER = "other"


class Consultation(Base):
    """Phiếu xin ý kiến: a subject put to a body's members in writing, until a deadline."""

    __tablename__ = "consultation"
    __table_args__ = (
        UniqueConstraint("meeting_id"),
        CheckConstraint(one_of("status", ConsultationStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The container meeting (kind ``consultation``) whose issuance carries the drafts.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"))
    subject: Mapped[str] = mapped_column(String(500))
    #: Hạn trả lời: answers are taken and changed until then, never after.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=ConsultationStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Who closed it by hand; ``None`` with ``closed_at`` set: closed at the deadline.
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The pass rule in force when it closed (``CONSULTATION_PASS_RULE``).
    pass_rule: Mapped[str | None] = mapped_column(String(40))
    #: The signed result report (biên bản kiểm phiếu), stored by its SHA-256.
    result_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"))

    meeting: Mapped[Meeting] = relationship()
    body: Mapped[Body] = relationship()
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        back_populates="consultation", order_by="ConsultationQuestion.position",
        cascade="all, delete-orphan")


class ConsultationQuestion(Base):
    """One question of a consultation, asked about one draft document."""

    __tablename__ = "consultation_question"
    __table_args__ = (
        UniqueConstraint("consultation_id", "position"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(1000))
    #: The draft the question is about: a document of the container meeting.
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))

    consultation: Mapped[Consultation] = relationship(back_populates="questions")
    document: Mapped[Document] = relationship()


class ConsultationAnswer(Base):
    """One answer of a member to a question; a change is a new row, the earlier ones stay."""

    __tablename__ = "consultation_answer"
    __table_args__ = (
        CheckConstraint(one_of("choice", Choice), name="choice_known"),
        CheckConstraint("choice <> 'other' OR comment IS NOT NULL", name="other_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    choice: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The draft version the member answered on, and the SHA-256 of its file.
    document_version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"))
    draft_sha256: Mapped[str] = mapped_column(String(64))

    question: Mapped[ConsultationQuestion] = relationship()
    user: Mapped[User] = relationship()
    document_version: Mapped[DocumentVersion] = relationship()


guard(ConsultationAnswer.__table__)  # type: ignore[arg-type]


class AnswerReceipt(Base):
    """The office-signed receipt of one answer, made once and kept by its hash."""

    __tablename__ = "consultation_receipt"
    __table_args__ = (UniqueConstraint("answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("consultation_answer.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())

    answer: Mapped[ConsultationAnswer] = relationship()


class ConsultationReminder(OutgoingMail, Base):
    """A reminder mailed to a member who has not answered every question yet."""

    __tablename__ = "consultation_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
