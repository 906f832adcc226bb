"""Recall means gone, everywhere: the copy, the packet, the ZIP, the viewer; and it stays gone.

Each test tries what a delegate (or a careless later "Issue") would: the old
URLs, the packet, the ZIP, a new invitee, a new version.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pikepdf
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.tracing import find_copy
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.models import IssuanceJob, IssuedCopy
from meetingsvc.issuance.numbering import trace_code
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import recall_document
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.meetings.models import InvitationRole
from meetingsvc.meetings.services import invite
from tests.confirming import confirmed_post
from tests.conftest import PASSWORD
from tests.issuance.checks import assert_signed_whole, text_of
from tests.issuance.conftest import ACTOR, POLICY


def item_copies(session, user, document) -> list[IssuedCopy]:
    return list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.user_id == user.id, IssuedCopy.document_version_id.in_(
            [v.id for v in document.versions])).order_by(IssuedCopy.id)))


def live_packet(session, user) -> IssuedCopy | None:
    return session.scalar(select(IssuedCopy).where(
        IssuedCopy.user_id == user.id, IssuedCopy.kind == "packet",
        IssuedCopy.recalled_at.is_(None), IssuedCopy.superseded_at.is_(None))
        .order_by(IssuedCopy.id.desc()))


def stamp_ref(copy: IssuedCopy) -> str:
    """What every page of a personalised copy prints in its margin, in the packet too."""
    return f"Mã bản: {trace_code(copy.verification_token)}"


def as_user(app, user):
    """A client of its own, signed in as ``user``."""
    client = app.test_client()
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def fetch(client, url: str, **options) -> tuple[int, bytes]:
    """Status and body of a GET, the response closed (files are streamed)."""
    with client.get(url, **options) as response:
        return response.status_code, response.get_data()


def recall_as_secretariat(app, make_user, meeting, document) -> None:
    """Press "Thu hồi" on the document's page, and wait for the packets to be rebuilt."""
    staff = as_user(app, make_user(Role.SECRETARIAT))
    response = confirmed_post(staff, f"/meetings/{meeting.id}/documents/{document.id}/recall")
    assert response.status_code == 302
    app.extensions["issuance_runner"].join(timeout=180)


def pdf_texts_reachable(tmp_path: Path, delegate, meeting) -> dict[str, str]:
    """Text of every PDF the delegate's packet routes hand out: the packet and the ZIP's."""
    texts: dict[str, str] = {}
    status, packet = fetch(delegate, f"/meetings/{meeting.id}/my/packet.pdf")
    if status == 200:
        path = tmp_path / "packet.pdf"
        path.write_bytes(packet)
        texts["packet"] = text_of(path)
    status, archive = fetch(delegate, f"/meetings/{meeting.id}/my/packet.zip")
    if status == 200:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            for name in zipped.namelist():
                if name.endswith(".pdf"):
                    path = tmp_path / Path(name).name
                    path.write_bytes(zipped.read(name))
                    texts[name] = text_of(path)
    return texts


