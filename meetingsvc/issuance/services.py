"""The database side of issuing: claim a unit, describe it to a worker, record what came back.

Each function takes a session and flushes; the caller owns the transaction
(one per unit of work), so a crash loses at most the unit in hand, which is
claimed again when its lease runs out.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..accounts.models import User
from ..audit.services import Actor, record
from ..documents.entitlement import entitled_documents
from ..documents.models import Blob, DocumentVersion
from ..documents.vocabulary import Confidentiality
from ..meetings.models import Meeting, MeetingKind
from ..meetings.services import agenda_seen, invitation_of
from ..models_common import utcnow
from ..timezones import office_time
from ..tracking.models import DeliveryEvent, EventKind
from .models import (
    Channel,
    CopyKind,
    CopyStatus,
    IssuanceJob,
    IssuanceUnit,
    IssuedCopy,
    JobStatus,
    UnitStatus,
)
from .numbering import trace_code
from .pdf import PORTAL_NOTE, CopyStamp, Listing, meeting_line, paper_note
from .units import AgendaEntry, ItemCopySpec, ListedDocument, PacketSpec, UnitResult, UnitSpec

log = logging.getLogger(__name__)
SYSTEM = Actor(username="issuance")


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, or held by a worker whose lease ran out."""
    return or_(IssuanceUnit.status == UnitStatus.PENDING.value,
               and_(IssuanceUnit.status == UnitStatus.RUNNING.value,
                    IssuanceUnit.lease_until < now))


def claim_unit(session: Session, worker: str, lease: timedelta,
               unit_id: int | None = None, job_id: int | None = None) -> IssuanceUnit | None:
    """Take a claimable unit for a lease, in one atomic update.

    Each claim gets a token of its own in ``claimed_by``: a worker whose lease ran
    out (and whose unit was claimed again, even by itself) cannot record a result.
    """
    now = utcnow()
    claim = f"{worker}:{uuid.uuid4().hex[:12]}"
    candidate = select(IssuanceUnit.id).where(_claimable(now)).order_by(IssuanceUnit.id).limit(1)
    if unit_id is not None:
        candidate = candidate.where(IssuanceUnit.id == unit_id)
    if job_id is not None:
        candidate = candidate.where(IssuanceUnit.job_id == job_id)
    claimed = session.scalar(
        update(IssuanceUnit)
        .where(IssuanceUnit.id == candidate.with_for_update(skip_locked=True).scalar_subquery())
        .where(_claimable(now))
        .values(status=UnitStatus.RUNNING.value, claimed_by=claim, lease_until=now + lease,
                attempts=IssuanceUnit.attempts + 1)
        .returning(IssuanceUnit.id))
    if claimed is None:
        return None
    session.flush()
    return session.get(IssuanceUnit, claimed, populate_existing=True)


def has_claimable_unit(session: Session) -> bool:
    """One cheap indexed query: the issuance worker's poll."""
    return session.scalar(select(IssuanceUnit.id).where(_claimable(utcnow())).limit(1)) \
        is not None


def offer_claimable_units(session: Session, lease: timedelta) -> list[int]:
    """Mark for offering, in one update, each unit nobody holds or was offered lately.

    A pending unit's ``lease_until`` is its offer's: until then a message for it is
    believed to be on its way to a worker. A claim that ran out goes back to pending,
    so its late worker can no longer record a result (its claim is not in force)."""
    now = utcnow()
    offerable = or_(
        and_(IssuanceUnit.status == UnitStatus.PENDING.value,
             or_(IssuanceUnit.lease_until.is_(None), IssuanceUnit.lease_until < now)),
        and_(IssuanceUnit.status == UnitStatus.RUNNING.value, IssuanceUnit.lease_until < now))
    ids = list(session.scalars(
        update(IssuanceUnit).where(offerable)
        .values(status=UnitStatus.PENDING.value, claimed_by=None, lease_until=now + lease)
        .returning(IssuanceUnit.id)))
    return sorted(ids)


