"""The API's invitations, agenda items and documents: the web's services, rules and checks,
answered as JSON and problem details, every change audited with the key's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor
from meetingsvc.documents.models import Document, DocumentVersion
from meetingsvc.meetings.models import AgendaItem, Invitation
from meetingsvc.meetings.services import add_agenda_item, publish_agenda
from tests.api.test_api import PROBLEM, bearer, key
from tests.conftest import pdf_bytes
from tests.documents import bomb_pdfs
from tests.documents.hostile_pdfs import CASES, active_content_by_qpdf
from tests.documents.test_uploads import multipart, png_bytes
from tests.issuance import conftest as issuance
from tests.issuance.conftest import POLICY, add_document

ACTOR = Actor(username="test")
KEY_NAME = "Hệ thống văn bản đi/đến"


@pytest.fixture
def office(session, make_user, make_body, make_meeting):
    """An Executive Committee meeting with one member invited, and a Standing Committee
    meeting that member is not invited to; a staff key and the member's key."""
    staff = make_user(Role.SECRETARIAT, username="thuky")
    member = make_user(full_name="Lê Quang Minh", title="Bí thư Huyện ủy")
    other = make_user(full_name="Phạm Đức Hùng")
    executive = make_meeting(make_body("bch", members=[member]))
    standing = make_meeting(make_body("btv", members=[other]), title="Hội nghị Ban Thường vụ")
    return {"staff": bearer(key(session, staff, name=KEY_NAME)),
            "member": bearer(key(session, member)), "member_user": member,
            "other": other, "ex": executive, "sc": standing}


