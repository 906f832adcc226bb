"""Reminding delegates by e-mail of papers they have not opened or acknowledged.

The mail names the meeting and how many items wait, never their titles: titles
of confidential papers do not travel by e-mail.

Nothing is mailed inside the transaction that decides who is reminded: that
transaction holds the audit chain's lock when it commits, and the mail server
may be slow or away. ``plan_reminders`` writes each reminder (with its message)
and its audit row; the caller commits; ``deliver_reminders`` then mails every
reminder of the meeting not yet delivered, marking each delivered at once, so a
failed send is retried by the next call and a delivered one never sent again.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from sqlalchemy import or_, select, update
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
class ReminderPlan:
    """Who ``plan_reminders`` chose, and who it left out."""

    planned: int
    recently_reminded: int
    without_email: int


@dataclass(frozen=True)
class DeliveryOutcome:
    sent: int
    #: Refused by the mail server this time; tried again by the next delivery.
    failed: int


#: A sender that claimed a reminder and vanished leaves it to others after this long.
CLAIM_LEASE = timedelta(minutes=10)


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
    return list(session.scalars(select(Reminder.id).where(
        Reminder.meeting_id == meeting_id, Reminder.delivered_at.is_(None),
        Reminder.message.is_not(None),
        or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - CLAIM_LEASE))
        .order_by(Reminder.id)))


def deliver_reminders(session: Session, reminder_ids: list[int], outbox: Outbox,
                      now: datetime) -> DeliveryOutcome:
    """Mail each reminder, committing before and after every message.

    Each is claimed first (a conditional update), so two senders never mail the
    same one; it is marked delivered as soon as the mail server accepts it. Only
    a crash between the server's acceptance and that commit can send one twice,
    and then with the same Message-ID.
    """
    sent = failed = 0
    for reminder_id in reminder_ids:
        claimed = session.execute(
            update(Reminder).where(
                Reminder.id == reminder_id, Reminder.delivered_at.is_(None),
                or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - CLAIM_LEASE))
            .values(claimed_at=now, attempts=Reminder.attempts + 1))
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        reminder = session.get(Reminder, reminder_id, populate_existing=True)
        assert reminder is not None and reminder.message is not None
        try:
            outbox.send(message_from_string(reminder.message, policy=policy.default))
        except (smtplib.SMTPException, OSError) as error:
            log.warning("reminder %s refused: %s", reminder_id, error)
            reminder.claimed_at = None
            reminder.last_error = str(error)[:300]
            failed += 1
        else:
            reminder.delivered_at = now
            reminder.last_error = None
            sent += 1
        session.commit()
    return DeliveryOutcome(sent, failed)


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