@dataclass(frozen=True)
class LinkSettings:
    public_base_url: str
    office_name: str
    #: The office's time zone (OFFICE_TIMEZONE): the meeting's date and time on the papers.
    office_zone: ZoneInfo


def build_unit_spec(session: Session, unit: IssuanceUnit, links: LinkSettings) -> UnitSpec:
    """Describe one delegate's copies for a worker: what to stamp, sign and merge."""
    meeting = unit.job.meeting
    user = unit.user
    copies = list(session.scalars(select(IssuedCopy).where(IssuedCopy.unit_id == unit.id)))
    # Paper copies are not made here: their print file is made on demand, never kept.
    to_sign = {c.id for c in copies
               if c.kind == CopyKind.ITEM.value and c.channel != Channel.PRINT.value}
    items = [_item_spec(c, meeting, links, sign=True) for c in _in_agenda_order(session, copies)
             if c.id in to_sign]
    packet_copy = next((c for c in copies if c.kind == CopyKind.PACKET.value), None)
    packet = None
    if packet_copy is not None:
        # A packet also carries the delegate's current copies issued by earlier jobs.
        newer = {c.document_version.document_id for c in copies if c.document_version}
        current = _current_download_copies(session, meeting.id, user.id, newer)
        items += [_item_spec(c, meeting, links, sign=False) for c in current]
        items.sort(key=lambda i: (i.agenda_position, i.symbol))
        packet = PacketSpec(
            copy_id=packet_copy.id, copy_number=packet_copy.copy_number,
            copy_total=packet_copy.copy_total, qr_url=_verify_url(links, packet_copy),
            metadata=_metadata(packet_copy, "PACKET"), body_name=meeting.body.name_vi,
            session_number=meeting.session_number, meeting_title=meeting.title,
            starts_at=office_time(meeting.starts_at, links.office_zone), place=meeting.place,
            delegate_name=user.full_name, delegate_title=user.title or "",
            office_name=links.office_name, reference=trace_code(packet_copy.verification_token),
            issued_on=office_time(unit.job.created_at, links.office_zone).date(),
            listed_only=(*_recalled_listing(session, meeting.id, user.id, newer),
                         *_listed_elsewhere(session, unit, newer)),
            agenda=_agenda_seen(session, unit), session_name=session_name(meeting))
    return UnitSpec(unit_id=unit.id, claim=unit.claimed_by or "", items=tuple(items),
                    packet=packet)


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored time (naive means UTC) as the office's clock reads it, without a zone."""
    return office_time(moment, zone).replace(tzinfo=None)


def session_name(meeting: Meeting) -> str:
    """What the papers call the meeting: "Hội nghị lần thứ N", or, for the drafts of a
    written consultation (whose container meeting is no session), what it is."""
    if meeting.kind == MeetingKind.CONSULTATION.value:
        return "Xin ý kiến bằng văn bản"
    return f"Hội nghị lần thứ {meeting.session_number}"


def copy_meeting_line(meeting: Meeting, zone: ZoneInfo) -> str:
    return meeting_line(meeting.body.name_vi, session_name(meeting),
                        local_time(meeting.starts_at, zone).date())


def _verify_url(links: LinkSettings, copy: IssuedCopy) -> str:
    return f"{links.public_base_url.rstrip('/')}/v/{copy.verification_token}"


def _metadata(copy: IssuedCopy, symbol: str) -> dict[str, str]:
    return {"MeetingsvcCopyId": str(copy.id), "MeetingsvcSymbol": symbol,
            "MeetingsvcCopyNumber": f"{copy.copy_number}/{copy.copy_total}",
            "MeetingsvcToken": copy.verification_token}


