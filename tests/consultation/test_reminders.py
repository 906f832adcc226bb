"""The secretariat reminds, by e-mail, the members who have not answered every question."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.consultation.models import ConsultationReminder
from tests.tracking.test_reminders import Inbox, free_port

from .test_consultation import _answer_url, _as, _url


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
                         "MAIL_FROM": "Văn phòng Tỉnh ủy <vanphong@tinhuy.invalid>"}


def test_only_those_without_an_answer_are_reminded_once(app, session, opened, inbox):
    a, b, c = opened.standing
    for member in (a, b, c):
        member.email = f"{member.username}@tinhuy.invalid"
    session.commit()
    _as(app, a).post(_answer_url(opened), data={"choice": "agree"})
    staff = _as(app, opened.secretariat)
    page = staff.post(_url(opened, "/remind"), follow_redirects=True).get_data(as_text=True)
    assert "Đã gửi nhắc: 2" in page or ": 2." in page
    assert sorted(m["To"] for m in inbox.messages) == sorted([b.email, c.email])
    assert opened.consultation.subject in inbox.messages[0].get_content()
    staff.post(_url(opened, "/remind"))  # again at once: nobody is reminded twice
    assert len(inbox.messages) == 2
    assert len(session.scalars(select(ConsultationReminder)).all()) == 2
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "consultation.reminded")).all()
    assert len(events) == 2
    # A member cannot send reminders.
    assert _as(app, a).post(_url(opened, "/remind")).status_code == 404
