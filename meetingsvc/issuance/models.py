"""Issuance jobs, their units of work, and the copies they issue."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..documents.models import DocumentVersion
from ..extensions import Base
from ..mail import OutgoingMail
from ..meetings.models import Meeting
from ..models_common import UTCDateTime, one_of, utcnow
from .numbering import copy_label


class JobStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    #: Every unit was tried; some failed and wait for a retry.
    COMPLETED_WITH_FAILURES = "completed_with_failures"


class UnitStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CopyStatus(enum.StrEnum):
    PENDING = "pending"
    SIGNED = "signed"
    DELIVERED = "delivered"
    FAILED = "failed"


class CopyKind(enum.StrEnum):
    #: One document for one delegate.
    ITEM = "item"
    #: The delegate's whole packet: cover, agenda and items, one signed PDF.
    PACKET = "packet"


class Channel(enum.StrEnum):
    """How a copy reaches its delegate, by the confidentiality policy."""

    DOWNLOAD = "download"
    VIEW_ONLY = "view_only"
    #: No electronic copy: a numbered paper copy printed by the secretariat.
    PRINT = "print"


class IssuanceJob(Base):
    """Issuing a meeting's papers (or a new version of one document) to its delegates."""

    __tablename__ = "issuance_job"
    __table_args__ = (CheckConstraint(one_of("status", JobStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    #: Set for a job that issues a new version of one document after the meeting's issuance.
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    #: Set for a job that rebuilds packets without a document just recalled.
    recalled_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    status: Mapped[str] = mapped_column(String(30), default=JobStatus.RUNNING.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship()
    units: Mapped[list[IssuanceUnit]] = relationship(back_populates="job")


class IssuanceUnit(Base):
    """One delegate's share of a job: all their copies are made, signed and delivered together.

    A worker claims a unit for a lease; a unit whose lease ran out (its worker
    died) is claimed again, and redoing it reuses the copy rows and numbers.
    """

    __tablename__ = "issuance_unit"
    __table_args__ = (
        UniqueConstraint("job_id", "user_id"),
        CheckConstraint(one_of("status", UnitStatus), name="status_known"),
        Index("ix_issuance_unit_claimable", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("issuance_job.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), default=UnitStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Which worker holds the unit, and until when. On a pending unit offered to Celery,
    #: ``lease_until`` is when the offer runs out and the sweep may offer it again.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(1000))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the unit last joined the queue: its job started, an attempt failed and it
    #: waits for the next, or its failure was retried.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)

    job: Mapped[IssuanceJob] = relationship(back_populates="units")
    user: Mapped[User] = relationship()


class IssuedCopy(Base):
    """A numbered copy of a document (or a packet) issued to one delegate.

    ``series`` names the numbering a copy belongs to: ``version:<id>`` for the
    copies of one document version, ``packet:<meeting id>:<job id>`` for the packets
    of one issuing job (each job, a packet rebuild too, numbers its packets from 1).
    The database holds each series' numbers unique and gives a delegate one copy
    per series that is not recalled, so a retried job can never number or issue a
    copy twice; after a recall and an explicit re-release, a new copy gets the next number.
    """

    __tablename__ = "issued_copy"
    __table_args__ = (
        UniqueConstraint("series", "copy_number"),
        Index("uq_issued_copy_live_series_user", "series", "user_id", unique=True,
              sqlite_where=text("recalled_at IS NULL"),
              postgresql_where=text("recalled_at IS NULL")),
        CheckConstraint("copy_number > 0", name="copy_number_positive"),
        CheckConstraint("copy_number <= copy_total", name="copy_number_within_total"),
        CheckConstraint(one_of("status", CopyStatus), name="status_known"),
        CheckConstraint(one_of("kind", CopyKind), name="kind_known"),
        CheckConstraint(one_of("channel", Channel), name="channel_known"),
        CheckConstraint("(kind = 'item') = (document_version_id IS NOT NULL)",
                        name="item_has_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("issuance_job.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("issuance_unit.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id"))
    series: Mapped[str] = mapped_column(String(40))
    copy_number: Mapped[int]
    copy_total: Mapped[int]
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CopyStatus.PENDING.value)
    failure_reason: Mapped[str | None] = mapped_column(String(1000))
    #: The signed file; ``None`` until signed, and always for paper copies (channel print),
    #: whose signed print file is made on demand and never kept.
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blob.sha256"), index=True)
    #: Unguessable token of the public verification page ``/v/<token>``.
    verification_token: Mapped[str] = mapped_column(String(64), unique=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_copy.id"))
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: For printed copies: when the paper copy was handed to the delegate and returned.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: For printed copies: the SHA-256 of the last print file made, and when.
    printed_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    meeting: Mapped[Meeting] = relationship()
    document_version: Mapped[DocumentVersion | None] = relationship()
    superseded_by: Mapped[IssuedCopy | None] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        """"Bản số 07/55", the way the copy is numbered on paper."""
        return copy_label(self.copy_number, self.copy_total)


class IssuanceNotice(OutgoingMail, Base):
    """The e-mail telling a delegate that a job issued them papers: at most one per job and
    delegate, whatever retries and re-runs the job goes through (the unique constraint).

    Written with its audit entry in the transaction that delivers the delegate's copies,
    mailed after that commits (``meetingsvc.mail``). It counts the documents, never names
    them: a confidential title does not travel by e-mail.
    """

    __tablename__ = "issuance_notice"
    __table_args__ = (UniqueConstraint("job_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("issuance_job.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: Documents issued to the delegate for the first time by the job.
    new_documents: Mapped[int]
    #: Documents of which the job issued the delegate a new version.
    new_versions: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RenewalRunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class ArchiveRenewalRun(Base):
    """One pass of archive-timestamp renewal over the stored copies.

    A pass is resumed until it completes: a copy renewed in it has a file version
    naming it, so a killed pass picks up where it stopped and never renews a copy
    twice. The database holds at most one pass running.
    """

    __tablename__ = "archive_renewal_run"
    __table_args__ = (
        CheckConstraint(one_of("status", RenewalRunStatus), name="status_known"),
        Index("uq_archive_renewal_run_running", "status", unique=True,
              sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Copies whose protection ends before this moment are renewed.
    horizon: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=RenewalRunStatus.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CopyFileVersion(Base):
    """A new file of an issued copy, made from the one before (an archive-timestamp renewal).

    The copy's ``blob_sha256`` names the newest file; every earlier file stays stored and
    is traced to the copy through ``previous_sha256``.
    """

    __tablename__ = "copy_file_version"
    __table_args__ = (UniqueConstraint("run_id", "copy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("issued_copy.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    #: The file this one was made from (the issued file, or an earlier renewal).
    previous_sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Why: a ``signing.renew.RenewalReason`` value (``tsa_certificate``, ``algorithm``...).
    reason: Mapped[str] = mapped_column(String(30))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("archive_renewal_run.id"))

    copy: Mapped[IssuedCopy] = relationship()