def _item_spec(copy: IssuedCopy, meeting: Meeting, links: LinkSettings, *,
               sign: bool) -> ItemCopySpec:
    version = copy.document_version
    assert version is not None
    document = version.document
    item = document.agenda_item
    mark = Confidentiality(document.confidentiality).label_vi
    return ItemCopySpec(
        copy_id=copy.id, source_sha256=version.blob_sha256,
        stamp=CopyStamp(confidentiality_mark=mark,
                        meeting_line=copy_meeting_line(meeting, links.office_zone),
                        copy_number=copy.copy_number, copy_total=copy.copy_total,
                        delegate_name=copy.user.full_name,
                        copy_id=trace_code(copy.verification_token)),
        qr_url=_verify_url(links, copy), metadata=_metadata(copy, document.symbol),
        agenda_position=item.position if item else 10_000,
        agenda_title=item.title if item else document.title,
        presenter=(item.presenter or "") if item else "",
        symbol=document.symbol, title=document.title, page_count=version.page_count,
        in_packet=copy.channel == Channel.DOWNLOAD.value, sign=sign)


def _in_agenda_order(session: Session, copies: list[IssuedCopy]) -> list[IssuedCopy]:
    def key(copy: IssuedCopy) -> tuple[int, int]:
        version = copy.document_version
        if version is None:
            return (1_000_000, copy.id)
        item = version.document.agenda_item
        return (item.position if item else 10_000, version.document_id)

    return sorted(copies, key=key)


def _current_download_copies(session: Session, meeting_id: int, user_id: int,
                             reissued_documents: set[int]) -> list[IssuedCopy]:
    """The delegate's delivered, current, downloadable item copies of this meeting,
    leaving out the documents this unit issues again."""
    copies = session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.user_id == user_id,
        IssuedCopy.kind == CopyKind.ITEM.value, IssuedCopy.channel == Channel.DOWNLOAD.value,
        IssuedCopy.status == CopyStatus.DELIVERED.value, IssuedCopy.superseded_at.is_(None),
        IssuedCopy.recalled_at.is_(None)))
    return [c for c in copies if c.document_version is not None
            and c.document_version.document_id not in reissued_documents]


#: What the packet's agenda prints for a document recalled from the delegate.
RECALLED_NOTE = "Đã thu hồi"


def _recalled_listing(session: Session, meeting_id: int, user_id: int,
                      reissued_documents: set[int]) -> tuple[ListedDocument, ...]:
    """Documents recalled from the delegate that a packet held: its agenda lists them as
    recalled, so the delegate sees the gap was the office's decision, not an error."""
    recalled = session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting_id, IssuedCopy.user_id == user_id,
        IssuedCopy.kind == CopyKind.ITEM.value, IssuedCopy.channel == Channel.DOWNLOAD.value,
        IssuedCopy.status == CopyStatus.DELIVERED.value, IssuedCopy.superseded_at.is_(None),
        IssuedCopy.recalled_at.is_not(None)))
    listed: dict[int, ListedDocument] = {}
    for copy in recalled:
        assert copy.document_version is not None
        document = copy.document_version.document
        if document.id in reissued_documents or document.recalled_at is None:
            continue
        item = document.agenda_item
        listed[document.id] = ListedDocument(
            agenda_position=item.position if item else 10_000,
            agenda_title=item.title if item else document.title,
            presenter=(item.presenter or "") if item else "", symbol=document.symbol,
            title=document.title,
            confidentiality_mark=Confidentiality(document.confidentiality).label_vi,
            note=RECALLED_NOTE)
    return tuple(sorted(listed.values(), key=lambda d: (d.agenda_position, d.symbol)))


