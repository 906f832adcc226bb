"""Telling delegates by e-mail that papers were issued to them, or a new version arrived.

One message per delegate per job, whatever retries the job needs: it is written,
with its audit entry, in the transaction that delivers the delegate's copies, and
the database holds one per (job, delegate). It is mailed after that commits, the way
all the office's mail goes (``meetingsvc.mail``). Only when mail is configured.

The message counts the documents and names the meeting, never a document's title.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..mail import DeliveryOutcome, Outbox, compose, deliver, undelivered
from .models import Channel, CopyKind, IssuanceJob, IssuanceNotice, IssuanceUnit, IssuedCopy

log = logging.getLogger(__name__)
SYSTEM = Actor(username="issuance")


@dataclass(frozen=True)
class NoticeSettings:
    #: Where delegates open the service, e.g. https://tailieu.tinhuy.vn (PUBLIC_BASE_URL).
    base_url: str
    sender: str
    office_name: str


@dataclass(frozen=True)
class NoticeCounts:
    documents: int
    new_versions: int
    paper: int


def unit_counts(session: Session, unit: IssuanceUnit) -> NoticeCounts:
    """What the unit issued the delegate: documents, how many as a new version, on paper."""
    copies = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.unit_id == unit.id, IssuedCopy.kind == CopyKind.ITEM.value)))
    ids = [c.id for c in copies]
    new_versions = session.scalar(select(func.count(distinct(IssuedCopy.superseded_by_id)))
                                  .where(IssuedCopy.superseded_by_id.in_(ids))) if ids else 0
    return NoticeCounts(len(copies), new_versions or 0,
                        sum(1 for c in copies if c.channel == Channel.PRINT.value))


def write_notice(session: Session, unit: IssuanceUnit,
                 settings: NoticeSettings) -> IssuanceNotice | None:
    """The notice of a delivered unit, if its delegate has an address and has none yet.

    A job that only rebuilds packets after a recall issues nothing new: no notice.
    """
    job = unit.job
    user = unit.user
    if job.recalled_document_id is not None or not user.email:
        return None
    if session.scalar(select(IssuanceNotice.id).where(
            IssuanceNotice.job_id == job.id, IssuanceNotice.user_id == user.id)) is not None:
        return None
    counts = unit_counts(session, unit)
    if not counts.documents:
        return None
    message = notice_message(job, user.full_name, user.email, counts, settings)
    notice = IssuanceNotice(job_id=job.id, meeting_id=job.meeting_id, user_id=user.id,
                            new_documents=counts.documents - counts.new_versions,
                            new_versions=counts.new_versions, message=message.as_string(),
                            message_id=message["Message-ID"])
    session.add(notice)
    session.flush()
    record(session, "issuance.notice_written", SYSTEM, object_type="user", object_id=user.id,
           meeting_id=job.meeting_id,
           details={"job": job.id, "user": user.username, "documents": counts.documents,
                    "new_versions": counts.new_versions, "message_id": message["Message-ID"]})
    return notice


def notice_message(job: IssuanceJob, name: str, address: str, counts: NoticeCounts,
                   settings: NoticeSettings) -> EmailMessage:
    """Vietnamese first, an English paragraph after, like the reminders."""
    meeting = job.meeting
    link = f"{settings.base_url.rstrip('/')}/meetings/{meeting.id}"
    fresh = counts.documents - counts.new_versions
    if fresh:
        subject = f"Tài liệu {meeting.title} đã được phát hành / Meeting papers issued"
    else:
        subject = f"Phiên bản mới tài liệu {meeting.title} / New version of meeting papers"
    what_vi = []
    what_en = []
    if fresh:
        what_vi.append(f"{fresh} tài liệu")
        what_en.append(f"{fresh} document{'s' if fresh != 1 else ''}")
    if counts.new_versions:
        what_vi.append(f"phiên bản mới của {counts.new_versions} tài liệu")
        what_en.append(f"a new version of {counts.new_versions} "
                       f"document{'s' if counts.new_versions != 1 else ''}")
    paper_vi = paper_en = ""
    if counts.paper:
        paper_vi = (f"Trong đó {counts.paper} tài liệu là bản giấy có số, Văn phòng sẽ giao "
                    "trực tiếp cho đồng chí.\n")
        paper_en = (f"{counts.paper} of them are numbered paper copies the office will hand "
                    "you in person.\n")
    body = (f"Kính gửi đồng chí {name},\n\n"
            f"{settings.office_name} đã phát hành cho đồng chí {' và '.join(what_vi)} "
            f"của {meeting.title}.\n{paper_vi}"
            f"Đề nghị đồng chí xem và ký nhận tại: {link}\n\n"
            f"{settings.office_name}\n\n---\n\n"
            f"Dear {name}, {' and '.join(what_en)} for {meeting.title} "
            f"{'have' if counts.documents != 1 else 'has'} been issued to you. {paper_en}"
            f"Please read and acknowledge them at: {link}\n")
    return compose(settings.sender, address, subject, body)


def waiting_notices(session: Session, job_id: int, now: datetime) -> list[int]:
    return undelivered(session, IssuanceNotice, now, IssuanceNotice.job_id == job_id)


def deliver_notices(session: Session, ids: list[int], outbox: Outbox,
                    now: datetime) -> DeliveryOutcome:
    return deliver(session, IssuanceNotice, ids, outbox, now)


@dataclass(frozen=True)
class NoticeSummary:
    written: int
    delivered: int
    #: Refused or not yet tried; sent again by the next delivery.
    waiting: int
    last_error: str | None


def notice_summary(session: Session, job_id: int) -> NoticeSummary:
    notices = list(session.scalars(select(IssuanceNotice).where(
        IssuanceNotice.job_id == job_id).order_by(IssuanceNotice.id)))
    delivered = sum(1 for n in notices if n.delivered_at is not None)
    errors = [n.last_error for n in notices if n.delivered_at is None and n.last_error]
    return NoticeSummary(len(notices), delivered, len(notices) - delivered,
                         errors[-1] if errors else None)
