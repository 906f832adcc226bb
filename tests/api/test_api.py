"""The JSON API: tokens, problem details, the meetings resource, the OpenAPI document."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.api import auth
from meetingsvc.api.tokens import create_token
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor

PROBLEM = "application/problem+json"


@pytest.fixture
def office(make_user, make_body, make_meeting):
    staff = make_user(Role.SECRETARIAT, username="thuky")
    exec_only = make_user(Role.DELEGATE, username="exec")
    both = make_user(Role.DELEGATE, username="both")
    standing = make_body("btv", members=[both])
    executive = make_body("bch", members=[both, exec_only])
    sc = make_meeting(standing, title="Hội nghị Ban Thường vụ", number=40)
    ex = make_meeting(executive, title="Hội nghị Ban Chấp hành", number=12)
    return staff, exec_only, sc, ex, executive


def key(session, user, name="script", **kw) -> str:
    secret = create_token(session, user, name, Actor(username="test"), **kw).secret
    session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_without_a_usable_token_every_call_is_401_problem(client, session, office, make_user):
    staff, *_ = office
    good = key(session, staff)
    expired = key(session, staff, now=datetime.now(UTC) - timedelta(days=100), days=90)
    revoked_user = make_user(Role.SECRETARIAT)
    revoked = key(session, revoked_user)
    from meetingsvc.api.models import ApiToken
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == revoked_user.id))
    token.revoked_at = datetime.now(UTC)
    gone = make_user(Role.SECRETARIAT)
    gone_key = key(session, gone)
    gone.active = False
    session.commit()
    for headers in ({}, bearer("msk_wrong"), bearer(good + "x"), {"Authorization": good},
                    bearer(expired), bearer(revoked), bearer(gone_key)):
        response = client.get("/api/v1/meetings/", headers=headers)
        assert response.status_code == 401, headers
        assert response.content_type == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["status"] == 401 and response.json["title_en"] == "Unauthorized"
    assert client.get("/api/v1/meetings/", headers=bearer(good)).status_code == 200


def test_the_session_cookie_alone_is_refused(client, office, sign_in):
    staff, *_ = office
    sign_in(staff)
    assert client.get("/meetings/").status_code == 200
    response = client.get("/api/v1/meetings/")
    assert response.status_code == 401 and response.content_type == PROBLEM
    post = client.post("/api/v1/meetings/", json={"title": "x"})
    assert post.status_code == 401


def test_cli_key_lists_the_secretariats_meetings(app, runner, office):
    result = runner.invoke(args=["tokens", "create", "thuky", "--name", "Văn bản đi/đến"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    client = app.test_client()
    page = client.get("/api/v1/meetings/", headers=bearer(secret)).json
    assert sorted(m["title"] for m in page["items"]) == [
        "Hội nghị Ban Chấp hành", "Hội nghị Ban Thường vụ"]
    listed = runner.invoke(args=["tokens", "list", "thuky"])
    assert "Văn bản đi/đến" in listed.output and secret not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/meetings/", headers=bearer(secret)).status_code == 401


def test_executive_only_delegate_neither_reads_nor_lists_the_standing_meeting(
        client, session, office):
    _, exec_only, sc, ex, _ = office
    headers = bearer(key(session, exec_only))
    missing = client.get(f"/api/v1/meetings/{sc.id}", headers=headers)
    assert missing.status_code == 404 and missing.content_type == PROBLEM
    assert client.get(f"/api/v1/meetings/{ex.id}", headers=headers).status_code == 200
    titles = [m["title"] for m in client.get("/api/v1/meetings/", headers=headers).json["items"]]
    assert titles == ["Hội nghị Ban Chấp hành"]
    assert client.patch(f"/api/v1/meetings/{sc.id}", json={"title": "x"},
                        headers=headers).status_code == 404
    assert client.patch(f"/api/v1/meetings/{ex.id}", json={"title": "x"},
                        headers=headers).status_code == 403
    assert client.post("/api/v1/meetings/", headers=headers, json={}).status_code == 403
    beyond = client.get(f"/api/v1/meetings/{2**40}", headers=headers)
    assert beyond.status_code == 404 and beyond.content_type == PROBLEM


def test_create_and_update_go_through_the_services_and_are_audited_with_the_key(
        client, session, office):
    staff, _, _, _, executive = office
    headers = bearer(key(session, staff, name="Hệ thống văn bản"))
    created = client.post("/api/v1/meetings/", headers=headers, json={
        "body_id": executive.id, "session_number": 13, "title": "Hội nghị lần thứ 13",
        "starts_at": "2026-12-20T08:00:00+07:00", "place": "Hội trường"})
    assert created.status_code == 201, created.json
    meeting_id = created.json["id"]
    updated = client.patch(f"/api/v1/meetings/{meeting_id}", headers=headers,
                           json={"place": "Phòng họp số 2"})
    assert updated.status_code == 200 and updated.json["place"] == "Phòng họp số 2"
    assert updated.json["title"] == "Hội nghị lần thứ 13"
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.meeting_id == meeting_id).order_by(AuditEvent.id)).all()
    actions = {e.action: json.loads(e.details) for e in events}
    assert actions["meeting.created"]["api_token"] == "Hệ thống văn bản"
    assert actions["meeting.updated"]["api_token"] == "Hệ thống văn bản"
    assert all(e.actor_name == "thuky" for e in events if e.action.startswith("meeting."))


def test_validation_errors_name_each_field(client, session, office):
    staff, _, _, _, executive = office
    headers = bearer(key(session, staff))
    response = client.post("/api/v1/meetings/", headers={**headers, "Accept-Language": "en"},
                           json={"body_id": executive.id, "session_number": "x",
                                 "title": "   ", "starts_at": "2026-12-20T08:00:00",
                                 "place": "Hội trường"})
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert response.json["title"] == "Validation failed"
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"session_number", "title", "starts_at"}
    unknown = client.post("/api/v1/meetings/", headers=headers, json={
        "body_id": 9999, "session_number": 1, "title": "T", "place": "P",
        "starts_at": "2026-12-20T08:00:00+07:00"})
    assert unknown.status_code == 422 and unknown.json["title"] == "Dữ liệu không hợp lệ"
    assert [e["field"] for e in unknown.json["errors"]] == ["body_id"]


def test_rate_limit_per_key_answers_429_with_retry_after(app, client, session, office,
                                                          monkeypatch):
    staff, exec_only, *_ = office
    app.config["API_REQUESTS_PER_MINUTE"] = 3
    moment = datetime(2026, 11, 27, 10, 0, 5, tzinfo=UTC)
    monkeypatch.setattr(auth, "now", lambda: moment)
    headers = bearer(key(session, staff))
    codes = [client.get("/api/v1/meetings/", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/meetings/", headers=headers)
    assert limited.content_type == PROBLEM and limited.headers["Retry-After"] == "55"
    other = bearer(key(session, exec_only))
    assert client.get("/api/v1/meetings/", headers=other).status_code == 200
    moment = moment + timedelta(minutes=1)
    assert client.get("/api/v1/meetings/", headers=headers).status_code == 200


def test_list_etag_and_stable_pagination(client, session, office, make_meeting):
    staff, _, _, _, executive = office
    for n in range(5):
        make_meeting(executive, title=f"Phiên {n}", number=20 + n)
    headers = bearer(key(session, staff))
    first = client.get("/api/v1/meetings/?per_page=3", headers=headers)
    etag = first.headers["ETag"]
    again = client.get("/api/v1/meetings/?per_page=3",
                       headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/meetings/?per_page=3&page={page}", headers=headers).json
        assert body["pagination"]["total"] == 7 and body["pagination"]["pages"] == 3
        seen += [m["id"] for m in body["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert 'rel="next"' in first.headers["Link"]
    client.patch(f"/api/v1/meetings/{seen[0]}", headers=headers, json={"title": "Đổi tên"})
    changed = client.get("/api/v1/meetings/?per_page=3",
                         headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200


def test_html_site_errors_stay_pages_while_api_errors_are_problems(client, session, office):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.content_type.startswith("text/html")
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.content_type == PROBLEM
    staff, *_ = office
    wrong = client.delete("/api/v1/meetings/", headers=bearer(key(session, staff)))
    assert wrong.status_code == 405 and wrong.content_type == PROBLEM
    assert "GET" in wrong.headers["Allow"]


def test_openapi_document_is_valid_and_lists_the_operations(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.")
    operations = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert {("get", "/api/v1/meetings/"), ("post", "/api/v1/meetings/"),
            ("get", "/api/v1/meetings/{meeting_id}"),
            ("patch", "/api/v1/meetings/{meeting_id}")} <= operations
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    read = spec["paths"]["/api/v1/meetings/{meeting_id}"]["get"]["responses"]
    assert {"200", "401", "404", "429"} <= set(read)
    not_found = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(not_found) == ["application/problem+json"]


def test_docs_page_loads_nothing_from_outside(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert scripts and all(s.startswith("/") for s in scripts), scripts
    static = Path(client.application.static_folder)
    ours = (static / "js" / "api-docs.js").read_text()
    assert not re.search(r"https?://", ours)
    bundle = static / "vendor" / "swagger-ui" / "swagger-ui-bundle.js"
    served = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert served.status_code == 200
    served.close()
    assert bundle.exists()