def _listed_elsewhere(session: Session, unit: IssuanceUnit,
                      reissued_documents: set[int]) -> tuple[ListedDocument, ...]:
    """The delegate's current copies that are not downloadable, as the packet lists them:
    MẬT ones "read in the portal", TỐI MẬT and TUYỆT MẬT ones by their paper copy's number.
    Those of this unit count already; earlier ones unless this unit issues them again.
    (This unit's view-only copies are in its items: the packet lists them from there.)"""
    copies = session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == unit.job.meeting_id, IssuedCopy.user_id == unit.user_id,
        IssuedCopy.kind == CopyKind.ITEM.value,
        IssuedCopy.channel.in_([Channel.VIEW_ONLY.value, Channel.PRINT.value]),
        IssuedCopy.superseded_at.is_(None), IssuedCopy.recalled_at.is_(None),
        or_(IssuedCopy.unit_id == unit.id, IssuedCopy.status.in_(
            [CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value])))
        .order_by(IssuedCopy.id.desc()))
    listed: dict[int, ListedDocument] = {}
    for copy in copies:
        assert copy.document_version is not None
        document = copy.document_version.document
        ours = copy.unit_id == unit.id
        if document.id in listed or (document.id in reissued_documents and not ours):
            continue
        if copy.channel == Channel.VIEW_ONLY.value and ours:
            continue
        item = document.agenda_item
        paper = copy.channel == Channel.PRINT.value
        listed[document.id] = ListedDocument(
            agenda_position=item.position if item else 10_000,
            agenda_title=item.title if item else document.title,
            presenter=(item.presenter or "") if item else "", symbol=document.symbol,
            title=document.title,
            confidentiality_mark=Confidentiality(document.confidentiality).label_vi,
            note=paper_note(copy.copy_number, copy.copy_total) if paper else PORTAL_NOTE,
            listing=(Listing.PAPER if paper else Listing.PORTAL).value)
    return tuple(sorted(listed.values(), key=lambda d: (d.agenda_position, d.symbol)))


def _agenda_seen(session: Session, unit: IssuanceUnit) -> tuple[AgendaEntry, ...]:
    """The agenda items the delegate's meeting page will show once this unit is delivered,
    by the page's own rule (``meetings.services.agenda_seen``), so the packet numbers its
    items as the page does."""
    meeting, user = unit.job.meeting, unit.user
    held = session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting.id, IssuedCopy.user_id == user.id,
        IssuedCopy.kind == CopyKind.ITEM.value,
        or_(IssuedCopy.unit_id == unit.id, IssuedCopy.status.in_(
            [CopyStatus.SIGNED.value, CopyStatus.DELIVERED.value]))))
    held_items = {c.document_version.document.agenda_item_id for c in held
                  if c.document_version is not None}
    entitled: set[int | None] | None = None
    invitation = invitation_of(session, meeting, user)
    if meeting.agenda_published and invitation is not None:
        entitled = {d.agenda_item_id for d in entitled_documents(session, invitation)}
    return tuple(AgendaEntry(item.position, item.title, item.presenter or "")
                 for item in agenda_seen(meeting, held_items, entitled))


def print_copy_spec(copy: IssuedCopy, links: LinkSettings) -> ItemCopySpec:
    """What to stamp and sign for one paper copy's print file."""
    if copy.channel != Channel.PRINT.value or copy.kind != CopyKind.ITEM.value:
        raise ValueError("only paper copies of documents are printed on demand")
    return _item_spec(copy, copy.meeting, links, sign=True)


def holds_claim(unit: IssuanceUnit, claim: str) -> bool:
    """Whether a worker's claim on the unit is still the one in force."""
    return unit.status == UnitStatus.RUNNING.value and unit.claimed_by == claim


def record_unit_result(session: Session, unit: IssuanceUnit, result: UnitResult,
                       max_attempts: int) -> None:
    """Store what a worker made. A complete unit is delivered to its delegate all at once."""
    now = utcnow()
    copies = {c.id: c for c in session.scalars(
        select(IssuedCopy).where(IssuedCopy.unit_id == unit.id))}
    for produced in result.produced:
        if session.get(Blob, produced.sha256) is None:
            session.add(Blob(sha256=produced.sha256, size=produced.size))
        copy = copies[produced.copy_id]
        copy.blob_sha256 = produced.sha256
        copy.status = CopyStatus.SIGNED.value
        copy.signed_at = now
        copy.failure_reason = None
    if not result.complete:
        reasons = "; ".join(f"#{copy_id}: {reason}" for copy_id, reason in result.failures)
        for copy_id, reason in result.failures:
            copies[copy_id].failure_reason = reason[:1000]
        retry = unit.attempts < max_attempts
        unit.status = UnitStatus.PENDING.value if retry else UnitStatus.FAILED.value
        for copy_id, _ in result.failures:
            copies[copy_id].status = (CopyStatus.PENDING if retry else CopyStatus.FAILED).value
        unit.error = reasons[:1000]
        unit.lease_until = None
        if retry:  # back in the queue: a worker is alive, only this attempt failed
            unit.queued_at = now
        log.warning("issuance unit %s failed (attempt %s): %s", unit.id, unit.attempts, reasons)
    else:
        _deliver(session, unit, list(copies.values()), now)
    session.flush()
    _finish_job_if_done(session, unit.job)


