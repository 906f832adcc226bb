"""Written consultation end to end: drafts issued as signed copies, answers kept in every
version with signed receipts, hidden from others until close, the tally and its report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import verify_chain
from meetingsvc.consultation.models import (
    AnswerReceipt,
    Consultation,
    ConsultationAnswer,
    ConsultationStatus,
)
from meetingsvc.consultation.services import tally
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.issuance.models import CopyKind, IssuedCopy
from tests.conftest import PASSWORD
from tests.issuance.checks import assert_signed_whole, text_of

from .conftest import DEADLINE, T0


def _url(opened, tail: str = "") -> str:
    return f"/consultations/{opened.consultation.id}{tail}"


def _question(opened):
    return opened.consultation.questions[0]


def _answer_url(opened) -> str:
    return _url(opened, f"/questions/{_question(opened).id}/answer")


def _as(app, user):
    client = app.test_client()
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _answers(session, user=None) -> list[ConsultationAnswer]:
    query = select(ConsultationAnswer).order_by(ConsultationAnswer.id)
    if user is not None:
        query = query.where(ConsultationAnswer.user_id == user.id)
    return list(session.scalars(query))


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def _details(event: AuditEvent) -> dict:
    return json.loads(event.details) if isinstance(event.details, str) else event.details


def _save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_opening_issues_each_member_a_signed_copy_of_the_draft(app, session, opened, tmp_path):
    copies = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == opened.consultation.meeting_id,
        IssuedCopy.kind == CopyKind.ITEM.value)))
    assert sorted(c.user_id for c in copies) == sorted(u.id for u in opened.standing)
    assert opened.outsider.id not in {c.user_id for c in copies}
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    first = copies[0]
    assert first.blob_sha256
    assert_signed_whole(_save(tmp_path, "copy.pdf", store.path_for(first.blob_sha256).read_bytes()))
    # The member reaches their own copy from the consultation page.
    member = next(u for u in opened.standing if u.id == first.user_id)
    page = _as(app, member).get(_url(opened)).get_data(as_text=True)
    assert f"/meetings/{opened.consultation.meeting_id}/my/copies/{first.id}/view" in page
    # The container is no session: it is not listed among the meetings.
    meetings = _as(app, member).get("/meetings/").get_data(as_text=True)
    assert f'href="/meetings/{opened.consultation.meeting_id}"' not in meetings
    assert "Xin ý kiến: " not in meetings  # the container's title


def test_a_member_answers_changes_and_keeps_every_version(app, session, opened):
    member = opened.standing[0]
    client = _as(app, member)
    page = client.get(_url(opened)).get_data(as_text=True)
    assert "Đồng ý" in page and "Không đồng ý" in page and "Ý kiến khác" in page
    assert client.post(_answer_url(opened), data={"choice": "agree"}).status_code == 302
    # A double submit makes no second version.
    client.post(_answer_url(opened), data={"choice": "agree"})
    client.post(_answer_url(opened), data={"choice": "disagree", "comment": "Cần sửa Điều 3"})
    rows = _answers(session, member)
    assert [r.choice for r in rows] == ["agree", "disagree"]
    assert rows[1].comment == "Cần sửa Điều 3"
    draft = _question(opened).document.current_version
    assert rows[0].draft_sha256 == draft.blob_sha256
    page = client.get(_url(opened)).get_data(as_text=True)
    assert "Cần sửa Điều 3" in page and "(1)" in page  # one earlier version listed
    assert len(_events(session, "consultation.answered")) == 2


def test_other_opinion_needs_a_comment(app, session, opened):
    client = _as(app, opened.standing[0])
    response = client.post(_answer_url(opened), data={"choice": "other", "comment": "   "},
                           follow_redirects=True)
    assert "Đề nghị ghi rõ ý kiến" in response.get_data(as_text=True)
    assert _answers(session) == []
    client.post(_answer_url(opened), data={"choice": "other", "comment": "Xin lùi thời hạn"})
    assert [a.choice for a in _answers(session)] == ["other"]


def test_after_the_deadline_answers_are_refused_and_it_closes_once(app, session, opened, clock):
    client = _as(app, opened.standing[0])
    client.post(_answer_url(opened), data={"choice": "agree"})
    clock.now = DEADLINE
    response = client.post(_answer_url(opened), data={"choice": "disagree"},
                           follow_redirects=True)
    assert "đã kết thúc" in response.get_data(as_text=True)
    assert [a.choice for a in _answers(session)] == ["agree"]
    for _ in range(3):  # every read after the deadline finds it closed; it closed once
        client.get(_url(opened))
        _as(app, opened.secretariat).get("/consultations/")
    session.expire_all()
    consultation = session.get(Consultation, opened.consultation.id)
    assert consultation.status == ConsultationStatus.CLOSED.value
    assert consultation.closed_by_id is None
    assert len(_events(session, "consultation.closed")) == 1


def test_the_receipt_is_signed_and_names_the_draft_hash(app, session, opened, tmp_path):
    member = opened.standing[1]
    client = _as(app, member)
    client.post(_answer_url(opened), data={"choice": "agree", "comment": "Nhất trí"})
    answer = _answers(session, member)[0]
    url = _url(opened, f"/answers/{answer.id}/receipt.pdf")
    with client.get(url) as first:  # a stored file, streamed: closed when read
        assert first.status_code == 200 and first.mimetype == "application/pdf"
        made = first.data
    path = _save(tmp_path, "receipt.pdf", made)
    assert_signed_whole(path)
    text = text_of(path)
    assert member.full_name in text and "Đồng ý" in text and "Nhất trí" in text
    assert answer.draft_sha256 in text
    assert "(UTC+7)" in text
    with client.get(url) as again:
        assert again.data == made  # made once, the same file after
    receipt = session.scalar(select(AnswerReceipt).where(AnswerReceipt.answer_id == answer.id))
    assert receipt.sha256 == hashlib.sha256(made).hexdigest()
    events = _events(session, "consultation.receipt_issued")
    assert len(events) == 1 and _details(events[0])["sha256"] == receipt.sha256
    # Another member cannot fetch it.
    assert _as(app, opened.standing[0]).get(url).status_code == 404


def test_answers_are_hidden_from_other_members_until_close(app, session, opened, clock):
    _as(app, opened.standing[0]).post(_answer_url(opened),
                                      data={"choice": "other", "comment": "Ý kiến riêng XYZ"})
    other = _as(app, opened.standing[1])
    assert "Ý kiến riêng XYZ" not in other.get(_url(opened)).get_data(as_text=True)
    assert "Ý kiến riêng XYZ" in _as(app, opened.secretariat).get(_url(opened)).get_data(
        as_text=True)
    clock.now = DEADLINE
    assert "Ý kiến riêng XYZ" in other.get(_url(opened)).get_data(as_text=True)


def test_answers_visible_before_close_when_configured(app, session, opened):
    app.config["CONSULTATION_ANSWERS_VISIBLE_BEFORE_CLOSE"] = True
    _as(app, opened.standing[0]).post(_answer_url(opened),
                                      data={"choice": "other", "comment": "Ý kiến riêng XYZ"})
    assert "Ý kiến riêng XYZ" in _as(app, opened.standing[1]).get(_url(opened)).get_data(
        as_text=True)


def test_a_delegate_of_another_body_gets_404_everywhere(app, session, opened, clock):
    member = opened.standing[0]
    _as(app, member).post(_answer_url(opened), data={"choice": "agree"})
    answer = _answers(session, member)[0]
    outsider = _as(app, opened.outsider)
    assert opened.consultation.subject not in outsider.get("/consultations/").get_data(
        as_text=True)
    assert outsider.get(_url(opened)).status_code == 404
    assert outsider.post(_answer_url(opened), data={"choice": "agree"}).status_code == 404
    assert outsider.get(_url(opened, f"/answers/{answer.id}/receipt.pdf")).status_code == 404
    clock.now = DEADLINE
    assert outsider.get(_url(opened, "/result.pdf")).status_code == 404
    assert _answers(session, opened.outsider) == []


def test_tally_follows_the_pass_rule(app, session, opened):
    a, b, _c = opened.standing
    _as(app, a).post(_answer_url(opened), data={"choice": "agree"})
    _as(app, b).post(_answer_url(opened), data={"choice": "other", "comment": "Bổ sung"})
    consultation = session.get(Consultation, opened.consultation.id)
    of_members = tally(session, consultation, "majority_of_members")[0]
    assert (of_members.agree, of_members.other, of_members.no_answer, of_members.members) \
        == (1, 1, 1, 3)
    assert not of_members.passed  # 1 of 3 is not more than half of the members
    _as(app, b).post(_answer_url(opened), data={"choice": "agree"})
    assert tally(session, consultation, "majority_of_members")[0].passed  # 2 of 3
    _as(app, a).post(_answer_url(opened), data={"choice": "disagree"})
    # 1 agree of 2 answers: not more than half of either
    assert not tally(session, consultation, "majority_of_answers")[0].passed
    _as(app, a).post(_answer_url(opened), data={"choice": "agree"})
    assert tally(session, consultation, "majority_of_answers")[0].passed


def test_closing_by_hand_needs_confirmation_and_issues_a_signed_result(app, session, opened,
                                                                       tmp_path):
    a, b, c = opened.standing
    _as(app, a).post(_answer_url(opened), data={"choice": "agree"})
    _as(app, b).post(_answer_url(opened), data={"choice": "agree", "comment": "Nhất trí cao"})
    _as(app, c).post(_answer_url(opened), data={"choice": "disagree"})
    staff = _as(app, opened.secretariat)
    assert "Kết thúc ngay" in staff.get(_url(opened, "/close")).get_data(as_text=True)
    unconfirmed = staff.post(_url(opened, "/close"))
    assert unconfirmed.status_code == 302 and unconfirmed.location.endswith("/close")
    assert session.get(Consultation, opened.consultation.id).status == "open"
    staff.post(_url(opened, "/close"), data={"confirm": "1"})
    staff.post(_url(opened, "/close"), data={"confirm": "1"})  # a second press changes nothing
    session.expire_all()
    consultation = session.get(Consultation, opened.consultation.id)
    assert consultation.status == "closed" and consultation.closed_by_id == opened.secretariat.id
    assert len(_events(session, "consultation.closed")) == 1
    closed = _details(_events(session, "consultation.closed")[0])
    assert closed["tally"][0] == {"question": 1, "agree": 2, "disagree": 1, "other": 0,
                                  "no_answer": 0, "members": 3, "passed": True}
    # Answers are refused once closed, before the deadline too.
    late = _as(app, c).post(_answer_url(opened), data={"choice": "agree"},
                            follow_redirects=True)
    assert "đã kết thúc" in late.get_data(as_text=True)
    for reader in (a, opened.auditor):
        with _as(app, reader).get(_url(opened, "/result.pdf")) as response:
            assert response.status_code == 200
            result = response.data
    path = _save(tmp_path, "result.pdf", result)
    assert_signed_whole(path)
    text = text_of(path)
    assert "THÔNG QUA" in text and "Nhất trí cao" in text and c.full_name in text
    assert "2/3 đồng ý" in text
    assert consultation.result_sha256 == hashlib.sha256(result).hexdigest()
    assert len(_events(session, "consultation.result_issued")) == 1
    assert verify_chain(session).intact


def test_answers_cannot_be_altered_in_the_database(app, session, opened):
    import pytest
    from sqlalchemy.exc import DatabaseError

    _as(app, opened.standing[0]).post(_answer_url(opened), data={"choice": "agree"})
    answer = _answers(session)[0]
    answer.choice = "disagree"
    with pytest.raises(DatabaseError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ConsultationAnswer)) == 1


def test_answer_forms_need_the_csrf_token(app, session, opened):
    client = _as(app, opened.standing[0])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(_answer_url(opened), data={"choice": "agree"})
    assert response.status_code == 400
    assert _answers(session) == []


def test_the_consultation_was_opened_at_t0(session, opened):
    assert opened.consultation.opened_at == T0


def test_the_drafts_are_stamped_as_a_written_consultation_not_a_session(app, session, opened,
                                                                        tmp_path):
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    copies = {c.kind: c for c in session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == opened.consultation.meeting_id,
        IssuedCopy.user_id == opened.standing[0].id))}
    draft = text_of(_save(tmp_path, "d.pdf", store.path_for(
        copies[CopyKind.ITEM.value].blob_sha256).read_bytes()), page=1)
    packet = text_of(_save(tmp_path, "p.pdf", store.path_for(
        copies[CopyKind.PACKET.value].blob_sha256).read_bytes()), page=1)
    for text in (draft, packet):
        assert "Xin ý kiến bằng văn bản" in " ".join(text.split()) or \
            "XIN Ý KIẾN BẰNG VĂN BẢN" in text
        assert "hội nghị lần thứ" not in text.lower()


def test_the_evidence_zip_of_a_consultation_holds_its_answers(app, session, opened):
    import io
    import zipfile

    _as(app, opened.standing[0]).post(_answer_url(opened), data={"choice": "agree"})
    auditor = _as(app, opened.auditor)
    with auditor.post(f"/audit/meetings/{opened.consultation.meeting_id}/evidence") as response:
        assert response.status_code == 200
        data = response.data
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    log = next(n for n in names if "audit" in n and n.endswith(".jsonl"))
    text = archive.read(log).decode()
    assert "consultation.answered" in text and "consultation.opened" in text
    assert sum(1 for n in names if n.endswith(".pdf")) >= 3  # the signed drafts


def test_a_member_reaching_the_container_meeting_lands_on_the_consultation(app, session, opened):
    meeting_url = f"/meetings/{opened.consultation.meeting_id}"
    response = _as(app, opened.standing[0]).get(meeting_url, follow_redirects=True)
    assert response.request.path == _url(opened)
    assert opened.consultation.subject in response.get_data(as_text=True)
    assert _as(app, opened.outsider).get(meeting_url).status_code == 404
    assert _as(app, opened.outsider).get(
        f"/consultations/meeting/{opened.consultation.meeting_id}").status_code == 404


def test_an_auditor_reads_every_answer_but_cannot_answer(app, session, opened):
    _as(app, opened.standing[0]).post(_answer_url(opened),
                                      data={"choice": "other", "comment": "Ý kiến riêng XYZ"})
    auditor = _as(app, opened.auditor)
    page = auditor.get(_url(opened)).get_data(as_text=True)
    assert "Ý kiến riêng XYZ" in page and "Gửi ý kiến" not in page
    assert auditor.post(_answer_url(opened), data={"choice": "agree"}).status_code == 404
    assert auditor.post(_url(opened, "/close"), data={"confirm": "1"}).status_code == 404
    assert [a.user_id for a in _answers(session)] == [opened.standing[0].id]


def test_the_delegate_home_lists_consultations_awaiting_an_answer(app, session, opened):
    heading = "Phiếu xin ý kiến đang chờ đồng chí trả lời"
    member = _as(app, opened.standing[0])
    home = member.get("/meetings/").get_data(as_text=True)
    assert heading in home and opened.consultation.subject in home
    member.post(_answer_url(opened), data={"choice": "agree"})
    assert heading not in member.get("/meetings/").get_data(as_text=True)
    assert heading not in _as(app, opened.outsider).get("/meetings/").get_data(as_text=True)
