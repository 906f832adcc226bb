"""Documents, their versions and the content-addressed files behind them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Body, User
from ..extensions import Base
from ..meetings.models import AgendaItem, Meeting
from ..models_common import UTCDateTime, one_of, utcnow
from .vocabulary import Confidentiality


class Audience(enum.StrEnum):
    ALL_INVITED = "all_invited"
    BODY_MEMBERS = "body_members"
    NAMED = "named"


class Phase(enum.StrEnum):
    """Whether a document is a paper for the session or a record issued after it."""

    #: Tài liệu phiên họp: drafts, reports and submissions sent before the session.
    PAPERS = "papers"
    #: Sau phiên họp: minutes (biên bản), conclusion notices, adopted resolutions.
    RECORDS = "records"


class Blob(Base):
    """A stored file, named by the SHA-256 of its bytes, so identical uploads share one file."""

    __tablename__ = "blob"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Document(Base):
    """A paper of the meeting: symbol, kind, title, confidentiality and who may receive it."""

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(one_of("confidentiality", Confidentiality), name="confidentiality_known"),
        CheckConstraint(one_of("audience", Audience), name="audience_known"),
        CheckConstraint(one_of("phase", Phase), name="phase_known"),
        CheckConstraint(
            "(audience = 'body_members') = (audience_body_id IS NOT NULL)",
            name="audience_body_iff_body_rule",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL")
    )
    #: Số, ký hiệu: e.g. ``15-NQ/TU``.
    symbol: Mapped[str] = mapped_column(String(50))
    #: Kind in Vietnamese, e.g. "Nghị quyết", "Tờ trình".
    kind: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    confidentiality: Mapped[str] = mapped_column(String(20), default=Confidentiality.NONE.value)
    audience: Mapped[str] = mapped_column(String(20), default=Audience.ALL_INVITED.value)
    #: The body whose members receive it, for the ``body_members`` rule.
    audience_body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    #: Whether guests (đại biểu mời) receive it under the ``all_invited`` rule.
    open_to_guests: Mapped[bool] = mapped_column(default=False)
    #: ``papers`` for the session, or ``records`` issued after it (shown under "Sau phiên họp").
    phase: Mapped[str] = mapped_column(String(20), default=Phase.PAPERS.value,
                                       server_default=Phase.PAPERS.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Thu hồi: set when the secretariat recalled every copy; no later issuance includes
    #: the document until it is explicitly re-released (which clears it, in the audit log).
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="documents")
    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="documents")
    audience_body: Mapped[Body | None] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )
    named_recipients: Mapped[list[DocumentRecipient]] = relationship(
        cascade="all, delete-orphan"
    )

    @property
    def current_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def confidentiality_level(self) -> Confidentiality:
        return Confidentiality(self.confidentiality)


class DocumentRecipient(Base):
    """A delegate named to receive a document under the ``named`` rule."""

    __tablename__ = "document_recipient"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship()


class DocumentVersion(Base):
    """One uploaded file of a document; a new version is a new row, never an overwrite."""

    __tablename__ = "document_version"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("page_count > 0", name="page_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    #: The name the file had on the uploader's computer, for display only.
    original_filename: Mapped[str] = mapped_column(String(300))
    page_count: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(500))

    document: Mapped[Document] = relationship(back_populates="versions")
    blob: Mapped[Blob] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
