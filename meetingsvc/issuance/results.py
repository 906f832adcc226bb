"""What an issuance job did, once it ended: the result page's figures, counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..documents.models import Document, DocumentVersion
from .models import Channel, CopyKind, CopyStatus, IssuanceJob, IssuanceUnit, IssuedCopy, UnitStatus
from .notices import NoticeSummary, notice_summary

ISSUED = (CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value)


@dataclass(frozen=True)
class FailedCopy:
    #: The document's symbol; ``None`` for the delegate's packet.
    symbol: str | None
    reason: str


@dataclass(frozen=True)
class FailedDelegate:
    unit_id: int
    name: str
    copies: tuple[FailedCopy, ...]
    #: The unit's own error when no copy says why (the worker could not start it).
    reason: str


@dataclass(frozen=True)
class JobResult:
    status: str
    #: The job rebuilt packets without a recalled document instead of issuing papers.
    rebuild: bool
    delegates_total: int
    delegates_issued: int
    documents: int
    #: Electronic copies (download and view-only) issued to delegates.
    electronic_copies: int
    #: Numbered paper copies ready to print, and how many are printed already.
    paper_copies: int
    paper_printed: int
    packets: int
    failures: tuple[FailedDelegate, ...]
    notices: NoticeSummary
    #: Delegates issued papers by the job who have no e-mail address to be told at.
    without_email: int

    @property
    def delegates_failed(self) -> int:
        return self.delegates_total - self.delegates_issued

    @property
    def paper_to_print(self) -> int:
        return self.paper_copies - self.paper_printed


def job_result(session: Session, job: IssuanceJob) -> JobResult:
    units = dict(session.execute(
        select(IssuanceUnit.status, func.count()).where(IssuanceUnit.job_id == job.id)
        .group_by(IssuanceUnit.status)).all())
    issued = [IssuedCopy.job_id == job.id, IssuedCopy.status.in_(ISSUED)]
    by_channel = dict(session.execute(
        select(IssuedCopy.channel, func.count()).where(
            *issued, IssuedCopy.kind == CopyKind.ITEM.value)
        .group_by(IssuedCopy.channel)).all())
    printed = session.scalar(select(func.count()).select_from(IssuedCopy).where(
        *issued, IssuedCopy.channel == Channel.PRINT.value,
        IssuedCopy.printed_sha256.is_not(None))) or 0
    packets = session.scalar(select(func.count()).select_from(IssuedCopy).where(
        *issued, IssuedCopy.kind == CopyKind.PACKET.value)) or 0
    documents = session.scalar(
        select(func.count(func.distinct(DocumentVersion.document_id)))
        .join(IssuedCopy, IssuedCopy.document_version_id == DocumentVersion.id)
        .where(*issued)) or 0
    return JobResult(
        status=job.status, rebuild=job.recalled_document_id is not None,
        delegates_total=sum(units.values()),
        delegates_issued=units.get(UnitStatus.DONE.value, 0), documents=documents,
        electronic_copies=sum(n for channel, n in by_channel.items()
                              if channel != Channel.PRINT.value),
        paper_copies=by_channel.get(Channel.PRINT.value, 0), paper_printed=printed,
        packets=packets, failures=failed_delegates(session, job),
        notices=notice_summary(session, job.id),
        without_email=session.scalar(select(func.count()).select_from(IssuanceUnit)
                                     .join(User, User.id == IssuanceUnit.user_id).where(
            IssuanceUnit.job_id == job.id, IssuanceUnit.status == UnitStatus.DONE.value,
            func.coalesce(User.email, "") == "")) or 0)


def failed_delegates(session: Session, job: IssuanceJob) -> tuple[FailedDelegate, ...]:
    """Delegates whose unit failed for good, each with the copies that failed and why."""
    failed_units = session.execute(
        select(IssuanceUnit.id, User.full_name, IssuanceUnit.error)
        .join(User, User.id == IssuanceUnit.user_id)
        .where(IssuanceUnit.job_id == job.id, IssuanceUnit.status == UnitStatus.FAILED.value)
        .order_by(IssuanceUnit.id).limit(200)).all()
    if not failed_units:
        return ()
    copies: dict[int, list[FailedCopy]] = {}
    for unit_id, symbol, reason in session.execute(
            select(IssuedCopy.unit_id, Document.symbol, IssuedCopy.failure_reason)
            .outerjoin(DocumentVersion, DocumentVersion.id == IssuedCopy.document_version_id)
            .outerjoin(Document, Document.id == DocumentVersion.document_id)
            .where(IssuedCopy.unit_id.in_([u.id for u in failed_units]),
                   IssuedCopy.failure_reason.is_not(None))
            .order_by(IssuedCopy.id)):
        copies.setdefault(unit_id, []).append(FailedCopy(symbol, reason or ""))
    return tuple(FailedDelegate(unit.id, unit.full_name, tuple(copies.get(unit.id, ())),
                                unit.error or "") for unit in failed_units)


def job_of(session: Session, meeting_id: int, job_id: int) -> IssuanceJob | None:
    """The meeting's issuance job, or ``None``: a job is only ever reached through its
    meeting, so a job id of another meeting finds nothing."""
    job = session.get(IssuanceJob, job_id)
    if job is None or job.meeting_id != meeting_id:
        return None
    return job
