"""Issuing a meeting end to end: planned, personalised, signed, delivered all at once."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.tracing import find_copy
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import RecallError, record_handover, record_print, record_return
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.tracking.models import DeliveryEvent
from signing import read_copy_metadata
from tests.conftest import PASSWORD
from tests.issuance.checks import assert_signed_whole, text_of
from tests.issuance.conftest import ACTOR, POLICY


def blob_path(app, copy: IssuedCopy) -> Path:
    return BlobStore(Path(app.config["BLOB_DIR"])).path_for(copy.blob_sha256)


def test_every_copy_is_signed_stamped_and_traceable(app, session, prepared, issued):
    assert issued.status == "completed"
    copies = session.scalars(select(IssuedCopy).where(IssuedCopy.channel != "print")
                             .order_by(IssuedCopy.id)).all()
    assert copies and all(c.blob_sha256 for c in copies)
    for copy in copies:
        path = blob_path(app, copy)
        assert_signed_whole(path)
        metadata = read_copy_metadata(path.read_bytes())
        assert metadata["MeetingsvcCopyId"] == str(copy.id)
        assert metadata["MeetingsvcToken"] == copy.verification_token
    third = session.scalar(select(IssuedCopy).where(
        IssuedCopy.series == f"version:{prepared.documents['report'].current_version.id}",
        IssuedCopy.copy_number == 3))
    page = text_of(blob_path(app, third), page=2)
    assert "Bản số 03/05" in page
    assert third.user.full_name in page
    assert "Trang 2/3" in page


def test_delegates_receive_all_their_copies_at_once_by_channel(session, prepared, issued):
    by_channel = dict(session.execute(select(IssuedCopy.channel, func.count())
                                      .group_by(IssuedCopy.channel)).all())
    statuses = dict(session.execute(select(IssuedCopy.channel, IssuedCopy.status)
                                    .distinct()).all())
    assert statuses == {"download": "delivered", "view_only": "delivered", "print": "signed"}
    events = session.scalar(select(func.count()).select_from(DeliveryEvent))
    assert events == by_channel["download"] + by_channel["view_only"]


def test_the_packet_has_cover_agenda_and_bookmarks(app, session, prepared, issued):
    packet = session.scalar(select(IssuedCopy).where(
        IssuedCopy.kind == "packet", IssuedCopy.user_id == prepared.members[0].id))
    path = blob_path(app, packet)
    assert_signed_whole(path)
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        leads = {item.title: index[item.destination[0].objgen] for item in outline.root}
        documents = [child.title for item in outline.root for child in item.children]
    assert any("Chương trình hội nghị" in title for title in leads)
    assert any("Báo cáo kinh tế" in title for title in documents)
    # MẬT: viewer only. Its item leads to the agenda, which says so; no page of it here.
    assert not any("Báo cáo kiểm tra" in title for title in documents)
    assert [page for title, page in leads.items() if "Báo cáo kiểm tra" in title] == [1]
    cover = text_of(path, page=1)
    assert prepared.members[0].full_name in cover


def test_a_guest_gets_only_what_is_open_to_guests(session, prepared, issued):
    symbols = {c.document_version.document.symbol for c in session.scalars(
        select(IssuedCopy).where(IssuedCopy.user_id == prepared.guest.id,
                                 IssuedCopy.kind == "item"))}
    assert symbols == {"11-CTr/TU"}


def test_paper_copies_are_printed_on_demand_and_kept_nowhere(app, session, client, sign_in,
                                                              make_user, prepared, issued,
                                                              tmp_path):
    """TỐI MẬT: no personalised electronic copy is kept; the print file is made when the
    secretariat asks, signed, and only its SHA-256 is recorded, which still traces it."""
    copy = session.scalar(select(IssuedCopy).where(IssuedCopy.channel == "print"))
    assert copy.blob_sha256 is None and copy.status == "signed"
    blobs_before = set(BlobStore(Path(app.config["BLOB_DIR"])).root.rglob("*"))
    with pytest.raises(RecallError):
        record_handover(session, copy, ACTOR)  # not printed yet
    sign_in(make_user(Role.SECRETARIAT))
    response = client.get(f"/meetings/{copy.meeting_id}/paper-copies/{copy.id}/print.pdf")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    printed = response.data
    assert printed.startswith(b"%PDF")
    assert set(BlobStore(Path(app.config["BLOB_DIR"])).root.rglob("*")) == blobs_before
    session.expire_all()
    copy = session.get(IssuedCopy, copy.id)
    assert copy.printed_sha256 == hashlib.sha256(printed).hexdigest()
    assert copy.blob_sha256 is None
    metadata = read_copy_metadata(printed)
    assert metadata["MeetingsvcToken"] == copy.verification_token
    path = tmp_path / "printed.pdf"
    path.write_bytes(printed)
    assert_signed_whole(path)
    page = text_of(path, page=1)
    assert copy.label in page and copy.user.full_name in page
    # The QR code of a printout still verifies, without naming the delegate.
    public = client.get(f"/v/{copy.verification_token}").get_data(as_text=True)
    assert copy.label in public and copy.user.full_name not in public
    assert "No copy was issued" not in public
    # An auditor traces the print file by its exact bytes.
    found = find_copy(session, copy.printed_sha256, {}, printed)
    assert found is not None and found[0].id == copy.id and found[1] == "exact_bytes"
    # The evidence export lists the print file's hash, never its content.
    auditor = app.test_client()
    auditor.post("/sign-in", data={"username": make_user(Role.AUDITOR).username,
                                   "password": PASSWORD})
    with auditor.post(f"/audit/meetings/{copy.meeting_id}/evidence") as response:
        assert response.status_code == 200
        evidence = response.get_data()
    with zipfile.ZipFile(io.BytesIO(evidence)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
        row = next(r for r in rows if r["copy_id"] == str(copy.id))
        assert (row["sha256"], row["file"]) == (copy.printed_sha256, "")
        assert not any(archive.read(name) == printed for name in archive.namelist())


def test_paper_copies_are_handed_over_and_returned(session, prepared, issued):
    copy = session.scalar(select(IssuedCopy).where(IssuedCopy.channel == "print"))
    record_print(session, copy, "0" * 64, ACTOR)
    record_handover(session, copy, ACTOR)
    assert copy.status == "delivered" and copy.handed_over_at
    record_return(session, copy, ACTOR)
    assert copy.returned_at is not None


def test_a_new_version_supersedes_the_old_copies(app, session, prepared, issued, client,
                                                 sign_in):
    from meetingsvc.demo.pdfs import render_generic_pdf

    report = prepared.documents["report"]
    old = session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id == report.current_version.id)).all()
    pdf = render_generic_pdf("Báo cáo sửa đổi", pages=4, seed=9)
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), report,
                Upload(io.BytesIO(pdf), "bc-v2.pdf", 10**7), ACTOR)
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    new = session.scalars(select(IssuedCopy).where(IssuedCopy.job_id == job.id,
                                                   IssuedCopy.kind == "item")).all()
    assert {c.user_id for c in new} == {u.id for u in prepared.members}
    assert sorted(c.copy_number for c in new) == [1, 2, 3, 4, 5]
    for copy in old:
        session.refresh(copy)
        assert copy.superseded_at is not None
        assert copy.superseded_by_id in {c.id for c in new}
    sign_in(prepared.members[3])
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert "phiên bản mới" in page  # the delegate is told


def test_a_broken_source_fails_with_its_reason_and_can_be_retried(app, session, prepared,
                                                                   client, sign_in, make_user):
    source = prepared.documents["report"].current_version.blob_sha256
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    good = store.path_for(source).read_bytes()
    store.path_for(source).write_bytes(b"%PDF-1.7 broken")
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    app.config["ISSUANCE_MAX_ATTEMPTS"] = 1
    run_units_inline(app)
    session.expire_all()
    job = session.get(IssuanceJob, job.id)
    assert job.status == "completed_with_failures"
    failed = session.scalars(select(IssuedCopy).where(IssuedCopy.status == "failed")).all()
    assert failed and all(c.failure_reason for c in failed)
    # Nothing of a failed delegate's packet was delivered.
    assert not session.scalar(select(func.count()).select_from(IssuedCopy).where(
        IssuedCopy.unit_id.in_({c.unit_id for c in failed}), IssuedCopy.status == "delivered"))
    sign_in(make_user(Role.SECRETARIAT))
    progress = client.get(f"/meetings/{prepared.meeting.id}/issuance/{job.id}/progress.json")
    assert progress.json["failures"] and progress.json["status"] == "completed_with_failures"
    store.path_for(source).write_bytes(good)
    app.config["ISSUANCE_PROCESSES"] = 1
    client.post(f"/meetings/{prepared.meeting.id}/issuance/{job.id}/retry")
    app.extensions["issuance_runner"].join(timeout=120)
    session.expire_all()
    assert session.get(IssuanceJob, job.id).status == "completed"


def test_the_qr_link_shows_the_copy_without_its_delegate(client, session, prepared, issued):
    copy = session.scalar(select(IssuedCopy).where(
        IssuedCopy.user_id == prepared.members[1].id, IssuedCopy.kind == "item",
        IssuedCopy.channel != "print"))
    page = client.get(f"/v/{copy.verification_token}").get_data(as_text=True)
    assert "bản chính thức" in page or "authentic" in page.lower()
    assert copy.document_version.document.symbol in page
    assert copy.label in page
    assert prepared.members[1].full_name not in page
    missing = client.get("/v/khong-co-ma-nay-trong-he-thong")
    assert missing.status_code == 404


def test_a_result_made_under_a_lost_claim_is_dropped(app, session, prepared):
    """A worker whose lease ran out, and whose unit was claimed again, records nothing."""
    from datetime import timedelta

    from meetingsvc.issuance.production import init_worker, produce_unit
    from meetingsvc.issuance.runner import claim_next, record_unit_outcome, worker_config
    from meetingsvc.issuance.services import claim_unit

    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    init_worker(worker_config(app))
    stale = claim_next(app, "worker-a")
    unit = session.get(IssuanceUnit, stale.unit_id)
    unit.lease_until = unit.lease_until - timedelta(hours=1)  # worker-a's lease runs out
    session.commit()
    taken_over = claim_unit(session, "worker-b", timedelta(minutes=5), unit_id=stale.unit_id)
    session.commit()
    assert taken_over is not None and taken_over.claimed_by != stale.claim
    record_unit_outcome(app, stale, produce_unit(stale), None)
    session.expire_all()
    assert session.get(IssuanceUnit, stale.unit_id).status == "running"
    assert not session.scalar(select(func.count()).select_from(DeliveryEvent))


def test_issuing_without_a_signing_key_is_refused_with_the_reason(app, client, sign_in,
                                                                   session, prepared,
                                                                   make_user):
    from meetingsvc.accounts.models import Role

    app.config["DEV_PKI_PASSPHRASE"] = None
    sign_in(make_user(Role.SECRETARIAT))
    response = client.post(f"/meetings/{prepared.meeting.id}/issue", follow_redirects=True)
    assert "Chưa cấu hình khóa ký số" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(IssuanceJob)) == 0
