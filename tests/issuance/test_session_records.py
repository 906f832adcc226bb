"""The minutes and the conclusion notice after the session go through the papers' pipeline:
uploaded by the secretariat, issued with the same Issue action to the audience chosen,
tracked and acknowledged, shown under "Sau phiên họp"; anyone outside the audience gets 404."""

from __future__ import annotations

import io

from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.documents.models import Document, Phase
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.tracking.models import DeliveryEvent
from tests.conftest import PASSWORD
from tests.issuance.conftest import ACTOR, POLICY


def signed_in(app, user):
    """A browser of its own for one person."""
    client = app.test_client()
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _upload_record(client, meeting, pdf: bytes, **fields) -> Document | None:
    data = {"symbol": "05-BB/TU", "kind": "Biên bản", "title": "Biên bản hội nghị",
            "confidentiality": "mat", "audience": "body_members",
            "file": (io.BytesIO(pdf), "bien-ban.pdf")} | fields
    return client.post(f"/meetings/{meeting.id}/records/new", data=data,
                       content_type="multipart/form-data")


def test_minutes_go_as_confidential_to_the_members_only_and_are_tracked(
        app, session, client, sign_in, make_user, prepared, issued):
    from meetingsvc.demo.pdfs import render_generic_pdf

    meeting, members, guest = prepared.meeting, prepared.members, prepared.guest
    pdf = render_generic_pdf("Biên bản hội nghị", pages=2, seed=3)
    sign_in(make_user(Role.SECRETARIAT))
    form = client.get(f"/meetings/{meeting.id}/records/new").get_data(as_text=True)
    assert "Tải lên văn bản sau phiên họp" in form
    response = _upload_record(client, meeting, pdf, audience_body_id=str(meeting.body_id))
    assert response.status_code == 302, response.get_data(as_text=True)
    minutes = session.scalar(select(Document).where(Document.symbol == "05-BB/TU"))
    assert (minutes.phase, minutes.confidentiality, minutes.agenda_item_id) == (
        Phase.RECORDS.value, "mat", None)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Sau phiên họp" in page and "05-BB/TU" in page

    # Issued with the same action as the papers: only what is new goes out.
    job = start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    copies = session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id == minutes.current_version.id)).all()
    assert sorted(c.user_id for c in copies) == sorted(m.id for m in members)
    assert {c.channel for c in copies} == {"view_only"}  # MẬT: read in the portal
    assert {c.job_id for c in copies} == {job.id}
    assert all(c.status == "delivered" for c in copies)

    # A member sees it under "Sau phiên họp" and acknowledges it; the receipts count it.
    member = members[3]
    client = signed_in(app, member)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Sau phiên họp" in page and "Biên bản hội nghị" in page
    assert client.get(f"/meetings/{meeting.id}/documents/{minutes.id}").status_code == 200
    copy = next(c for c in copies if c.user_id == member.id)
    assert client.get(f"/meetings/{meeting.id}/my/copies/{copy.id}/view").status_code == 200
    client.post(f"/meetings/{meeting.id}/my/copies/{copy.id}/acknowledge")
    assert session.scalar(select(DeliveryEvent).where(
        DeliveryEvent.copy_id == copy.id, DeliveryEvent.kind == "acknowledged")) is not None

    # The guest, outside the members, learns nothing of it.
    client = signed_in(app, guest)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "05-BB/TU" not in page and "Biên bản hội nghị" not in page
    assert client.get(f"/meetings/{meeting.id}/documents/{minutes.id}").status_code == 404


def test_a_conclusion_notice_goes_to_the_list_chosen_and_others_get_404(
        app, session, client, sign_in, make_user, prepared, issued):
    from meetingsvc.demo.pdfs import render_generic_pdf

    meeting, members = prepared.meeting, prepared.members
    chosen = members[:2]
    sign_in(make_user(Role.SECRETARIAT))
    response = _upload_record(
        client, meeting, render_generic_pdf("Thông báo kết luận", pages=1, seed=4),
        symbol="12-TB/TU", kind="Thông báo", title="Thông báo kết luận hội nghị",
        confidentiality="none", audience="named",
        named_user_ids=[str(u.id) for u in chosen])
    assert response.status_code == 302
    notice = session.scalar(select(Document).where(Document.symbol == "12-TB/TU"))
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    holders = {c.user_id for c in session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id == notice.current_version.id))}
    assert holders == {u.id for u in chosen}
    client = signed_in(app, members[4])
    assert client.get(f"/meetings/{meeting.id}/documents/{notice.id}").status_code == 404
    assert "12-TB/TU" not in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_only_the_secretariat_uploads_records(client, sign_in, prepared, session):
    meeting = prepared.meeting
    sign_in(prepared.members[0])
    assert client.get(f"/meetings/{meeting.id}/records/new").status_code == 404
    assert _upload_record(client, meeting, b"%PDF-1.4").status_code == 404
    assert session.scalar(select(Document).where(Document.phase == "records")) is None
