"""Reminding delegates by e-mail of papers they have not opened or acknowledged.

The mail names the meeting and how many items wait, never their titles: titles
of confidential papers do not travel by e-mail.

Reminders go out as all the office's mail does (``meetingsvc.mail``):
``plan_reminders`` writes each reminder (with its message) and its audit row; the
caller commits; ``deliver_reminders`` then mails every reminder of the meeting not
yet delivered, marking each delivered at once, so a failed send is retried by the
next call and a delivered one never sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import Actor, record
from ..mail import DeliveryOutcome as DeliveryOutcome
from ..mail import MailError, Outbox, compose, deliver
from ..mail import MailSettings as MailSettings
from ..mail import smtp_outbox as smtp_outbox
from ..mail import undelivered as undelivered_mail
from ..meetings.models import Meeting
from .dashboard import Matrix, ReceiptFilter
from .models import Reminder, ReminderReason

log = logging.getLogger(__name__)


#: Reminders fail as any mail does: the mail server cannot be reached.
ReminderError = MailError


@dataclass(frozen=True)
class ReminderRequest:
    reason: ReminderReason
    document_id: int | None
    #: Not the same delegate about the same meeting again within this time.
    min_interval: timedelta
    #: Where the meeting page is, e.g. https://tailieu.tinhuy.vn
    base_url: str
    sender: str


@dataclass(frozen=True)
class ReminderPlan:
    """Who ``plan_reminders`` chose, and who it left out."""

    planned: int
    recently_reminded: int
    without_email: int


def plan_reminders(session: Session, matrix: Matrix, request: ReminderRequest,
                   actor: Actor, now: datetime) -> ReminderPlan:
    """Write a reminder, with its message, for every delegate of the matrix who lacks the
    step, unless reminded recently; nothing is mailed here (see ``deliver_reminders``)."""
    receipt_filter = ReceiptFilter(request.reason, request.document_id)
    ids = matrix.document_ids
    waiting = {row.user_id: count for row in matrix.rows
               if (count := row.missing(receipt_filter, ids))}
    since = now - request.min_interval
    recent = set(session.scalars(select(Reminder.user_id).where(
        Reminder.meeting_id == matrix.meeting.id, Reminder.user_id.in_(list(waiting)),
        Reminder.sent_at > since)))
    users = session.scalars(select(User).where(User.id.in_(list(waiting))).order_by(User.id))
    planned = without_email = 0
    for user in users:
        if user.id in recent:
            continue
        if not user.email:
            without_email += 1
            continue
        message = reminder_message(matrix.meeting, user, waiting[user.id], request)
        session.add(Reminder(meeting_id=matrix.meeting.id, user_id=user.id,
                             reason=request.reason.value, document_id=request.document_id,
                             items=waiting[user.id], sent_at=now, sent_by_id=actor.user_id,
                             message=message.as_string(), message_id=message["Message-ID"]))
        record(session, "tracking.reminded", actor, object_type="user", object_id=user.id,
               meeting_id=matrix.meeting.id,
               details={"user": user.username, "reason": request.reason.value,
                        "document_id": request.document_id, "items": waiting[user.id],
                        "message_id": message["Message-ID"]})
        planned += 1
    session.flush()
    return ReminderPlan(planned, len(recent), without_email)


def undelivered(session: Session, meeting_id: int, now: datetime) -> list[int]:
    """Reminders of the meeting waiting to be mailed, that no sender is working on."""
    return undelivered_mail(session, Reminder, now, Reminder.meeting_id == meeting_id)


def deliver_reminders(session: Session, reminder_ids: list[int], outbox: Outbox,
                      now: datetime) -> DeliveryOutcome:
    """Mail each reminder, committing before and after every message (``mail.deliver``)."""
    return deliver(session, Reminder, reminder_ids, outbox, now)


_WHAT = {
    ReminderReason.NOT_OPENED: ("chưa mở", "not opened"),
    ReminderReason.NOT_ACKNOWLEDGED: ("chưa ký nhận", "not acknowledged"),
}


def reminder_message(meeting: Meeting, user: User, items: int,
                     request: ReminderRequest) -> EmailMessage:
    """Vietnamese first, English second, like the interface."""
    what_vi, what_en = _WHAT[request.reason]
    link = f"{request.base_url.rstrip('/')}/meetings/{meeting.id}"
    subject = f"Nhắc tài liệu {meeting.title} / Reminder: meeting papers"
    return compose(
        request.sender, user.email or "", subject,
        f"Kính gửi đồng chí {user.full_name},\n\n"
        f"Đồng chí còn {items} tài liệu {what_vi} của {meeting.title}.\n"
        f"Đề nghị đồng chí xem và ký nhận tại: {link}\n\n"
        "Văn phòng Tỉnh ủy\n\n---\n\n"
        f"Dear {user.full_name},\n\n"
        f"{items} of your papers for {meeting.title} are {what_en} yet.\n"
        f"Please read and acknowledge them at: {link}\n")