def events(session, action: str) -> list[dict]:
    session.expire_all()
    return [json.loads(e.details) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def fields_of(response) -> set[str]:
    assert response.status_code == 422 and response.content_type == PROBLEM, response.json
    return {e["field"] for e in response.json["errors"]}


def post_pdf(client, url: str, headers: dict, data: bytes, filename: str = "nghi-quyet.pdf",
             **form):
    body, content_type = multipart(form, data, filename)
    return client.post(url, data=body, content_type=content_type, headers=headers)


def paper(**form) -> dict:
    return {"symbol": "15-NQ/TU", "kind": "Nghị quyết",
            "title": "Nghị quyết về chuyển đổi số", "confidentiality": "mat", **form}


# --- invitations ---------------------------------------------------------------------


def test_staff_lists_invites_reads_and_removes_invitations_audited_with_the_key(
        client, session, office, make_user):
    meeting, headers = office["ex"], office["staff"]
    url = f"/api/v1/meetings/{meeting.id}/invitations"
    listed = client.get(url, headers=headers).json["items"]
    assert [(i["full_name"], i["position"], i["role"]) for i in listed] == [
        ("Lê Quang Minh", "Bí thư Huyện ủy", "member")]

    guest = make_user(full_name="Đoàn Văn Thọ")
    added = client.post(url, headers=headers, json={"user_id": guest.id})
    assert added.status_code == 201 and added.json["role"] == "guest"
    assert client.post(url, headers=headers, json={"user_id": guest.id}).json["errors"] == [
        {"field": "user_id", "in": "json", "messages": ["Hãy chọn đại biểu để mời."]}]
    staff_user = make_user(Role.SECRETARIAT)
    assert fields_of(client.post(url, headers=headers, json={"user_id": staff_user.id})) == {
        "user_id"}

    read = client.get(added.headers["Location"], headers=headers)
    assert read.json["copies"] == 0 and read.json["stake"] == read.headers["ETag"].strip('"')
    without = client.delete(added.headers["Location"], headers=headers)
    assert without.status_code == 428 and without.content_type == PROBLEM
    wrong = client.delete(added.headers["Location"], headers={**headers, "If-Match": '"x"'})
    assert wrong.status_code == 412 and "Chưa bỏ mời ai" in wrong.json["detail"]
    removed = client.delete(added.headers["Location"],
                            headers={**headers, "If-Match": read.headers["ETag"]})
    assert removed.status_code == 204
    assert client.get(added.headers["Location"], headers=headers).status_code == 404

    assert [e["api_token"] for e in events(session, "meeting.invited")] == [KEY_NAME]
    assert [(e["user"], e["api_token"]) for e in events(session, "meeting.uninvited")] == [
        (guest.username, KEY_NAME)]


def test_a_removal_confirmed_before_papers_were_issued_is_refused(app, client, session,
                                                                   office):
    from meetingsvc.issuance.planning import start_issuance

    meeting, headers = office["ex"], office["staff"]
    item = add_agenda_item(session, meeting, "Dự thảo Nghị quyết", None, ACTOR)
    session.commit()
    assert post_pdf(client, f"/api/v1/meetings/{meeting.id}/documents", headers, pdf_bytes(),
                    agenda_item_id=item.id, **paper()).status_code == 201
    invitation = session.scalar(select(Invitation).where(Invitation.meeting_id == meeting.id))
    url = f"/api/v1/meetings/{meeting.id}/invitations/{invitation.id}"
    seen = client.get(url, headers=headers).headers["ETag"]

    start_issuance(session, meeting, ACTOR, POLICY)  # meanwhile the papers are issued
    session.commit()
    refused = client.delete(url, headers={**headers, "If-Match": seen})
    assert refused.status_code == 412 and "Chưa bỏ mời ai" in refused.json["detail"]
    now = client.get(url, headers=headers)
    assert now.json["copies"] == 1 and now.headers["ETag"] != seen
    assert client.delete(url, headers={**headers, "If-Match": now.headers["ETag"]}
                         ).status_code == 204


def test_a_delegate_sees_no_invitee_list_and_nothing_of_another_bodys_meeting(
        app, client, session, office):
    own, other, headers = office["ex"], office["sc"], office["member"]
    document = add_document(app, session, other, "Tờ trình nhân sự", pdf_bytes(),
                            symbol="38-TTr/TU")
    session.commit()
    assert client.get(f"/api/v1/meetings/{own.id}/invitations",
                      headers=headers).status_code == 403  # the web shows them no list
    for url in (f"/api/v1/meetings/{other.id}/invitations",
                f"/api/v1/meetings/{other.id}/agenda",
                f"/api/v1/meetings/{other.id}/documents",
                f"/api/v1/meetings/{other.id}/documents/{document.id}"):
        missing = client.get(url, headers=headers)
        assert missing.status_code == 404 and missing.content_type == PROBLEM, url
    for url in (f"/api/v1/meetings/{other.id}/documents",
                f"/api/v1/meetings/{other.id}/documents/{document.id}/versions",
                f"/api/v1/meetings/{other.id}/agenda"):
        assert client.post(url, headers=headers, data={}).status_code == 404, url
    assert post_pdf(client, f"/api/v1/meetings/{own.id}/documents", headers, pdf_bytes(),
                    **paper()).status_code == 403
    assert session.scalar(select(func.count()).select_from(Document)) == 1


# --- agenda ----------------------------------------------------------------------------


def test_staff_adds_and_updates_agenda_items_audited_with_the_key(client, session, office):
    meeting, headers = office["ex"], office["staff"]
    url = f"/api/v1/meetings/{meeting.id}/agenda"
    first = client.post(url, headers=headers, json={"title": "Khai mạc"})
    second = client.post(url, headers=headers,
                         json={"title": "Báo cáo kinh tế", "presenter": "Chánh Văn phòng"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json["number"] == 2 and second.json["presenter"] == "Chánh Văn phòng"
    changed = client.patch(f"{url}/{first.json['id']}", headers=headers,
                           json={"title": "Khai mạc hội nghị"})
    assert changed.status_code == 200 and changed.json["presenter"] is None
    assert [(i["number"], i["title"]) for i in client.get(url, headers=headers).json["items"]] \
        == [(1, "Khai mạc hội nghị"), (2, "Báo cáo kinh tế")]

    assert fields_of(client.post(url, headers=headers, json={"title": "  "})) == {"title"}
    assert fields_of(client.patch(f"{url}/{first.json['id']}", headers=headers,
                                  json={"title": "x", "colour": "red"})) == {"colour"}
    elsewhere = client.patch(f"/api/v1/meetings/{office['sc'].id}/agenda/{first.json['id']}",
                             headers=headers, json={"title": "x"})
    assert elsewhere.status_code == 404
    assert client.post(url, headers=office["member"], json={"title": "x"}).status_code == 403
    assert [e["api_token"] for e in events(session, "agenda.item_added")] == [KEY_NAME] * 2
    assert [e["api_token"] for e in events(session, "agenda.item_updated")] == [KEY_NAME]


def test_a_delegate_sees_the_agenda_titles_once_published_as_on_the_web(
        client, session, office, sign_in):
    meeting, headers = office["ex"], office["member"]
    add_agenda_item(session, meeting, "Khai mạc", None, ACTOR)
    session.commit()
    url = f"/api/v1/meetings/{meeting.id}/agenda"
    assert client.get(url, headers=headers).json == {"items": [], "published": False}
    publish_agenda(session, meeting, True, ACTOR)
    session.commit()
    assert [i["title"] for i in client.get(url, headers=headers).json["items"]] == ["Khai mạc"]
    sign_in(office["member_user"])
    assert "Khai mạc" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


# --- documents ---------------------------------------------------------------------------


@pytest.fixture
def item(session, office) -> AgendaItem:
    item = add_agenda_item(session, office["ex"], "Dự thảo Nghị quyết", None, ACTOR)
    session.commit()
    return item


def test_staff_uploads_a_document_and_a_version_and_reads_them(client, session, office, item):
    headers, meeting = office["staff"], office["ex"]
    created = post_pdf(client, f"/api/v1/meetings/{meeting.id}/documents", headers,
                       pdf_bytes(2), agenda_item_id=item.id, **paper())
    assert created.status_code == 201, created.json
    assert created.json["agenda_item_id"] == item.id and created.json["phase"] == "papers"
    assert created.json["removed_active_content"] == {}
    assert [v["page_count"] for v in created.json["versions"]] == [2]
    document_url = created.headers["Location"]

    version = post_pdf(client, f"{document_url}/versions", headers, pdf_bytes(3),
                       note="Sửa theo góp ý")
    assert version.status_code == 201 and version.json["number"] == 2
    assert version.json["uploaded_by"] == "thuky" and version.json["note"] == "Sửa theo góp ý"
    read = client.get(document_url, headers=headers).json
    assert [(v["number"], v["page_count"]) for v in read["versions"]] == [(1, 2), (2, 3)]
    assert [d["symbol"] for d in client.get(f"/api/v1/meetings/{meeting.id}/documents",
                                            headers=headers).json["items"]] == ["15-NQ/TU"]

    record = post_pdf(client, f"/api/v1/meetings/{meeting.id}/documents", headers, pdf_bytes(),
                      **paper(symbol="01-BB/TU", kind="Biên bản", title="Biên bản hội nghị"))
    assert record.status_code == 201 and record.json["phase"] == "records"
    assert [e["api_token"] for e in events(session, "document.created")] == [KEY_NAME] * 2
    assert [e["api_token"] for e in events(session, "document.version_uploaded")] == [
        KEY_NAME] * 3


def test_upload_validation_errors_name_the_field(client, session, office, item, make_user):
    headers, meeting = office["staff"], office["ex"]
    url = f"/api/v1/meetings/{meeting.id}/documents"
    no_file = client.post(url, headers=headers, data=paper(agenda_item_id=item.id))
    assert fields_of(no_file) == {"file"}
    assert fields_of(post_pdf(client, url, headers, pdf_bytes(),
                              **paper(kind="Thư tình", symbol=" "))) == {"kind", "symbol"}
    other_item = add_agenda_item(session, office["sc"], "Khác", None, ACTOR)
    session.commit()
    assert fields_of(post_pdf(client, url, headers, pdf_bytes(),
                              **paper(agenda_item_id=other_item.id))) == {"agenda_item_id"}
    stranger = make_user()
    assert fields_of(post_pdf(client, url, headers, pdf_bytes(), **paper(
        audience="named", named_user_ids=[stranger.id]))) == {"named_user_ids"}
    assert fields_of(post_pdf(client, url, headers, pdf_bytes(),
                              **paper(audience="body_members"))) == {"audience_body_id"}
    assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_file_that_is_not_a_pdf_is_refused_with_the_webs_message_and_recorded(
        app, client, session, office, item):
    headers, meeting = office["staff"], office["ex"]
    url = f"/api/v1/meetings/{meeting.id}/documents"
    refused = post_pdf(client, url, headers, png_bytes(), agenda_item_id=item.id, **paper())
    assert fields_of(refused) == {"file"}
    assert refused.json["errors"][0]["messages"] == ["Tệp không phải PDF: đây là tệp PNG."]
    english = post_pdf(client, url, {**headers, "Accept-Language": "en"}, png_bytes(),
                       agenda_item_id=item.id, **paper())
    assert english.json["detail"] == "The file is not a PDF: it is a PNG file."
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert [e["api_token"] for e in events(session, "document.upload_refused")] == [
        KEY_NAME] * 2
    assert not list(Path(app.config["BLOB_DIR"]).rglob("*.pdf"))


def test_javascript_in_an_upload_is_removed_as_on_the_web_or_refused_by_policy(
        app, client, session, office, item):
    headers, meeting = office["staff"], office["ex"]
    hostile = next(c for c in CASES if c.name == "open-action-javascript").pdf()
    url = f"/api/v1/meetings/{meeting.id}/documents"
    cleaned = post_pdf(client, url, headers, hostile, agenda_item_id=item.id, **paper())
    assert cleaned.status_code == 201 and cleaned.json["removed_active_content"] == {
        "javascript": 1}
    sha = cleaned.json["versions"][0]["sha256"]
    assert active_content_by_qpdf(Path(app.config["BLOB_DIR"]) / sha[:2] / sha[2:4] / sha) == []

    app.config["ACTIVE_CONTENT_POLICY"] = "refuse"
    refused = post_pdf(client, f"{cleaned.headers['Location']}/versions", headers, hostile)
    assert fields_of(refused) == {"file"}
    assert refused.json["detail"] == ("Tệp PDF chứa nội dung chủ động hoặc ẩn (JavaScript: 1). "
                                      "Hãy tải lên bản không có các nội dung này.")
    launch = next(c for c in CASES if c.name == "link-launch").pdf()
    english = post_pdf(client, f"{cleaned.headers['Location']}/versions",
                       {**headers, "Accept-Language": "en"}, launch)
    assert english.json["errors"][0]["messages"] == ["The PDF carries active or hidden "
                                                     "content (program launch: 1). Upload a "
                                                     "copy without it."]
    assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 1


def test_a_decompression_bomb_is_refused_as_on_the_web(app, client, session, office, item):
    app.config["MAX_PDF_DECOMPRESSED_BYTES"] = 16 * 1024 * 1024
    bomb = bomb_pdfs.nested_flate_bomb(size=128 * 1024 * 1024)
    refused = post_pdf(client, f"/api/v1/meetings/{office['ex'].id}/documents",
                       office["staff"], bomb, agenda_item_id=item.id, **paper())
    assert fields_of(refused) == {"file"}
    assert refused.json["detail"].startswith("Tệp PDF khi giải nén vượt quá 16 MB")
    assert session.scalar(select(func.count()).select_from(Document)) == 0


def test_an_upload_beyond_the_limit_is_413(app, client, session, office, item):
    headers, meeting = office["staff"], office["ex"]
    url = f"/api/v1/meetings/{meeting.id}/documents"
    app.config["MAX_UPLOAD_BYTES"] = 64 * 1024
    big = pdf_bytes() + b"%" * (100 * 1024)
    beyond = post_pdf(client, url, headers, big, agenda_item_id=item.id, **paper())
    assert beyond.status_code == 413 and beyond.content_type == PROBLEM
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024
    body = post_pdf(client, url, headers, big, agenda_item_id=item.id, **paper())
    assert body.status_code == 413 and body.content_type == PROBLEM
    assert session.scalar(select(func.count()).select_from(Document)) == 0


#: The meeting of the issuance tests: five members, two on the Standing Committee, a guest.
prepared = issuance.prepared


@pytest.fixture
def issued_meeting(app, session, prepared, dev_pki, tsa_url):
    """That meeting issued end to end, with the session's PKI and TSA."""
    from meetingsvc.issuance.planning import start_issuance
    from meetingsvc.issuance.runner import run_units_inline
    from tests.conftest import PKI_PASSPHRASE

    app.config.update({"PKI_DIR": str(dev_pki), "DEV_PKI_PASSPHRASE": PKI_PASSPHRASE,
                       "TSA_URL": tsa_url, "ISSUANCE_PROCESSES": 1,
                       "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    return prepared


def test_a_delegate_sees_only_the_documents_issued_to_them(client, session, issued_meeting,
                                                          sign_in):
    """What the web's meeting page shows them, and another's document is not found."""
    prepared = issued_meeting
    meeting, docs = prepared.meeting, prepared.documents
    member = prepared.members[2]  # of the Executive Committee, not the Standing one
    headers = bearer(key(session, member))
    url = f"/api/v1/meetings/{meeting.id}/documents"
    listed = client.get(url, headers=headers).json["items"]
    assert [d["symbol"] for d in listed] == ["11-CTr/TU", "212-BC/TU", "215-BC/TU"]
    assert all("versions" not in d for d in listed)
    missing = client.get(f"{url}/{docs['btv_only'].id}", headers=headers)
    assert missing.status_code == 404 and missing.content_type == PROBLEM
    guest = bearer(key(session, prepared.guest))
    assert [d["symbol"] for d in client.get(url, headers=guest).json["items"]] == [
        "11-CTr/TU"]
    assert client.get(f"{url}/{docs['report'].id}", headers=guest).status_code == 404
    agenda = client.get(f"/api/v1/meetings/{meeting.id}/agenda", headers=headers).json
    sign_in(member)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert all(item["title"] in page for item in agenda["items"])
    assert "Tờ trình nhân sự" not in page and len(agenda["items"]) == 3
