"""The API around a meeting: attendance, written consultations, verification of a PDF and
the audit log; each through the web's services, with the web's rights, audited with the
key's name."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from meetingsvc.accounts.models import Role
from meetingsvc.api.tokens import create_token
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor
from meetingsvc.issuance.models import IssuedCopy
from tests.attendance.conftest import Clock
from tests.audit.conftest import flip_signed_byte
from tests.conftest import PASSWORD, pdf_bytes
from tests.consultation.conftest import DEADLINE, T0, clock, opened  # noqa: F401 - fixtures
from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - fixtures
from tests.tampering import allow_tampering

PROBLEM = "application/problem+json"


@pytest.fixture
def api_clock(monkeypatch) -> Clock:
    """The API's clock; ``None`` for the real time."""
    pinned = Clock()
    monkeypatch.setattr("meetingsvc.api.auth.now", pinned)
    return pinned


def bearer(session, user, name: str = "script") -> dict[str, str]:
    secret = create_token(session, user, name, Actor(username="test")).secret
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def events(session, action: str) -> list[dict]:
    return [json.loads(e.details) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def field_of(response) -> list[str]:
    assert response.status_code == 422 and response.content_type == PROBLEM, response.json
    return [e["field"] for e in response.json["errors"]]


# --- attendance --------------------------------------------------------------------


def test_a_delegate_answers_for_themself_and_the_staff_read_the_list(
        client, session, make_user, make_body, make_meeting, api_clock):
    staff = make_user(Role.SECRETARIAT)
    member, other = make_user(username="an"), make_user(username="binh")
    meeting = make_meeting(make_body("btv", members=[member]), title="Hội nghị BTV")
    make_meeting(make_body("bch", members=[other]))
    mine = f"/api/v1/meetings/{meeting.id}/attendance/mine"
    headers = bearer(session, member, "Lịch công tác")

    first = client.get(mine, headers=headers).json
    assert first["answer"] is None and first["open"] and first["history"] == []
    assert field_of(client.put(mine, headers=headers, json={"choice": "absent"})) == ["reason"]
    assert field_of(client.put(mine, headers=headers, json={
        "choice": "absent", "reason": "Đi công tác", "stand_in_name": "Lê Văn C"})) == [
        "stand_in_name"]  # this body's rules allow no stand-in
    answered = client.put(mine, headers=headers, json={"choice": "absent",
                                                       "reason": "Đi công tác Hà Nội"})
    assert answered.status_code == 200, answered.json
    assert answered.json["answer"]["choice"] == "absent"
    assert events(session, "attendance.answered")[-1]["api_token"] == "Lịch công tác"

    listed = client.get(f"/api/v1/meetings/{meeting.id}/attendance",
                        headers=bearer(session, staff)).json
    assert (listed["absent"], listed["attending"], listed["unanswered"]) == (1, 0, 0)
    assert listed["rows"][0]["answer"]["reason"] == "Đi công tác Hà Nội"
    assert listed["rows"][0]["present"] is None
    assert client.get(f"/api/v1/meetings/{meeting.id}/attendance",
                      headers=headers).status_code == 403
    outsider = bearer(session, other)
    for url in (mine, f"/api/v1/meetings/{meeting.id}/attendance"):
        assert client.get(url, headers=outsider).status_code == 404
    assert client.put(mine, headers=outsider, json={"choice": "attending"}).status_code == 404

    api_clock.now = meeting.starts_at + timedelta(minutes=1)
    late = client.put(mine, headers={**headers, "Accept-Language": "en"},
                      json={"choice": "attending"})
    assert late.status_code == 409 and late.content_type == PROBLEM
    assert late.json["detail"].startswith("The session has started")
    assert client.get(mine, headers=headers).json["open"] is False


# --- consultations -----------------------------------------------------------------


def test_members_answer_others_answers_stay_hidden_until_close(
        client, session, opened, api_clock, make_user):  # noqa: F811
    api_clock.now = T0 + timedelta(hours=1)
    c = opened.consultation
    question = c.questions[0]
    base = f"/api/v1/consultations/{c.id}"
    answer_url = f"{base}/questions/{question.id}/answer"
    first, second = (bearer(session, u, "Ứng dụng di động") for u in opened.standing[:2])
    staff = bearer(session, opened.secretariat)

    listed = client.get("/api/v1/consultations/", headers=first).json
    assert [item["id"] for item in listed["items"]] == [c.id]
    assert field_of(client.post(answer_url, headers=first, json={"choice": "other"})) == [
        "comment"]
    given = client.post(answer_url, headers=first, json={"choice": "agree"})
    assert given.status_code == 201, given.json
    assert events(session, "consultation.answered")[-1]["api_token"] == "Ứng dụng di động"
    receipt = client.get(given.json["receipt_url"], headers=first)
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    assert events(session, "consultation.receipt_issued")[-1]["api_token"] == "Ứng dụng di động"
    assert client.get(given.json["receipt_url"], headers=second).status_code == 404

    read = client.get(base, headers=second).json
    assert read["member"] and not read["answers_visible"]
    assert read["questions"][0]["answers"] is None  # the first member's answer is hidden
    assert read["questions"][0]["mine"]["answer"] is None
    assert read["questions"][0]["mine"]["draft_copy_id"] is not None
    assert client.get(f"{base}/answers", headers=second).status_code == 403
    mine = client.get(base, headers=first).json["questions"][0]["mine"]
    assert mine["answer"]["choice"] == "agree" and len(mine["history"]) == 1

    who = client.get(f"{base}/answers", headers=staff).json
    answered = {row["user"]["username"]: row["choice"] for row in who["questions"][0]["answers"]}
    assert answered[opened.standing[0].username] == "agree"
    assert answered[opened.standing[1].username] is None
    assert len(who["waiting"]) == 2 and who["members"] == 3
    assert client.post(answer_url, headers=staff, json={"choice": "agree"}).status_code == 403
    assert client.get(f"{base}/result", headers=staff).status_code == 409

    outsider = bearer(session, opened.outsider)  # of the Executive, not the Standing Committee
    for url in (base, f"{base}/answers", f"{base}/result", given.json["receipt_url"]):
        response = client.get(url, headers=outsider)
        assert response.status_code == 404 and response.content_type == PROBLEM, url
    assert client.post(answer_url, headers=outsider, json={"choice": "agree"}).status_code == 404
    assert client.get("/api/v1/consultations/", headers=outsider).json["items"] == []

    api_clock.now = DEADLINE + timedelta(minutes=1)  # reading it closes it, as on the web
    closed = client.get(base, headers=second).json
    assert closed["status"] == "closed" and closed["answers_visible"]
    assert {a["choice"] for a in closed["questions"][0]["answers"]} == {"agree", None}
    result = client.get(f"{base}/result", headers=second).json
    assert result["questions"][0]["agree"] == 1 and result["questions"][0]["no_answer"] == 2
    assert result["questions"][0]["passed"] is False and not result["closed_by_hand"]
    late = client.post(answer_url, headers=second, json={"choice": "agree"})
    assert late.status_code == 409 and late.content_type == PROBLEM


# --- verification ------------------------------------------------------------------


def _web_report(app, auditor, data: bytes) -> dict:
    web = app.test_client()
    assert web.post("/sign-in", data={"username": auditor.username,
                                      "password": PASSWORD}).status_code == 302
    return web.post("/audit/verify", data={"file": (io.BytesIO(data), "ban.pdf")},
                    headers={"Accept": "application/json"}).json


def _upload(client, headers, data: bytes, name: str = "ban.pdf"):
    return client.post("/api/v1/verifications", headers=headers,
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_verifying_an_issued_copy_gives_the_web_report(
        app, client, session, issued, prepared, make_user):  # noqa: F811
    auditor = make_user(Role.AUDITOR, username="kiemtra")
    headers = bearer(session, auditor, "Kiểm tra tự động")
    delegate = prepared.members[1]
    copy = session.scalars(select(IssuedCopy).where(
        IssuedCopy.user_id == delegate.id, IssuedCopy.kind == "item",
        IssuedCopy.blob_sha256.is_not(None))).first()
    from meetingsvc.documents.blobs import blob_store

    data = blob_store(app.config).path_for(copy.blob_sha256).read_bytes()
    for sent in (data, flip_signed_byte(data)):
        by_api = _upload(client, headers, sent)
        assert by_api.status_code == 201, by_api.json
        by_web = _web_report(app, auditor, sent)
        assert by_api.json["verification"] == by_web["verification"]
        assert by_api.json["issued_copy"] == by_web["issued_copy"]
        assert by_api.json["issued_copy"]["delegate_username"] == delegate.username
        again = client.get(by_api.headers["Location"], headers=headers)
        assert again.json == by_api.json
    assert by_api.json["verification"]["indication"] == "TOTAL_FAILED"  # the tampered one
    assert by_api.json["issued_copy"]["match"] == "altered"
    logged = events(session, "audit.pdf_verified")
    assert [e.get("api_token") for e in logged] == ["Kiểm tra tự động", None] * 2

    for hostile in (b"MZ\x90\x00 not a document", pdf_bytes(2)[:300], b""):
        refused = _upload(client, headers, hostile)
        assert field_of(refused) == ["file"], hostile[:10]
    assert field_of(client.post("/api/v1/verifications", headers=headers, data={},
                                content_type="multipart/form-data")) == ["file"]
    for role in (Role.DELEGATE, Role.SECRETARIAT):
        assert _upload(client, bearer(session, make_user(role)), data).status_code == 403


# --- the audit log -----------------------------------------------------------------


def test_auditors_read_and_check_the_log_others_may_not(
        client, session, make_user, make_body, make_meeting):
    auditor = make_user(Role.AUDITOR, username="kiemtra")
    delegate = make_user(username="an")
    staff = make_user(Role.SECRETARIAT)
    meetings = [make_meeting(make_body(f"b{n}", members=[delegate]), number=n)
                for n in range(1, 4)]
    headers = bearer(session, auditor, "Giám sát")

    first = client.get("/api/v1/audit/entries?per_page=2", headers=headers)
    assert first.status_code == 200, first.json
    second = client.get("/api/v1/audit/entries?per_page=2&page=2", headers=headers).json
    ids = [e["id"] for e in first.json["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    created = client.get("/api/v1/audit/entries", headers={**headers, "Accept-Language": "en"},
                         query_string={"action": "meeting.created",
                                       "meeting_id": meetings[1].id}).json["items"]
    assert [e["meeting_id"] for e in created] == [meetings[1].id]
    assert created[0]["action_label_vi"] == "Tạo hội nghị"
    assert created[0]["action_label_en"] == "Meeting created"
    assert created[0]["holds"] is True
    today = datetime.now(UTC).date()
    in_range = client.get("/api/v1/audit/entries", headers=headers, query_string={
        "action": "meeting.", "since": str(today - timedelta(days=1)),
        "until": str(today + timedelta(days=1))}).json
    assert in_range["pagination"]["total"] == 3
    assert client.get("/api/v1/audit/entries", headers=headers, query_string={
        "action": "meeting.", "until": str(today - timedelta(days=2))}
    ).json["pagination"]["total"] == 0
    bad = client.get("/api/v1/audit/entries?since=yesterday", headers=headers)
    assert field_of(bad) == ["since"]

    for who in (delegate, staff):
        other = bearer(session, who)
        for method, url in (("GET", "/api/v1/audit/entries"), ("POST", "/api/v1/audit/chain")):
            refused = client.open(url, method=method, headers=other)
            assert refused.status_code == 403 and refused.content_type == PROBLEM

    checked = client.post("/api/v1/audit/chain", headers=headers).json
    assert checked["intact"] and checked["first_broken"] is None
    assert events(session, "audit.log_verified")[-1]["api_token"] == "Giám sát"
    by_actor = client.get("/api/v1/audit/entries", headers=headers,
                          query_string={"actor": "kiemtra"}).json["items"]
    assert by_actor[0]["action"] == "audit.log_verified"
    assert by_actor[0]["details"]["api_token"] == "Giám sát"
    assert by_actor[0]["actor"]["username"] == "kiemtra"

    target = meetings[0].id
    row = session.scalar(select(AuditEvent.id).where(AuditEvent.meeting_id == target))
    allow_tampering(session, "audit_event")
    session.execute(text("UPDATE audit_event SET details = '{}' WHERE id = :id"), {"id": row})
    session.commit()
    broken = client.post("/api/v1/audit/chain", headers=headers).json
    assert not broken["intact"] and broken["first_broken_id"] == row
    assert broken["first_broken"]["id"] == row and broken["first_broken"]["holds"] is False