def test_recall_withdraws_the_item_and_every_packet_that_held_it(
        app, session, prepared, issued, make_user, tmp_path):
    meeting, report = prepared.meeting, prepared.documents["report"]
    member = prepared.members[3]
    copy = item_copies(session, member, report)[0]
    old_packet = live_packet(session, member)
    old_packet_bytes = BlobStore(Path(app.config["BLOB_DIR"])).path_for(
        old_packet.blob_sha256).read_bytes()
    delegate = as_user(app, member)
    before = pdf_texts_reachable(tmp_path, delegate, meeting)
    assert any(stamp_ref(copy) in text for text in before.values())

    outcome = recall_document(session, report, ACTOR)  # no runner: see the gap
    session.commit()
    assert outcome.packets_withdrawn == 5 and outcome.rebuild is not None
    # Withdrawn at once, before the packet is rebuilt.
    for url in (f"/meetings/{meeting.id}/my/copies/{copy.id}.pdf",
                f"/meetings/{meeting.id}/my/copies/{copy.id}/view",
                f"/meetings/{meeting.id}/my/copies/{copy.id}/file.pdf",
                f"/meetings/{meeting.id}/my/packet.pdf"):
        assert fetch(delegate, url)[0] == 404, url
    assert fetch(delegate, f"/meetings/{meeting.id}/my/copies/{copy.id}.pdf",
                 headers={"Range": "bytes=0-99"})[0] == 404

    run_units_inline(app)
    session.expire_all()
    rebuilt = live_packet(session, member)
    assert rebuilt is not None and rebuilt.id != old_packet.id
    job = session.get(IssuanceJob, rebuilt.job_id)
    assert job.recalled_document_id == report.id and job.status == "completed"
    old_packet = session.get(IssuedCopy, old_packet.id)
    assert old_packet.recalled_at is not None and old_packet.superseded_by_id == rebuilt.id

    after = pdf_texts_reachable(tmp_path, delegate, meeting)
    assert "packet" in after
    assert not any(stamp_ref(copy) in text for text in after.values())
    assert "Đã thu hồi" in after["packet"]  # its agenda shows the item as recalled
    rebuilt_path = tmp_path / "packet.pdf"
    assert_signed_whole(rebuilt_path)
    with pikepdf.open(rebuilt_path) as pdf, pdf.open_outline() as outline:
        titles = [child.title for item in outline.root for child in item.children]
    assert not any(report.symbol in title for title in titles)
    assert any(prepared.documents["programme"].symbol in title for title in titles)

    # The old packet stays verifiable for auditors, shown as recalled.
    found = find_copy(session, old_packet.blob_sha256, {}, old_packet_bytes)
    assert found is not None and found[0].id == old_packet.id
    public = app.test_client().get(f"/v/{old_packet.verification_token}")
    assert "Đã thu hồi" in public.get_data(as_text=True)


def test_a_recalled_item_is_never_issued_again_until_re_released(
        app, session, prepared, issued, make_user):
    meeting, report = prepared.meeting, prepared.documents["report"]
    recall_as_secretariat(app, make_user, meeting, report)
    latecomer = make_user(full_name="Vũ Văn Muộn")
    invite(session, meeting, latecomer, InvitationRole.MEMBER, ACTOR)
    session.commit()
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    assert item_copies(session, latecomer, report) == []
    assert item_copies(session, latecomer, prepared.documents["programme"])
    assert len(item_copies(session, prepared.members[0], report)) == 1  # no fresh copy

    staff = as_user(app, make_user(Role.SECRETARIAT))
    response = staff.post(f"/meetings/{meeting.id}/documents/{report.id}/re-release")
    assert response.status_code == 302
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "document.re_released", AuditEvent.object_id == str(report.id)))
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    fresh = [c for u in (*prepared.members, latecomer)
             for c in item_copies(session, u, report) if c.recalled_at is None]
    assert len(fresh) == 6
    # Numbered after the five recalled copies, never reusing a number.
    assert sorted(c.copy_number for c in fresh) == [6, 7, 8, 9, 10, 11]
    delegate = as_user(app, latecomer)
    own = next(c for c in fresh if c.user_id == latecomer.id)
    assert fetch(delegate, f"/meetings/{meeting.id}/my/copies/{own.id}.pdf")[0] == 200


def test_a_superseded_copy_answers_as_the_page_shows(app, session, prepared, issued, make_user):
    from meetingsvc.demo.pdfs import render_generic_pdf

    meeting, report = prepared.meeting, prepared.documents["report"]
    member = prepared.members[2]
    old = item_copies(session, member, report)[0]
    pdf = render_generic_pdf("Báo cáo sửa đổi", pages=4, seed=9)
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), report,
                Upload(io.BytesIO(pdf), "bc-v2.pdf", 10**7), ACTOR)
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    old = session.get(IssuedCopy, old.id)
    new = session.get(IssuedCopy, old.superseded_by_id)
    delegate = as_user(app, member)
    for url in (f"/meetings/{meeting.id}/my/copies/{old.id}.pdf",
                f"/meetings/{meeting.id}/my/copies/{old.id}/view",
                f"/meetings/{meeting.id}/my/copies/{old.id}/file.pdf"):
        assert fetch(delegate, url)[0] == 404, url
    assert fetch(delegate, f"/meetings/{meeting.id}/my/copies/{new.id}.pdf")[0] == 200
    page = delegate.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/my/copies/{old.id}" not in page
    public = app.test_client().get(f"/v/{old.verification_token}").get_data(as_text=True)
    assert new.label in public