def fail_unit(session: Session, unit: IssuanceUnit, reason: str, max_attempts: int) -> None:
    """A worker could not make the unit at all (it crashed, the key was missing, ...)."""
    failures = tuple((c, reason) for c in session.scalars(
        select(IssuedCopy.id).where(IssuedCopy.unit_id == unit.id)))
    record_unit_result(session, unit, UnitResult(unit.id, (), failures), max_attempts)


def _deliver(session: Session, unit: IssuanceUnit, copies: list[IssuedCopy],
             now: datetime) -> None:
    unit.status = UnitStatus.DONE.value
    unit.finished_at = now
    unit.error = None
    unit.lease_until = None
    for copy in copies:
        _supersede_older(session, copy, now)
        if copy.channel == Channel.PRINT.value:
            # Ready to print on demand; delivered when the paper copy is handed over.
            if copy.status == CopyStatus.PENDING.value:
                copy.status = CopyStatus.SIGNED.value
            continue
        if copy.status == CopyStatus.DELIVERED.value:
            continue  # nothing twice
        copy.status = CopyStatus.DELIVERED.value
        copy.delivered_at = now
        session.add(DeliveryEvent(copy_id=copy.id, kind=EventKind.DELIVERED.value, at=now))
    record(session, "issuance.delivered", SYSTEM, object_type="issuance_unit",
           object_id=unit.id, meeting_id=unit.job.meeting_id,
           details={"user": unit.user.username, "copies": len(copies)})


def _supersede_older(session: Session, copy: IssuedCopy, now: datetime) -> None:
    """Mark the delegate's earlier copies of the same document (or packet) superseded.

    Only earlier ones: a packet of an older job delivered late never supersedes a
    newer packet (one rebuilt after a recall, say)."""
    same = [IssuedCopy.meeting_id == copy.meeting_id, IssuedCopy.user_id == copy.user_id,
            IssuedCopy.kind == copy.kind, IssuedCopy.id < copy.id,
            IssuedCopy.superseded_at.is_(None), IssuedCopy.job_id != copy.job_id]
    if copy.kind == CopyKind.ITEM.value:
        assert copy.document_version is not None
        same.append(IssuedCopy.document_version_id.in_(
            select(DocumentVersion.id).where(
                DocumentVersion.document_id == copy.document_version.document_id)))
    for older in session.scalars(select(IssuedCopy).where(*same)):
        older.superseded_at = now
        older.superseded_by_id = copy.id
        record(session, "copy.superseded", SYSTEM, object_type="issued_copy",
               object_id=older.id, meeting_id=copy.meeting_id,
               details={"user": copy.user.username, "by": copy.id})


#: The PostgreSQL advisory lock space (the first of two keys, the job's id the second)
#: that serialises ending a job; any constant.
_JOB_END_LOCK_SPACE = 7_246_132


