"""Who sees which meeting: a delegate only their own, and 404 for the rest, by URL guessing too."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.services import Actor
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.models import Audience
from meetingsvc.documents.services import DocumentDetails, Upload, create_document
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.meetings.services import add_agenda_item, move_agenda_item, publish_agenda
from tests.conftest import pdf_bytes

POLICY = {"none": "download", "mat": "view_only", "toi_mat": "print", "tuyet_mat": "print"}


@pytest.fixture
def province(app, session, make_user, make_body, make_meeting):
    """An Executive Committee of four, two on the Standing Committee, a session of each."""
    standing = [make_user(full_name="Lê Văn Bình"), make_user(full_name="Trần Thị Hoa")]
    others = [make_user(full_name="Phạm Minh Tuấn"), make_user(full_name="Võ Thị Lan")]
    bch = make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", standing + others)
    btv = make_body("btv", "Ban Thường vụ Tỉnh ủy", standing)
    btv_meeting = make_meeting(btv, "Hội nghị Ban Thường vụ Tỉnh ủy", 40)
    bch_meeting = make_meeting(bch, "Hội nghị Ban Chấp hành lần thứ 12", 12)
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    actor = Actor(username="test")
    docs = {}
    for meeting, key in ((btv_meeting, "btv_doc"), (bch_meeting, "bch_doc")):
        item = add_agenda_item(session, meeting, "Báo cáo tình hình", None, actor)
        docs[key] = create_document(session, store, item, DocumentDetails(
            symbol="120-BC/TU", kind="Báo cáo", title="Báo cáo 9 tháng"),
            Upload(io.BytesIO(pdf_bytes()), "bc.pdf", 10**6), actor)
    item = add_agenda_item(session, bch_meeting, "Công tác cán bộ", None, actor)
    docs["btv_only"] = create_document(session, store, item, DocumentDetails(
        symbol="05-TTr/TU", kind="Tờ trình", title="Tờ trình nhân sự",
        audience=Audience.BODY_MEMBERS, audience_body_id=btv.id),
        Upload(io.BytesIO(pdf_bytes()), "ttr.pdf", 10**6), actor)
    session.commit()
    return {"standing": standing, "others": others, "btv_meeting": btv_meeting,
            "bch_meeting": bch_meeting, **docs}


def test_delegate_off_the_standing_committee_gets_404_for_its_session(client, sign_in, province):
    sign_in(province["others"][0])
    meeting = province["btv_meeting"]
    listing = client.get("/meetings/").get_data(as_text=True)
    assert "Hội nghị Ban Thường vụ" not in listing
    assert "Hội nghị Ban Chấp hành lần thứ 12" in listing
    for url in (f"/meetings/{meeting.id}",
                f"/meetings/{meeting.id}/documents/{province['btv_doc'].id}",
                f"/meetings/{meeting.id}/documents/{province['btv_doc'].id}/versions/1/source.pdf",
                f"/meetings/{meeting.id}/edit"):
        assert client.get(url).status_code == 404, url


def deliver_papers(session, meeting) -> None:
    """Plan the issuance for real, then mark every copy delivered with its source file.

    Signing is tested in tests/issuance; here only who learns what matters."""
    start_issuance(session, meeting, Actor(username="test"), POLICY)
    for copy in session.scalars(select(IssuedCopy).where(IssuedCopy.meeting_id == meeting.id)):
        if copy.kind == "item":
            copy.blob_sha256 = copy.document_version.blob_sha256
        copy.status = "delivered" if copy.channel != "print" else "signed"
    session.commit()


def test_standing_committee_member_sees_its_session(client, sign_in, province, session):
    sign_in(province["standing"][0])
    meeting = province["btv_meeting"]
    document_url = f"/meetings/{meeting.id}/documents/{province['btv_doc'].id}"
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.get(document_url).status_code == 404  # not issued yet
    deliver_papers(session, meeting)
    assert client.get(document_url).status_code == 200


def test_nothing_of_the_papers_shows_before_issuance(client, sign_in, province, session):
    """Before issuance a delegate sees the invitation, not titles, symbols or files."""
    meeting = province["bch_meeting"]
    sign_in(province["standing"][1])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert meeting.place in page
    for secret in ("120-BC/TU", "Báo cáo 9 tháng", "Báo cáo tình hình", "Công tác cán bộ",
                   "05-TTr/TU"):
        assert secret not in page, secret
    for document in (province["bch_doc"], province["btv_only"]):
        assert client.get(f"/meetings/{meeting.id}/documents/{document.id}").status_code == 404
    # Publishing the agenda shows the item titles only.
    publish_agenda(session, meeting, True, Actor(username="test"))
    session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Báo cáo tình hình" in page and "Công tác cán bộ" in page
    assert "120-BC/TU" not in page and "05-TTr/TU" not in page


def test_standing_committee_only_paper_is_withheld_in_the_executive_session(
        client, sign_in, province, session):
    meeting = province["bch_meeting"]
    only = province["btv_only"]
    publish_agenda(session, meeting, True, Actor(username="test"))
    deliver_papers(session, meeting)
    sign_in(province["others"][0])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "05-TTr/TU" not in page and "Công tác cán bộ" not in page
    assert "120-BC/TU" in page
    assert client.get(f"/meetings/{meeting.id}/documents/{only.id}").status_code == 404
    # The same paper under another meeting's id is no way around it.
    assert client.get(f"/meetings/{province['btv_meeting'].id}/documents/"
                      f"{only.id}").status_code == 404


def test_a_delegate_agenda_is_numbered_from_what_they_see(client, sign_in, province, session):
    """Items for others only leave no gap in the numbering, in the page and the packet."""
    meeting = province["bch_meeting"]
    first = meeting.agenda_items[0]
    # The Standing Committee's item comes first; the shared one second.
    move_agenda_item(session, first, 1, Actor(username="test"))
    publish_agenda(session, meeting, True, Actor(username="test"))
    session.commit()
    sign_in(province["others"][0])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert '<span class="pos">1.</span> Báo cáo tình hình' in page
    assert '<span class="pos">2.</span>' not in page


def test_standing_member_sees_the_restricted_paper(client, sign_in, province, session):
    deliver_papers(session, province["bch_meeting"])
    sign_in(province["standing"][1])
    meeting = province["bch_meeting"]
    assert "05-TTr/TU" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


@pytest.mark.parametrize("url_template", [
    "/meetings/new", "/meetings/{m}/edit", "/meetings/{m}/agenda/{i}/edit",
    "/meetings/{m}/agenda/{i}/documents/new",
])
def test_delegates_and_auditors_cannot_reach_preparation_pages(
        client, sign_in, province, make_user, url_template):
    meeting = province["bch_meeting"]
    url = url_template.format(m=meeting.id, i=meeting.agenda_items[0].id)
    sign_in(province["others"][0])
    assert client.get(url).status_code == 404
    client.post("/sign-out")
    sign_in(make_user(Role.AUDITOR))
    assert client.get(url).status_code == 404


def test_delegate_cannot_post_to_preparation_endpoints(client, sign_in, province, session):
    meeting = province["bch_meeting"]
    sign_in(province["others"][0])
    item = meeting.agenda_items[0]
    assert client.post(f"/meetings/{meeting.id}/agenda", data={"title": "X"}).status_code == 404
    assert client.post(f"/meetings/{meeting.id}/agenda/{item.id}/remove").status_code == 404
    session.refresh(meeting)
    assert [i.title for i in meeting.agenda_items] == ["Báo cáo tình hình", "Công tác cán bộ"]


def test_signed_out_visitor_is_sent_to_sign_in(client, province):
    response = client.get(f"/meetings/{province['bch_meeting'].id}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
