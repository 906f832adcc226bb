"""Delegates are told by e-mail when papers are issued to them: once per issuance, in
Vietnamese, with the link, never naming a document; through a real SMTP server on loopback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.models import IssuanceJob, IssuanceNotice, IssuanceUnit
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline, send_notices
from meetingsvc.issuance.services import retry_failed_units
from tests.issuance.conftest import ACTOR, POLICY
from tests.tracking.test_reminders import FlakyInbox, Inbox, free_port

#: Every title of the prepared meeting's documents: none may travel by e-mail.
TITLES = ("Chương trình hội nghị", "Báo cáo kinh tế", "Báo cáo kiểm tra", "Tờ trình nhân sự")


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config, smtp_port):
    return app_config | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
                         "MAIL_FROM": "Văn phòng Tỉnh ủy <vanphong@tinhuy.invalid>"}


def serve(inbox: Inbox, port: int):
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def inbox(smtp_port):
    received = Inbox()
    controller = serve(received, smtp_port)
    yield received
    controller.stop()


@pytest.fixture
def addressed(session, prepared):
    """Every delegate of the prepared meeting has an e-mail address."""
    for n, user in enumerate([*prepared.members, prepared.guest]):
        user.email = f"daibieu{n}@tinhuy.invalid"
    session.commit()
    return prepared


def issue(app, session, meeting) -> IssuanceJob:
    job = start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    return session.get(IssuanceJob, job.id)


def test_each_delegate_is_told_once_in_vietnamese_with_the_link_and_no_title(
        app, session, addressed, inbox):
    meeting = addressed.meeting
    issue(app, session, meeting)

    assert sorted(m["To"] for m in inbox.messages) == sorted(
        u.email for u in [*addressed.members, addressed.guest])
    link = f"http://127.0.0.1:5000/meetings/{meeting.id}"
    for message in inbox.messages:
        body = message.get_content()
        assert message["Subject"].startswith(f"Tài liệu {meeting.title} đã được phát hành")
        assert link in body and "Kính gửi đồng chí" in body
        assert "Dear " in body.split("---")[1]  # the English paragraph comes after
        assert not any(title in body for title in TITLES)
        assert "MẬT" not in body
    secretary = next(m for m in inbox.messages if m["To"] == addressed.members[0].email)
    assert "4 tài liệu" in secretary.get_content()  # the TỐI MẬT item among them, untitled
    assert "1 tài liệu là bản giấy" in secretary.get_content()
    audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "issuance.notice_written"))
    assert audited == 6


def test_a_failed_and_retried_job_tells_each_delegate_once(app, session, addressed, inbox):
    from datetime import timedelta

    from meetingsvc.issuance.services import claim_unit, fail_unit

    unlucky = addressed.members[2]
    job = start_issuance(session, addressed.meeting, ACTOR, POLICY)
    session.commit()
    unit = session.scalar(select(IssuanceUnit).where(IssuanceUnit.user_id == unlucky.id))
    fail_unit(session, claim_unit(session, "test", timedelta(minutes=5), unit_id=unit.id),
              "the signing token was unplugged", max_attempts=1)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    assert session.get(IssuanceJob, job.id).status == "completed_with_failures"
    everyone = sorted(u.email for u in [*addressed.members, addressed.guest])
    assert sorted(m["To"] for m in inbox.messages) == [e for e in everyone if e != unlucky.email]

    retry_failed_units(session, session.get(IssuanceJob, job.id), ACTOR)
    session.commit()
    run_units_inline(app)
    assert sorted(m["To"] for m in inbox.messages) == everyone
    assert send_notices(app, job.id).sent == 0  # asked again: nothing twice
    assert len(inbox.messages) == 6


def test_a_new_version_is_announced_as_one(app, session, addressed, inbox):
    from meetingsvc.demo.pdfs import render_generic_pdf

    issue(app, session, addressed.meeting)
    first = len(inbox.messages)
    pdf = render_generic_pdf("Báo cáo sửa đổi", pages=2, seed=4)
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), addressed.documents["report"],
                Upload(io.BytesIO(pdf), "bc-v2.pdf", 10**7), ACTOR)
    issue(app, session, addressed.meeting)
    newer = inbox.messages[first:]
    assert sorted(m["To"] for m in newer) == sorted(u.email for u in addressed.members)
    for message in newer:
        assert message["Subject"].startswith("Phiên bản mới tài liệu")
        assert "phiên bản mới của 1 tài liệu" in message.get_content()
        assert "Báo cáo kinh tế" not in message.get_content()


def test_the_database_holds_one_notice_per_job_and_delegate(app, session, addressed, inbox):
    job = issue(app, session, addressed.meeting)
    notice = session.scalars(select(IssuanceNotice)).first()
    session.add(IssuanceNotice(job_id=job.id, meeting_id=job.meeting_id,
                               user_id=notice.user_id, new_documents=1, new_versions=0,
                               message="x"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_nothing_is_written_or_sent_when_mail_is_off(app, session, addressed, inbox):
    app.config["MAIL_SERVER"] = None
    job = issue(app, session, addressed.meeting)
    assert job.status == "completed"
    assert inbox.messages == []
    assert session.scalars(select(IssuanceNotice)).all() == []


def test_a_refused_notice_waits_and_is_sent_later_once(app, session, addressed, smtp_port):
    unlucky = addressed.guest.email
    flaky = FlakyInbox(refuse={unlucky})
    controller = serve(flaky, smtp_port)
    try:
        job = issue(app, session, addressed.meeting)
        assert len(flaky.messages) == 5
        waiting = session.scalars(select(IssuanceNotice).where(
            IssuanceNotice.delivered_at.is_(None))).all()
        assert [n.user_id for n in waiting] == [addressed.guest.id]
        assert waiting[0].last_error
        flaky.refuse = set()
        assert send_notices(app, job.id).sent == 1
        assert send_notices(app, job.id).sent == 0
    finally:
        controller.stop()
    assert sorted(m["To"] for m in flaky.messages).count(unlucky) == 1


def test_delegates_without_an_address_are_skipped(app, session, prepared, inbox, client,
                                                  sign_in, make_user):
    from meetingsvc.accounts.models import Role

    prepared.guest.email = "khachmoi@tinhuy.invalid"
    session.commit()
    job = issue(app, session, prepared.meeting)
    assert [m["To"] for m in inbox.messages] == ["khachmoi@tinhuy.invalid"]
    sign_in(make_user(Role.SECRETARIAT))
    page = client.get(f"/meetings/{prepared.meeting.id}/issuance/{job.id}").get_data(
        as_text=True)
    assert "5 đại biểu không có địa chỉ thư điện tử nên không được báo." in page
    assert session.scalar(select(func.count()).select_from(IssuanceUnit).where(
        IssuanceUnit.status == "done")) == 6


def test_the_result_page_shows_waiting_notices_and_sends_them(app, session, addressed,
                                                                smtp_port, client, sign_in,
                                                                make_user):
    from meetingsvc.accounts.models import Role

    flaky = FlakyInbox(refuse={addressed.guest.email})
    controller = serve(flaky, smtp_port)
    try:
        job = issue(app, session, addressed.meeting)
        sign_in(make_user(Role.SECRETARIAT))
        url = f"/meetings/{addressed.meeting.id}/issuance/{job.id}"
        page = client.get(url).get_data(as_text=True)
        assert "Đã báo qua thư điện tử cho 5/6 đại biểu" in page
        assert "1 thư đang chờ gửi" in page and "451" in page  # what the server answered
        flaky.refuse = set()
        after = client.post(f"{url}/notices", follow_redirects=True).get_data(as_text=True)
        assert "Đã gửi thư báo: 1. Còn chờ: 0." in after
        assert "cho 6/6 đại biểu" in after
        client.post(f"{url}/notices")
    finally:
        controller.stop()
    assert len(flaky.messages) == 6
