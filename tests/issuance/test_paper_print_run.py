"""A document's paper copies in one print run, and its hand-over register, as the office
prints them: every copy in order, each one's hash recorded, the register signed."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile

import pikepdf
import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.tracing import find_copy
from meetingsvc.documents.vocabulary import Confidentiality
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import record_handover, record_return
from meetingsvc.issuance.runner import run_units_inline
from tests.issuance.checks import assert_signed_whole, pdfsig, text_of
from tests.issuance.conftest import ACTOR, POLICY, add_document


@pytest.fixture
def secret_run(app, session, prepared):
    """A TUYỆT MẬT document for every member, issued with the rest: five paper copies."""
    from meetingsvc.demo.pdfs import render_generic_pdf

    document = add_document(app, session, prepared.meeting, "Đề án nhân sự khóa mới",
                            render_generic_pdf("Đề án nhân sự", pages=2, seed=4),
                            symbol="05-ĐA/TU", confidentiality=Confidentiality.TUYET_MAT)
    session.commit()
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    return document


@pytest.fixture
def staff(make_user):
    return make_user(Role.SECRETARIAT, full_name="Vũ Thị Thư Ký")


def paper_copies(session, document) -> list[IssuedCopy]:
    return list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id == document.current_version.id)
        .order_by(IssuedCopy.copy_number)))


def url(document, what: str) -> str:
    return f"/meetings/{document.meeting_id}/documents/{document.id}/paper/{what}"


def actions(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def test_one_print_file_holds_every_copy_in_order_each_hash_recorded(
        app, client, sign_in, session, prepared, secret_run, staff, tmp_path):
    copies = paper_copies(session, secret_run)
    assert [c.copy_number for c in copies] == [1, 2, 3, 4, 5]
    sign_in(staff)
    response = client.post(url(secret_run, "print-run.pdf"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    merged = tmp_path / "run.pdf"
    merged.write_bytes(response.data)
    check = subprocess.run(["qpdf", "--check", str(merged)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # Unsigned: a merge cannot keep five signatures valid, and claims none.
    assert "Signature is Valid" not in pdfsig(merged)
    with pikepdf.open(merged) as pdf:
        assert len(pdf.pages) == 5 * 2
        assert "/AcroForm" not in pdf.Root
    for index, copy in enumerate(copies):
        first_page = text_of(merged, page=2 * index + 1)
        # The office's signature drawn on the page names the copy too.
        signature_box = first_page.split("Ký số bởi", 1)[1]
        assert f"Bản số 0{index + 1}/05" in signature_box, first_page
        assert copy.user.full_name in first_page
        assert "TUYỆT MẬT" in first_page
        assert f"Bản số 0{index + 1}/05" in text_of(merged, page=2 * index + 2)

    session.expire_all()
    printed = actions(session, "paper_copy.printed")
    assert [e.object_id for e in printed] == [str(c.id) for c in copies]
    run = actions(session, "paper_copy.print_run")
    assert len(run) == 1 and run[0].object_id == str(secret_run.id)
    details = json.loads(run[0].details)
    assert details["merged_sha256"] == hashlib.sha256(response.data).hexdigest()
    recorded = {c.id: session.get(IssuedCopy, c.id).printed_sha256 for c in copies}
    assert all(recorded.values()) and len(set(recorded.values())) == 5
    assert [c["sha256"] for c in details["copies"]] == [recorded[c.id] for c in copies]
    assert [c["copy"] for c in details["copies"]] == [c.label for c in copies]


def test_the_zip_holds_the_print_file_and_each_signed_copy_that_traces(
        app, client, sign_in, session, prepared, secret_run, staff, tmp_path):
    copies = paper_copies(session, secret_run)
    sign_in(staff)
    response = client.post(url(secret_run, "print-run.zip"))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    session.expire_all()
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = [row["name"] for row in manifest["files"]]
        assert names[0].endswith("_ban-in-tat-ca.pdf")
        assert [row["copy_number"] for row in manifest["files"][1:]] == [1, 2, 3, 4, 5]
        for row, copy in zip(manifest["files"][1:], copies, strict=True):
            data = archive.read(row["name"])
            copy = session.get(IssuedCopy, copy.id)
            # The signed file in the ZIP is the very one whose hash the office keeps.
            assert hashlib.sha256(data).hexdigest() == copy.printed_sha256 == row["sha256"]
            path = tmp_path / row["name"]
            path.write_bytes(data)
            assert_signed_whole(path)
            found = find_copy(session, copy.printed_sha256, {}, data)
            assert found is not None and found[0].id == copy.id
        merged = archive.read(names[0])
    with pikepdf.open(io.BytesIO(merged)) as pdf:
        assert len(pdf.pages) == 10
    # Each printed page's QR code leads to its own copy's public check.
    public = client.get(f"/v/{copies[2].verification_token}").get_data(as_text=True)
    assert copies[2].label in public and copies[2].user.full_name not in public


def test_a_run_leaves_out_copies_already_handed_over(client, sign_in, session, prepared,
                                                     secret_run, staff, tmp_path):
    copies = paper_copies(session, secret_run)
    sign_in(staff)
    assert client.post(url(secret_run, "print-run.pdf")).status_code == 200
    session.expire_all()
    for copy in copies[:2]:
        record_handover(session, session.get(IssuedCopy, copy.id), ACTOR)
    session.commit()
    again = tmp_path / "again.pdf"
    again.write_bytes(client.post(url(secret_run, "print-run.pdf")).data)
    with pikepdf.open(again) as pdf:
        assert len(pdf.pages) == 3 * 2
    assert "Bản số 03/05" in text_of(again, page=1)
    for copy in copies[2:]:
        record_handover(session, session.get(IssuedCopy, copy.id), ACTOR)
    session.commit()
    before = len(actions(session, "paper_copy.print_run"))
    response = client.post(url(secret_run, "print-run.pdf"), follow_redirects=True)
    assert "Không còn bản giấy nào cần in" in response.get_data(as_text=True)
    assert len(actions(session, "paper_copy.print_run")) == before


def test_the_register_lists_every_copy_and_delegate_in_order_signed(
        app, client, sign_in, session, prepared, secret_run, staff, tmp_path):
    copies = paper_copies(session, secret_run)
    sign_in(staff)
    client.post(url(secret_run, "print-run.pdf"))
    session.expire_all()
    handed = session.get(IssuedCopy, copies[0].id)
    record_handover(session, handed, ACTOR)
    record_return(session, handed, ACTOR)
    session.commit()
    response = client.get(url(secret_run, "register.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    path = tmp_path / "register.pdf"
    path.write_bytes(response.data)
    assert_signed_whole(path)
    text = text_of(path)
    for heading in ("SỔ GIAO NHẬN TÀI LIỆU MẬT", "STT", "Số bản", "Đại biểu (họ tên, chức vụ)",
                    "Ngày giao", "Ký nhận", "Ngày thu hồi", "Ký nhận thu hồi", "05-ĐA/TU",
                    "TUYỆT MẬT", "NGƯỜI LẬP SỔ"):
        assert heading in text, heading
    positions = [text.index(c.user.full_name) for c in copies]
    assert positions == sorted(positions)
    labels = [text.index(f"0{n}/05") for n in range(1, 6)]
    assert labels == sorted(labels) and labels[0] < positions[0]
    assert actions(session, "paper_copy.register_printed")[-1].object_id == str(secret_run.id)


def test_only_staff_print_and_only_this_meetings_documents(
        client, sign_in, session, prepared, secret_run, staff, make_meeting):
    member = prepared.members[0]
    sign_in(member)
    assert client.post(url(secret_run, "print-run.pdf")).status_code == 404
    assert client.get(url(secret_run, "register.pdf")).status_code == 404
    client.post("/sign-out")
    sign_in(staff)
    other = make_meeting(prepared.btv, "Hội nghị Ban Thường vụ")
    wrong = f"/meetings/{other.id}/documents/{secret_run.id}/paper/"
    assert client.post(wrong + "print-run.pdf").status_code == 404
    assert client.get(wrong + "register.pdf").status_code == 404
    assert client.get(url(secret_run, "print-run.pdf")).status_code == 405
    assert not actions(session, "paper_copy.printed")


def test_the_paper_page_offers_the_run_and_steps_that_read_as_actions(
        client, sign_in, session, prepared, secret_run, staff):
    sign_in(staff)
    base = f"/meetings/{prepared.meeting.id}/paper-copies"
    page = client.get(base).get_data(as_text=True)
    assert "In cả 5 bản (một tệp PDF)" in page and "Sổ giao nhận tài liệu mật (PDF)" in page
    assert "Ghi nhận đã giao" not in page  # nothing printed yet
    client.post(url(secret_run, "print-run.pdf"))
    page = client.get(base).get_data(as_text=True)
    assert page.count("Ghi nhận đã giao") == 5 + 2 - 2  # the run's five; the BTV pair unprinted
    copy = paper_copies(session, secret_run)[0]
    client.post(f"{base}/{copy.id}/handover")
    page = client.get(base).get_data(as_text=True)
    assert "Ghi nhận đã thu hồi" in page and "In cả 4 bản (một tệp PDF)" in page


def test_a_run_the_office_cannot_sign_records_nothing_and_says_why(
        client, sign_in, session, prepared, secret_run, staff, monkeypatch):
    from meetingsvc.issuance import paper
    from signing import DocumentSigningError

    class Unreachable(paper.DocumentSigner):
        def sign(self, pdf, request=None, *, update=None):
            raise DocumentSigningError("signing failed: Error while contacting timestamp service")

    monkeypatch.setattr(paper, "DocumentSigner", Unreachable)
    sign_in(staff)
    response = client.post(url(secret_run, "print-run.pdf"), follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "không ký số được tệp in" in response.get_data(as_text=True)
    session.expire_all()
    assert all(c.printed_sha256 is None for c in paper_copies(session, secret_run))
    assert not actions(session, "paper_copy.printed")
    assert not actions(session, "paper_copy.print_run")