def _finish_job_if_done(session: Session, job: IssuanceJob) -> None:
    """End the job when this unit was its last open one.

    Results of one job are counted one at a time: two workers finishing the last two
    units at once would otherwise each count the other's, not yet committed, as still
    running (PostgreSQL's READ COMMITTED), and neither would end the job. Waiting for
    the lock, the second one's count sees the first one's commit. An advisory lock,
    not the job's row: two Celery workers taking the row this late deadlocked on it
    (PostgreSQL found each waiting for the other's transaction). On SQLite the flush
    below makes this transaction the one writer, which serialises the same way.
    """
    session.flush()  # this unit's new state, before the wait
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:space, :job)"),
                           {"space": _JOB_END_LOCK_SPACE, "job": job.id})
    open_units = session.scalar(select(func.count()).select_from(IssuanceUnit).where(
        IssuanceUnit.job_id == job.id,
        IssuanceUnit.status.in_([UnitStatus.PENDING.value, UnitStatus.RUNNING.value])))
    if open_units:
        return
    failed = session.scalar(select(func.count()).select_from(IssuanceUnit).where(
        IssuanceUnit.job_id == job.id, IssuanceUnit.status == UnitStatus.FAILED.value))
    job.status = (JobStatus.COMPLETED_WITH_FAILURES if failed else JobStatus.COMPLETED).value
    job.finished_at = utcnow()
    record(session, "issuance.finished", SYSTEM, object_type="issuance_job", object_id=job.id,
           meeting_id=job.meeting_id, details={"status": job.status, "failed_units": failed})


def finish_settled_jobs(session: Session) -> list[int]:
    """End every running job none of whose units is open any more; their ids.

    A unit's result ends its job when it is the last open one, so this finds nothing,
    unless a finish was lost: before ending a job took a lock, two workers finishing
    the last two units together could each leave it running. The sweep repairs such
    a job, so it still ends with nobody watching."""
    open_unit = select(IssuanceUnit.id).where(
        IssuanceUnit.job_id == IssuanceJob.id,
        IssuanceUnit.status.in_([UnitStatus.PENDING.value, UnitStatus.RUNNING.value]))
    settled = session.scalars(select(IssuanceJob).where(
        IssuanceJob.status == JobStatus.RUNNING.value, ~open_unit.exists())).all()
    for job in settled:
        _finish_job_if_done(session, job)
    return [job.id for job in settled if job.status != JobStatus.RUNNING.value]


def retry_failed_units(session: Session, job: IssuanceJob, actor: Actor) -> int:
    """Put a job's failed units back in the queue, with fresh attempts."""
    units = list(session.scalars(select(IssuanceUnit).where(
        IssuanceUnit.job_id == job.id, IssuanceUnit.status == UnitStatus.FAILED.value)))
    now = utcnow()
    for unit in units:
        unit.status = UnitStatus.PENDING.value
        unit.attempts = 0
        unit.queued_at = now
        session.execute(update(IssuedCopy).where(
            IssuedCopy.unit_id == unit.id, IssuedCopy.status == CopyStatus.FAILED.value,
        ).values(status=CopyStatus.PENDING.value))
    if units:
        job.status = JobStatus.RUNNING.value
        job.finished_at = None
        record(session, "issuance.retried", actor, object_type="issuance_job", object_id=job.id,
               meeting_id=job.meeting_id, details={"units": len(units)})
    session.flush()
    return len(units)


#: A running job whose units no worker has held or finished for this long, since they
#: joined the queue, waits for a signing worker that is not running (or busy elsewhere).
#: The default of ``ISSUANCE_STALLED_AFTER_SECONDS``.
STALLED_AFTER = timedelta(seconds=60)


