"""The secretariat's attendance list: counts, reminders by e-mail, XLSX, the printed list,
presence on the day."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from meetingsvc.attendance.models import AttendanceReminder, Presence
from meetingsvc.audit.models import AuditEvent
from meetingsvc.meetings.models import Invitation, InvitationRole
from tests.tracking.test_reminders import Inbox, free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)


def _answer(client, sign_in, meeting, user, **form):
    sign_in(user)
    response = client.post(f"/meetings/{meeting.id}/attendance/mine", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/sign-out")


@pytest.fixture
def answered(client, sign_in, committee):
    """The first member attends, the second is absent, the third has not answered."""
    first, second, _third = committee.members
    _answer(client, sign_in, committee.meeting, first, choice="attending")
    _answer(client, sign_in, committee.meeting, second, choice="absent",
            reason="Đi công tác Hà Nội")
    sign_in(committee.secretary)
    return committee


def _count(page: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))


def test_the_list_counts_match_the_answers(client, answered):
    page = client.get(f"/meetings/{answered.meeting.id}/attendance/").get_data(as_text=True)
    assert [_count(page, n) for n in ("invited", "attending", "absent", "unanswered")] == [
        3, 1, 1, 1]
    assert "Đi công tác Hà Nội" in page
    assert re.findall(r'data-answer="(\w+)"', page) == ["attending", "absent", "none"]


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


def test_reminders_go_only_to_those_without_an_answer(app, client, session, answered, inbox,
                                                      smtp_port, make_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port,
                      MAIL_FROM="Văn phòng Tỉnh ủy <vanphong@tinhuy.invalid>")
    guest = make_user(full_name="Khách Không Thư")  # no e-mail address
    session.add(Invitation(meeting_id=answered.meeting.id, user_id=guest.id,
                           role=InvitationRole.GUEST.value))
    for n, member in enumerate(answered.members):
        member.email = f"uyvien{n}@tinhuy.invalid"
    session.commit()
    url = f"/meetings/{answered.meeting.id}/attendance/remind"

    page = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert [m["To"] for m in inbox.messages] == ["uyvien2@tinhuy.invalid"]
    assert "xác nhận tham dự" in inbox.messages[0].get_content()
    assert "Đã gửi nhắc: 1. Không có địa chỉ thư: 1." in page
    audited = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "attendance.reminded")).all()
    assert audited == [str(answered.members[2].id)]


def test_without_a_mail_server_the_page_says_so_and_nothing_is_sent(client, session,
                                                                    answered):
    page = client.get(f"/meetings/{answered.meeting.id}/attendance/").get_data(as_text=True)
    assert "Chưa cấu hình gửi thư" in page
    response = client.post(f"/meetings/{answered.meeting.id}/attendance/remind",
                           follow_redirects=True)
    assert "chưa nhắc ai" in response.get_data(as_text=True)
    assert session.scalars(select(AttendanceReminder)).all() == []


def test_the_xlsx_keeps_a_formula_looking_reason_as_text(client, sign_in, session,
                                                         committee):
    third = committee.members[2]
    third.full_name = "=HYPERLINK(\"http://evil\",\"x\")"
    session.commit()
    _answer(client, sign_in, committee.meeting, third, choice="absent", reason="+1-1")
    sign_in(committee.secretary)
    response = client.get(f"/meetings/{committee.meeting.id}/attendance/attendance.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
                .iter_rows(values_only=True))
    assert rows[0][:4] == ("STT", "Họ và tên", "Chức vụ", "Trả lời")
    line = next(r for r in rows if r[3] == "Vắng mặt")
    assert line[1] == "'=HYPERLINK(\"http://evil\",\"x\")" and line[4] == "'+1-1"


def test_the_printed_list_names_each_delegate_in_order(client, answered, tmp_path):
    response = client.get(f"/meetings/{answered.meeting.id}/attendance/attendance.pdf")
    assert response.mimetype == "application/pdf"
    path = tmp_path / "list.pdf"
    path.write_bytes(response.data)
    (ARTIFACTS / "attendance-list.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ" in text
    assert "Hội nghị Ban Thường vụ lần thứ 40" in text
    for heading in ("STT", "Họ và tên", "Chức vụ", "Trả lời", "Lý do", "Có mặt", "Ký tên"):
        assert heading in text
    positions = [text.index(m.full_name) for m in answered.members]
    assert positions == sorted(positions)
    assert "Đi công tác" in text and "Chưa trả lời" in text


def test_presence_is_recorded_from_the_day_on_and_audited(client, session, answered, clock):
    meeting = answered.meeting
    first, second, third = answered.members
    url = f"/meetings/{meeting.id}/attendance/presence"
    clock.now = meeting.starts_at - timedelta(days=2)
    page = client.post(url, data={"present": [str(first.id)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Chỉ ghi nhận có mặt từ ngày họp trở đi." in page
    assert session.scalars(select(Presence)).all() == []

    clock.now = meeting.starts_at + timedelta(minutes=5)
    page = client.post(url, data={"present": [str(first.id), str(third.id)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã ghi nhận có mặt: 2/3" in page
    session.expire_all()
    recorded = {p.user_id: p.present for p in session.scalars(select(Presence))}
    assert recorded == {first.id: True, second.id: False, third.id: True}
    assert _count(page, "present") == 2
    [event] = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "attendance.presence_recorded")).all()
    assert json.loads(event.details)["present"] == sorted([first.id, third.id])


def test_presence_of_someone_not_invited_is_refused(client, session, answered, clock,
                                                    make_user):
    stranger = make_user()
    clock.now = answered.meeting.starts_at
    page = client.post(f"/meetings/{answered.meeting.id}/attendance/presence",
                       data={"present": [str(stranger.id)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "không được mời" in page
    assert session.scalars(select(Presence)).all() == []
