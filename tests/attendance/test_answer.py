"""A delegate answers their invitation: attending, or absent with a reason; every answer kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetingsvc.attendance.models import AttendanceAnswer
from meetingsvc.audit.models import AuditEvent


def _answers(session, meeting, user):
    session.expire_all()
    return session.scalars(select(AttendanceAnswer).where(
        AttendanceAnswer.meeting_id == meeting.id, AttendanceAnswer.user_id == user.id)
        .order_by(AttendanceAnswer.id)).all()


def test_the_meeting_page_offers_attending_or_absent(client, sign_in, committee):
    sign_in(committee.members[0])
    page = client.get(f"/meetings/{committee.meeting.id}").get_data(as_text=True)
    assert 'id="attendance"' in page
    assert "Tham dự" in page and "Vắng mặt" in page and "Lý do vắng mặt" in page
    assert "Người dự thay" not in page  # the body's rules do not allow one


def test_an_answer_can_be_changed_and_every_answer_is_kept(client, sign_in, session,
                                                          committee):
    member, meeting = committee.members[0], committee.meeting
    sign_in(member)
    url = f"/meetings/{meeting.id}/attendance/mine"
    response = client.post(url, data={"choice": "attending"}, follow_redirects=True)
    assert "Đã ghi nhận trả lời của đồng chí: Tham dự." in response.get_data(as_text=True)
    client.post(url, data={"choice": "absent", "reason": "Đi công tác Trung ương"})

    answers = _answers(session, meeting, member)
    assert [(a.choice, a.reason) for a in answers] == [
        ("attending", None), ("absent", "Đi công tác Trung ương")]
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Đi công tác Trung ương" in page and "Thay đổi trả lời" in page
    history = client.get(url).get_data(as_text=True)
    assert history.index("Vắng mặt") < history.rindex("Tham dự")  # newest first, both kept
    audited = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "attendance.answered")).all()
    assert sorted(audited) == sorted(str(a.id) for a in answers)


def test_an_absence_without_a_reason_is_refused_in_vietnamese(client, sign_in, session,
                                                              committee):
    member, meeting = committee.members[1], committee.meeting
    sign_in(member)
    url = f"/meetings/{meeting.id}/attendance/mine"
    client.post(url, data={"choice": "attending"})
    response = client.post(url, data={"choice": "absent", "reason": "   "})
    assert response.status_code == 422
    assert "Đề nghị nêu lý do vắng mặt." in response.get_data(as_text=True)
    assert [a.choice for a in _answers(session, meeting, member)] == ["attending"]


def test_after_the_session_starts_the_answer_stays(client, sign_in, session, committee,
                                                   clock):
    member, meeting = committee.members[0], committee.meeting
    sign_in(member)
    url = f"/meetings/{meeting.id}/attendance/mine"
    clock.now = meeting.starts_at - timedelta(minutes=1)
    assert client.post(url, data={"choice": "attending"}).status_code == 302
    clock.now = meeting.starts_at
    response = client.post(url, data={"choice": "absent", "reason": "Ốm"})
    assert "Phiên họp đã bắt đầu: không thể thay đổi trả lời nữa." in response.get_data(
        as_text=True)
    assert [a.choice for a in _answers(session, meeting, member)] == ["attending"]
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Gửi trả lời" not in page  # no form once the session started


def test_a_stand_in_only_where_the_body_allows_it(client, sign_in, session, committee,
                                                  make_user):
    member, meeting = committee.members[2], committee.meeting
    deputy = make_user(full_name="Phạm Văn Dũng", title="Phó Trưởng ban Tuyên giáo")
    sign_in(member)
    url = f"/meetings/{meeting.id}/attendance/mine"
    absent = {"choice": "absent", "reason": "Dự họp ở Bộ", "stand_in_name": "Phạm Văn Dũng"}
    response = client.post(url, data=absent)
    assert "không cho phép cử người dự thay" in response.get_data(as_text=True)
    assert _answers(session, meeting, member) == []

    committee.body.allows_stand_in = True
    session.commit()
    client.post(url, data={"choice": "absent", "reason": "Dự họp ở Bộ",
                           "stand_in_user_id": str(deputy.id)})
    [answer] = _answers(session, meeting, member)
    assert (answer.stand_in_name, answer.stand_in_position, answer.stand_in_user_id) == (
        "Phạm Văn Dũng", "Phó Trưởng ban Tuyên giáo", deputy.id)


def test_only_an_invited_delegate_answers_and_only_for_themselves(
        client, sign_in, session, committee, make_user, make_body, make_meeting):
    outsider = make_user()
    other_body = make_body("bch", members=[outsider])
    other_meeting = make_meeting(other_body, title="Hội nghị Ban Chấp hành", number=20)
    url = f"/meetings/{committee.meeting.id}/attendance/mine"
    sign_in(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"choice": "attending"}).status_code == 404
    assert client.get(f"/meetings/{committee.meeting.id}/attendance/").status_code == 404
    client.post("/sign-out")
    member = committee.members[0]
    sign_in(member)
    assert client.get(f"/meetings/{other_meeting.id}/attendance/mine").status_code == 404
    for staff_url in ("", "attendance.xlsx", "attendance.pdf"):
        assert client.get(f"/meetings/{committee.meeting.id}/attendance/{staff_url}"
                          ).status_code == 404
    assert client.post(f"/meetings/{committee.meeting.id}/attendance/presence",
                       data={"present": str(member.id)}).status_code == 404
    assert session.scalars(select(AttendanceAnswer)).all() == []


def test_an_answer_without_its_csrf_token_is_refused(app, client, sign_in, session,
                                                     committee):
    sign_in(committee.members[0])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/meetings/{committee.meeting.id}/attendance/mine",
                           data={"choice": "attending"})
    assert response.status_code in (400, 422)
    assert session.scalars(select(AttendanceAnswer)).all() == []


def test_the_same_answer_sent_twice_is_kept_once(client, sign_in, session, committee):
    member, meeting = committee.members[0], committee.meeting
    sign_in(member)
    url = f"/meetings/{meeting.id}/attendance/mine"
    absent = {"choice": "absent", "reason": "Ốm"}
    client.post(url, data=absent)
    client.post(url, data=absent)
    assert len(_answers(session, meeting, member)) == 1
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "attendance.answered")).all()) == 1


def test_the_admin_lets_a_body_allow_stand_ins(client, sign_in, session, committee,
                                               make_user):
    from meetingsvc.accounts.models import Role

    sign_in(make_user(Role.ADMIN))
    body = committee.body
    response = client.post(f"/admin/bodies/{body.id}", data={
        "code": body.code, "name_vi": body.name_vi, "name_en": body.name_en,
        "allows_stand_in": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert body.allows_stand_in
    [event] = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "body.updated")).all()
    assert "allows_stand_in" in event.details
