"""Reminder e-mails through a real SMTP server on loopback, once per interval, audited."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.tracking.models import Reminder
from tests.tracking.conftest import item_copy


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    from aiosmtpd.controller import Controller

    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield received
    controller.stop()


@pytest.fixture
def app_config(app_config, smtp_port):
    return app_config | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
                         "MAIL_FROM": "Văn phòng Tỉnh ủy <vanphong@tinhuy.invalid>",
                         "REMINDER_MIN_INTERVAL_HOURS": 12}


def test_those_who_have_not_opened_are_reminded_once_per_interval(
        client, sign_in, session, prepared, issued, make_user, inbox):
    reader, *others = prepared.members
    for n, user in enumerate(prepared.members):
        user.email = f"uyvien{n}@tinhuy.invalid"
    session.commit()
    report = prepared.documents["report"]
    sign_in(reader)
    client.get(f"/meetings/{prepared.meeting.id}/my/copies/"
               f"{item_copy(session, reader, report).id}.pdf").close()
    client.post("/sign-out")
    sign_in(make_user(Role.SECRETARIAT))
    url = f"/meetings/{prepared.meeting.id}/receipts/remind"
    form = {"reason": "not_opened", "document_id": str(report.id)}

    page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert sorted(m["To"] for m in inbox.messages) == sorted(u.email for u in others)
    assert "1 tài liệu chưa mở" in inbox.messages[0].get_content()
    assert report.title not in inbox.messages[0].get_content()  # titles stay in the portal
    assert "Đã gửi nhắc nhở: 4." in page or "Reminders sent: 4." in page
    reminded = session.scalars(select(Reminder.user_id)).all()
    assert sorted(reminded) == sorted(u.id for u in others)
    audited = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "tracking.reminded")).all()
    assert sorted(audited) == sorted(str(u.id) for u in others)

    client.post(url, data=form)  # again at once: nobody is reminded twice
    assert len(inbox.messages) == 4
    for reminder in session.scalars(select(Reminder)):
        reminder.sent_at -= timedelta(hours=13)
    session.commit()
    client.post(url, data=form)  # after the interval they are
    assert len(inbox.messages) == 8


def test_delegates_without_an_address_are_counted_not_mailed(client, sign_in, session,
                                                             prepared, issued, make_user,
                                                             inbox):
    sign_in(make_user(Role.SECRETARIAT))
    page = client.post(f"/meetings/{prepared.meeting.id}/receipts/remind",
                       data={"reason": "not_acknowledged"},
                       follow_redirects=True).get_data(as_text=True)
    assert inbox.messages == []
    assert ": 6." in page  # the five members and the guest have no e-mail address
    assert session.scalars(select(Reminder)).all() == []


def test_without_a_mail_server_nothing_is_recorded(app, client, sign_in, session, prepared,
                                                   issued, make_user):
    app.config["MAIL_SERVER"] = None
    sign_in(make_user(Role.SECRETARIAT))
    response = client.post(f"/meetings/{prepared.meeting.id}/receipts/remind",
                           data={"reason": "not_opened"}, follow_redirects=True)
    assert "MAIL_SERVER" in response.get_data(as_text=True)
    assert session.scalars(select(Reminder)).all() == []


class FlakyInbox(Inbox):
    """Refuses (451, try later) the messages to the addresses in ``refuse``."""

    def __init__(self, refuse: set[str]) -> None:
        super().__init__()
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if set(envelope.rcpt_tos) & self.refuse:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_failed_send_is_retried_later_and_nothing_is_sent_twice(
        client, sign_in, session, prepared, issued, make_user, smtp_port):
    from aiosmtpd.controller import Controller

    for n, user in enumerate(prepared.members):
        user.email = f"uyvien{n}@tinhuy.invalid"
    session.commit()
    unlucky = prepared.members[0].email
    url = f"/meetings/{prepared.meeting.id}/receipts/remind"
    form = {"reason": "not_opened"}
    sign_in(make_user(Role.SECRETARIAT))

    # The mail server is away: the reminders and their audit rows are kept, unsent.
    page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "127.0.0.1" in page  # "the mail server cannot be reached"
    waiting = session.scalars(select(Reminder)).all()
    assert len(waiting) == 5 and all(r.delivered_at is None for r in waiting)
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "tracking.reminded")).all()) == 5

    inbox = FlakyInbox(refuse={unlucky})
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        client.post(url, data=form)  # the server is back, but refuses one address for now
        assert sorted(m["To"] for m in inbox.messages) == sorted(
            u.email for u in prepared.members[1:])
        session.expire_all()
        refused = session.scalars(select(Reminder).where(Reminder.delivered_at.is_(None))).all()
        assert [r.user_id for r in refused] == [prepared.members[0].id]
        assert refused[0].attempts == 1 and "451" in refused[0].last_error

        inbox.refuse.clear()
        page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
        assert "Đã gửi nhắc nhở: 1." in page or "Reminders sent: 1." in page
        client.post(url, data=form)  # and again: nothing is left to send
    finally:
        controller.stop()
    received = sorted(m["To"] for m in inbox.messages)
    assert received == sorted(u.email for u in prepared.members)  # each exactly once
    ids = {m["Message-ID"] for m in inbox.messages}
    session.expire_all()
    assert ids == {r.message_id for r in session.scalars(select(Reminder))}
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "tracking.reminded")).all()) == 5