def stalled_after(config: Mapping[str, Any]) -> timedelta:
    """How long a running job may wait for a worker before its page says nobody signs."""
    return timedelta(seconds=float(config["ISSUANCE_STALLED_AFTER_SECONDS"]))


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    status: str
    total: int
    signed: int
    failed: int
    delegates_total: int
    delegates_done: int
    copies_per_second: float
    seconds_left: float | None
    failures: tuple[tuple[str, str], ...]
    #: While the job runs and no worker holds one of its units: seconds since one was
    #: last queued, held or finished. ``None`` when a worker is at it or the job ended.
    idle_seconds: float | None = None
    #: Idle this long, the job is ``stalled`` (``ISSUANCE_STALLED_AFTER_SECONDS``).
    stalled_after_seconds: float = STALLED_AFTER.total_seconds()

    @property
    def percent(self) -> int:
        return int(100 * self.signed / self.total) if self.total else 100

    @property
    def stalled(self) -> bool:
        """Nobody is signing this job: the secretariat should call the administrator."""
        return (self.idle_seconds is not None
                and self.idle_seconds >= self.stalled_after_seconds)

    @property
    def stalled_minutes(self) -> int:
        return max(1, round((self.idle_seconds or 0) / 60))

    def to_dict(self) -> dict[str, object]:
        return {"job_id": self.job_id, "status": self.status, "total": self.total,
                "signed": self.signed, "failed": self.failed, "percent": self.percent,
                "delegates_total": self.delegates_total, "delegates_done": self.delegates_done,
                "copies_per_second": round(self.copies_per_second, 2),
                "seconds_left": None if self.seconds_left is None else round(self.seconds_left),
                "failures": [{"delegate": d, "reason": r} for d, r in self.failures],
                "idle_seconds": None if self.idle_seconds is None else round(self.idle_seconds),
                "stalled": self.stalled}


def job_progress(session: Session, job: IssuanceJob, now: datetime | None = None,
                 stalled_after: timedelta = STALLED_AFTER) -> JobProgress:
    """Copies signed of the total, the rate so far and the time left, counted in SQL."""
    now = now or utcnow()
    counts = dict(session.execute(
        select(IssuedCopy.status, func.count()).where(IssuedCopy.job_id == job.id)
        .group_by(IssuedCopy.status)).all())
    total = sum(counts.values())
    signed = counts.get(CopyStatus.SIGNED.value, 0) + counts.get(CopyStatus.DELIVERED.value, 0)
    units = dict(session.execute(
        select(IssuanceUnit.status, func.count()).where(IssuanceUnit.job_id == job.id)
        .group_by(IssuanceUnit.status)).all())
    end = job.finished_at or now
    elapsed = max((end - job.created_at).total_seconds(), 0.001)
    rate = signed / elapsed
    left = total - signed - counts.get(CopyStatus.FAILED.value, 0)
    failures = tuple((name, error or "") for name, error in session.execute(
        select(User.full_name, IssuanceUnit.error).join(User, User.id == IssuanceUnit.user_id)
        .where(IssuanceUnit.job_id == job.id, IssuanceUnit.error.is_not(None))
        .order_by(IssuanceUnit.id).limit(50)).all())
    return JobProgress(
        job_id=job.id, status=job.status, total=total, signed=signed,
        failed=counts.get(CopyStatus.FAILED.value, 0),
        delegates_total=sum(units.values()), delegates_done=units.get(UnitStatus.DONE.value, 0),
        copies_per_second=rate, seconds_left=(left / rate) if rate > 0 and left else None,
        failures=failures,
        idle_seconds=_idle_seconds(session, job, now) if job.status == JobStatus.RUNNING.value
        else None,
        stalled_after_seconds=stalled_after.total_seconds())


def _idle_seconds(session: Session, job: IssuanceJob, now: datetime) -> float | None:
    """Seconds since a worker last showed it works on ``job``; ``None`` if one holds a unit.

    Held: running under a live lease (a pending unit's lease is only an offer to Celery).
    A worker that died holding a unit counts as working until its lease runs out.
    """
    held, queued, finished = session.execute(
        select(func.count().filter(IssuanceUnit.status == UnitStatus.RUNNING.value,
                                   IssuanceUnit.lease_until > now),
               func.max(IssuanceUnit.queued_at), func.max(IssuanceUnit.finished_at))
        .where(IssuanceUnit.job_id == job.id)).one()
    if held:
        return None
    last = max(moment for moment in (job.created_at, queued, finished) if moment is not None)
    return max((now - last).total_seconds(), 0.0)


def jobs_of(session: Session, meeting: Meeting) -> list[IssuanceJob]:
    return list(session.scalars(select(IssuanceJob).where(
        IssuanceJob.meeting_id == meeting.id).order_by(IssuanceJob.id.desc())))
