"""The office's e-mail: reminders and issuance notices go out the same way.

Nothing is mailed inside the transaction that decides who is written to: that
transaction holds the audit chain's lock when it commits, and the mail server
may be slow or away. The caller writes each message as a row (an
``OutgoingMail``) with its audit entry and commits; ``deliver`` then mails the
rows not yet delivered, claiming each first and marking it delivered at once,
so a failed send is retried by the next call and a delivered one never sent again.

Messages name a meeting and how many items wait, never the items' titles: titles
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
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from .errors import N_, DomainError
from .models_common import UTCDateTime

log = logging.getLogger(__name__)

#: A sender that claimed a message and vanished leaves it to others after this long.
CLAIM_LEASE = timedelta(minutes=10)


class MailError(DomainError):
    """Mail that cannot be sent now; the message says why."""


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
    """One SMTP connection for a batch of messages."""
    try:
        connection = smtplib.SMTP(settings.server, settings.port, timeout=timeout)
    except OSError as error:
        raise MailError(N_("The mail server %(server)s cannot be reached."),
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


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with a Message-ID of its own, kept with the row that sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="meetingsvc")
    message.set_content(body)
    return message


class OutgoingMail:
    """Columns of a table whose rows are e-mails written before they are sent."""

    #: The e-mail as composed (RFC 5322); resent as is, with the same Message-ID.
    message: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    #: When the mail server accepted it; ``None`` while it waits to be sent.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: A sender working on it since then (others leave it alone for a while).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Why the last attempt failed.
    last_error: Mapped[str | None] = mapped_column(String(300))


@dataclass(frozen=True)
class DeliveryOutcome:
    sent: int
    #: Refused by the mail server this time; tried again by the next delivery.
    failed: int


def _unclaimed(model: Any, now: datetime) -> ColumnElement[bool]:
    return or_(model.claimed_at.is_(None), model.claimed_at < now - CLAIM_LEASE)


def undelivered(session: Session, model: Any, now: datetime,
                *where: ColumnElement[bool]) -> list[int]:
    """Ids of rows of ``model`` (an ``OutgoingMail`` table) waiting to be mailed, that no
    sender is working on, among those ``where`` selects."""
    return list(session.scalars(select(model.id).where(
        *where, model.delivered_at.is_(None), model.message.is_not(None),
        _unclaimed(model, now)).order_by(model.id)))


def deliver(session: Session, model: Any, ids: list[int], outbox: Outbox,
            now: datetime) -> DeliveryOutcome:
    """Mail each row, committing before and after every message.

    Each is claimed first (a conditional update), so two senders never mail the
    same one; it is marked delivered as soon as the mail server accepts it. Only
    a crash between the server's acceptance and that commit can send one twice,
    and then with the same Message-ID.
    """
    sent = failed = 0
    for row_id in ids:
        claimed = session.execute(
            update(model).where(model.id == row_id, model.delivered_at.is_(None),
                                _unclaimed(model, now))
            .values(claimed_at=now, attempts=model.attempts + 1))
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.get(model, row_id, populate_existing=True)
        assert row is not None and row.message is not None
        try:
            outbox.send(message_from_string(row.message, policy=policy.default))
        except (smtplib.SMTPException, OSError) as error:
            log.warning("%s %s refused: %s", model.__tablename__, row_id, error)
            row.claimed_at = None
            row.last_error = str(error)[:300]
            failed += 1
        else:
            row.delivered_at = now
            row.last_error = None
            sent += 1
        session.commit()
    return DeliveryOutcome(sent, failed)
