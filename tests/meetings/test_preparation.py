"""The secretariat prepares a meeting: members invited by default, guests, the agenda."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.meetings.models import Invitation, Meeting
from tests.confirming import confirmed_post


@pytest.fixture
def secretariat(make_user, sign_in):
    user = make_user(Role.SECRETARIAT, full_name="Đỗ Thị Thư Ký")
    sign_in(user)
    return user


@pytest.fixture
def body(make_user, make_body):
    return make_body("btv", "Ban Thường vụ Tỉnh ủy",
                     [make_user(full_name=f"Ủy viên {n}") for n in range(1, 4)])


def test_new_meeting_invites_every_member_of_the_body(client, session, secretariat, body):
    response = client.post("/meetings/new", data={
        "body_id": body.id, "session_number": 41, "title": "Hội nghị Ban Thường vụ tháng 12",
        "starts_at": "2026-12-03T08:00", "place": "Phòng họp số 1"})
    assert response.status_code == 302
    meeting = session.scalar(select(Meeting))
    assert meeting.status == "draft"
    assert meeting.starts_at.hour == 1  # 08:00 in Hà Nội is 01:00 UTC
    assert sorted(i.user.full_name for i in meeting.invitations) == [
        "Ủy viên 1", "Ủy viên 2", "Ủy viên 3"]
    assert all(i.role == "member" for i in meeting.invitations)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hội nghị Ban Thường vụ tháng 12" in page
    assert "03/12/2026, 08:00" in page  # the date in Vietnamese form


def test_missing_fields_are_refused_with_the_form_kept(client, session, secretariat, body):
    response = client.post("/meetings/new", data={
        "body_id": body.id, "session_number": 0, "title": "Giữ lại tiêu đề này",
        "starts_at": "", "place": ""})
    assert response.status_code == 200
    assert "Giữ lại tiêu đề này" in response.get_data(as_text=True)
    assert session.scalar(select(Meeting)) is None


def test_guests_can_be_added_and_removed(client, session, secretariat, body, make_meeting,
                                         make_user):
    meeting = make_meeting(body)
    guest = make_user(full_name="Nguyễn Khách Mời")
    client.post(f"/meetings/{meeting.id}/guests", data={"user_id": guest.id})
    invitation = session.scalar(select(Invitation).where(Invitation.user_id == guest.id))
    assert invitation is not None and invitation.role == "guest"
    client.post(f"/meetings/{meeting.id}/guests", data={"user_id": guest.id})
    assert len(session.scalars(select(Invitation).where(Invitation.user_id == guest.id)).all()) == 1
    confirmed_post(client, f"/meetings/{meeting.id}/invitations/{invitation.id}/remove")
    session.expire_all()
    assert session.scalar(select(Invitation).where(Invitation.user_id == guest.id)) is None
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "meeting.invited" in actions and "meeting.uninvited" in actions


def test_agenda_items_are_added_reordered_and_removed_densely(client, session, secretariat,
                                                              body, make_meeting):
    meeting = make_meeting(body)
    for title in ("Khai mạc", "Báo cáo kinh tế", "Tờ trình nhân sự"):
        client.post(f"/meetings/{meeting.id}/agenda", data={"title": title, "presenter": ""})
    session.refresh(meeting)
    items = {i.title: i for i in meeting.agenda_items}
    client.post(f"/meetings/{meeting.id}/agenda/{items['Tờ trình nhân sự'].id}/move",
                data={"direction": "up"})
    session.expire_all()
    assert [i.title for i in session.get(Meeting, meeting.id).agenda_items] == [
        "Khai mạc", "Tờ trình nhân sự", "Báo cáo kinh tế"]
    confirmed_post(client, f"/meetings/{meeting.id}/agenda/{items['Khai mạc'].id}/remove")
    session.expire_all()
    agenda = session.get(Meeting, meeting.id).agenda_items
    assert [(i.position, i.title) for i in agenda] == [(1, "Tờ trình nhân sự"),
                                                        (2, "Báo cáo kinh tế")]


def test_an_item_of_another_meeting_is_404(client, session, secretariat, body, make_meeting):
    first, second = make_meeting(body, number=1), make_meeting(body, number=2)
    client.post(f"/meetings/{first.id}/agenda", data={"title": "Khai mạc"})
    session.refresh(first)
    item = first.agenda_items[0]
    assert client.post(f"/meetings/{second.id}/agenda/{item.id}/remove").status_code == 404
    assert client.get(f"/meetings/{second.id}/agenda/{item.id}/edit").status_code == 404


def test_language_switch_shows_english_and_back(client, secretariat):
    assert "Hội nghị" in client.get("/meetings/").get_data(as_text=True)
    client.get("/lang/en?next=/meetings/")
    page = client.get("/meetings/").get_data(as_text=True)
    assert "New meeting" in page and "Tạo hội nghị" not in page
    assert client.get("/lang/fr").status_code == 404
