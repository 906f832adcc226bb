"""The secretariat prepares a consultation in the browser's forms and opens it after a
confirmation; a careless upload or a member's attempt changes nothing."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.consultation.models import Consultation, ConsultationQuestion
from meetingsvc.issuance.models import IssuanceJob
from meetingsvc.meetings.models import Meeting

from .conftest import draft_pdf
from .test_consultation import _as


def _form(body_id: int, file: bytes, name: str = "du-thao.pdf") -> dict:
    return {"body_id": str(body_id), "deadline": "2026-12-20T17:00",
            "subject": "Quy chế làm việc (sửa đổi)",
            "question": "Đồng chí có đồng ý với dự thảo Quy chế không?",
            "symbol": "DT-QC/TU", "title": "Quy chế làm việc (dự thảo)",
            "file": (io.BytesIO(file), name)}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_prepare_add_a_question_confirm_and_open(app, session, make_user, make_body, clock):
    members = [make_user() for _ in range(3)]
    body = make_body("btv", "Ban Thường vụ Tỉnh ủy", members)
    staff = _as(app, make_user(Role.SECRETARIAT))
    created = staff.post("/consultations/new", data=_form(body.id, draft_pdf()),
                         content_type="multipart/form-data")
    assert created.status_code == 302
    consultation = session.scalar(select(Consultation))
    assert consultation.status == "draft"
    assert session.get(Meeting, consultation.meeting_id).kind == "consultation"
    staff.post(f"/consultations/{consultation.id}/questions", data={
        "question": "Đồng chí có đồng ý với phụ lục không?", "symbol": "DT-PL/TU",
        "title": "Phụ lục (dự thảo)", "file": (io.BytesIO(draft_pdf()), "phu-luc.pdf")},
        content_type="multipart/form-data")
    assert _count(session, ConsultationQuestion) == 2
    # Members see nothing of a consultation being prepared.
    assert _as(app, members[0]).get(f"/consultations/{consultation.id}").status_code == 404

    confirm = staff.get(f"/consultations/{consultation.id}/open").get_data(as_text=True)
    assert "Mở và phát hành" in confirm
    plan = re.search(r'name="plan" value="([0-9a-f]+)"', confirm).group(1)
    unconfirmed = staff.post(f"/consultations/{consultation.id}/open")
    assert unconfirmed.location.endswith("/open") and _count(session, IssuanceJob) == 0
    stale = staff.post(f"/consultations/{consultation.id}/open", data={"plan": "0" * 16},
                       follow_redirects=True)
    assert "đã thay đổi" in stale.get_data(as_text=True) and _count(session, IssuanceJob) == 0
    staff.post(f"/consultations/{consultation.id}/open", data={"plan": plan})
    session.expire_all()
    assert session.get(Consultation, consultation.id).status == "open"
    assert _count(session, IssuanceJob) == 1
    assert _as(app, members[0]).get(f"/consultations/{consultation.id}").status_code == 200


def test_a_file_that_is_no_pdf_is_refused_and_nothing_is_kept(app, session, make_user,
                                                              make_body, clock):
    body = make_body("btv", "Ban Thường vụ Tỉnh ủy", [make_user()])
    staff = _as(app, make_user(Role.SECRETARIAT))
    response = staff.post("/consultations/new", data=_form(body.id, b"not a pdf", "x.pdf"),
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PDF" in response.get_data(as_text=True)
    assert _count(session, Consultation) == 0 and _count(session, Meeting) == 0


def test_a_deadline_in_the_past_is_refused(app, session, make_user, make_body, clock):
    body = make_body("btv", "Ban Thường vụ Tỉnh ủy", [make_user()])
    staff = _as(app, make_user(Role.SECRETARIAT))
    form = _form(body.id, draft_pdf()) | {"deadline": "2026-11-30T17:00"}
    response = staff.post("/consultations/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Hạn trả lời phải ở sau thời điểm hiện tại." in response.get_data(as_text=True)
    assert _count(session, Consultation) == 0


def test_delegates_cannot_prepare_or_close(app, session, opened):
    member = _as(app, opened.standing[0])
    assert member.get("/consultations/new").status_code == 404
    assert member.post(f"/consultations/{opened.consultation.id}/close",
                       data={"confirm": "1"}).status_code == 404
    assert session.get(Consultation, opened.consultation.id).status == "open"
