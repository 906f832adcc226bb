"""The audit log's rows, its signed checkpoints, auditors' verification reports and the
public page's rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..append_only import guard
from ..extensions import Base
from ..models_common import UTCDateTime, utcnow


class AuditEvent(Base):
    """One security-relevant action. Rows are only ever appended.

    ``row_hash`` is the SHA-256 of the previous row's hash and this row's
    content, so changing or removing any row breaks every hash after it. The
    database refuses a fork (two rows after the same predecessor, see
    ``uq_audit_event_prev_hash``) and any update or delete (triggers, see
    ``meetingsvc.append_only``).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        #: One row after each: the first row's predecessor is ``GENESIS_HASH``, once.
        Index("uq_audit_event_prev_hash", "prev_hash", unique=True),
    )

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


guard(AuditEvent.__table__)  # type: ignore[arg-type]


class AuditCheckpoint(Base):
    """The chain's head at one moment, signed with the office key.

    Deleting rows from the end of the log leaves an intact chain; a checkpoint
    whose row is gone, or that points past the last row, shows the truncation.
    ``payload`` is the exact UTF-8 JSON that ``signature`` (a detached CMS) signs,
    so ``openssl cms -verify`` checks it without this service. Each payload also
    names the previous checkpoint's SHA-256, so removing a checkpoint shows too.
    """

    __tablename__ = "audit_checkpoint"
    __table_args__ = (CheckConstraint("seq > 0", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3 … in the order written; also inside the signed payload.
    seq: Mapped[int] = mapped_column(unique=True)
    #: The audit row this checkpoint covers (not a foreign key: the row may be deleted).
    event_id: Mapped[int] = mapped_column(index=True)
    row_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Canonical JSON: seq, event_id, row_hash, at, prev (SHA-256 of the previous payload).
    payload: Mapped[str] = mapped_column(Text)
    #: DER CMS SignedData, detached, over ``payload`` encoded as UTF-8.
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    #: The signing certificate's subject, for display.
    signer: Mapped[str | None] = mapped_column(String(300))


class VerificationRecord(Base):
    """A PDF an auditor verified: the report as it was then, kept to read again or as JSON.

    The file itself is not kept (it may be anything); its SHA-256 is.
    """

    __tablename__ = "verification_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int]
    #: ``TOTAL_PASSED``, ``INDETERMINATE`` or ``TOTAL_FAILED``.
    indication: Mapped[str] = mapped_column(String(20))
    sub_indication: Mapped[str | None] = mapped_column(String(40))
    #: The issued copy the file was traced to, if any.
    copy_id: Mapped[int | None] = mapped_column(ForeignKey("issued_copy.id"), index=True)
    #: ``exact`` (the issued bytes), ``altered``, or ``None`` when not traced.
    match: Mapped[str | None] = mapped_column(String(10))
    #: The whole report as JSON: the signing library's report and the trace.
    report_json: Mapped[str] = mapped_column(Text)


class RateLimitWindow(Base):
    """Requests counted per key (e.g. ``verify:<address>``) in the current fixed window.

    Kept in the database so every web process and machine shares one count.
    """

    __tablename__ = "rate_limit_window"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Start of the window, in whole seconds since the epoch.
    window_start: Mapped[int]
    hits: Mapped[int] = mapped_column(default=0)
