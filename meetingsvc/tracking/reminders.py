"""Reminding delegates by e-mail of papers they have not opened or acknowledged.

The mail names the meeting and how many items wait, never their titles: titles
of confidential papers do not travel by e-mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..meetings.models import Meeting
from .dashboard import Matrix, ReceiptFilter
from .models import Reminder, ReminderReason

log = logging.getLogger(__name__)


class ReminderError(DomainError):
    """Reminders that cannot be sent; the message says why."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """``None`` when ``MAIL_SERVER`` is not set: sending is switched off."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(server=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT", 25)),
                   use_tls=bool(config.get("MAIL_USE_TLS")),
                   username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
                   sender=config["MAIL_FROM"])


class Outbox(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@contextmanager
def smtp_outbox(settings: MailSettings, timeout: float = 20) -> Iterator[Outbox]:
    """One SMTP connection for a batch of reminders."""
    try:
        connection = smtplib.SMTP(settings.server, settings.port, timeout=timeout)
    except OSError as error:
        raise ReminderError(N_("The mail server %(server)s cannot be reached."),
                            server=settings.server) from error
    with connection:
        if settings.use_tls:
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password or "")

        class _Outbox:
            def send(self, message: EmailMessage) -> None:
                connection.send_message(message)

        yield _Outbox()


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
class ReminderOutcome:
    sent: int
    recently_reminded: int
    without_email: int
    failed: int


def remind(session: Session, matrix: Matrix, request: ReminderRequest, outbox: Outbox,
           actor: Actor, now: datetime) -> ReminderOutcome:
    """E-mail every delegate of the matrix who lacks the step, unless reminded recently."""
    receipt_filter = ReceiptFilter(request.reason, request.document_id)
    ids = matrix.document_ids
    waiting = {row.user_id: count for row in matrix.rows
               if (count := row.missing(receipt_filter, ids))}
    since = now - request.min_interval
    recent = set(session.scalars(select(Reminder.user_id).where(
        Reminder.meeting_id == matrix.meeting.id, Reminder.user_id.in_(list(waiting)),
        Reminder.sent_at > since)))
    users = session.scalars(select(User).where(User.id.in_(list(waiting))).order_by(User.id))
    sent = without_email = failed = 0
    for user in users:
        if user.id in recent:
            continue
        if not user.email:
            without_email += 1
            continue
        message = reminder_message(matrix.meeting, user, waiting[user.id], request)
        try:
            outbox.send(message)
        except smtplib.SMTPException as error:
            log.warning("reminder to %s refused: %s", user.username, error)
            failed += 1
            continue
        session.add(Reminder(meeting_id=matrix.meeting.id, user_id=user.id,
                             reason=request.reason.value, document_id=request.document_id,
                             items=waiting[user.id], sent_at=now, sent_by_id=actor.user_id))
        record(session, "tracking.reminded", actor, object_type="user", object_id=user.id,
               meeting_id=matrix.meeting.id,
               details={"user": user.username, "reason": request.reason.value,
                        "document_id": request.document_id, "items": waiting[user.id],
                        "message_id": message["Message-ID"]})
        sent += 1
    session.flush()
    return ReminderOutcome(sent, len(recent), without_email, failed)


_WHAT = {
    ReminderReason.NOT_OPENED: ("chưa mở", "not opened"),
    ReminderReason.NOT_ACKNOWLEDGED: ("chưa ký nhận", "not acknowledged"),
}


def reminder_message(meeting: Meeting, user: User, items: int,
                     request: ReminderRequest) -> EmailMessage:
    """Vietnamese first, English second, like the interface."""
    what_vi, what_en = _WHAT[request.reason]
    link = f"{request.base_url.rstrip('/')}/meetings/{meeting.id}"
    message = EmailMessage()
    message["From"] = request.sender
    message["To"] = user.email
    message["Subject"] = f"Nhắc tài liệu {meeting.title} / Reminder: meeting papers"
    message["Message-ID"] = make_msgid(domain="meetingsvc")
    message.set_content(
        f"Kính gửi đồng chí {user.full_name},\n\n"
        f"Đồng chí còn {items} tài liệu {what_vi} của {meeting.title}.\n"
        f"Đề nghị đồng chí xem và ký nhận tại: {link}\n\n"
        "Văn phòng Tỉnh ủy\n\n---\n\n"
        f"Dear {user.full_name},\n\n"
        f"{items} of your papers for {meeting.title} are {what_en} yet.\n"
        f"Please read and acknowledge them at: {link}\n")
    return message
