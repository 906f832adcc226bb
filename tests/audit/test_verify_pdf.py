"""An auditor uploads any PDF and gets the ETSI-style verdict and, for our copies, whose it is."""

from __future__ import annotations

import io

import pikepdf
import pytest
from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.issuance.recall import recall_document
from signing import PadesProfile, Pkcs12KeySource, SignerSettings, create_dev_pki
from signing.signer import DocumentSigner
from tests.audit.conftest import (
    ACTOR,
    draw_on_first_page,
    flip_signed_byte,
    incremental_update,
    rewrite_with_page_swapped,
    swap_in_a_page,
)
from tests.conftest import pdf_bytes


def test_an_issued_copy_passes_and_is_traced_to_its_delegate(
        session, small_issue, auditor, sign_in, upload, client):
    sign_in(auditor)
    data = small_issue.signed_bytes("ttthang")
    page = upload(data, "ban-cua-ai.pdf").get_data(as_text=True)
    assert "Hợp lệ" in page and "TOTAL-PASSED" in page  # the code stays in the details
    assert "Trần Thị Thu Hằng" in page  # the delegate it was issued to
    assert "212-BC/TU" in page and "Bản số 02/02" in page
    assert "Hội nghị Ban Chấp hành lần thứ 12" in page
    report = upload(data, as_json=True).json
    assert report["verification"]["indication"] == "TOTAL_PASSED"
    copy = report["issued_copy"]
    assert copy["delegate_username"] == "ttthang" and copy["match"] == "exact"
    assert copy["state"] == "current" and copy["version_number"] == 1
    signature = report["verification"]["signatures"][0]
    assert signature["trusted"] and signature["intact"] and signature["coverage"] == "ENTIRE_FILE"
    assert signature["timestamp"]["valid"] and signature["docmdp"] == "NO_CHANGES"
    # The stored report reads back as JSON, and every verification is in the audit log.
    assert client.get(f"/audit/verifications/{report['id']}.json").json == report
    logged = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.pdf_verified")).all()
    assert len(logged) == 2 and all('"user": "ttthang"' in row.details for row in logged)

    recall_document(session, small_issue.copies["ttthang"].document_version.document, ACTOR)
    session.commit()
    recalled = upload(data, as_json=True).json["issued_copy"]
    assert recalled["state"] == "recalled" and recalled["match"] == "exact"


TAMPERINGS = {
    "a bit flipped inside the signed range": flip_signed_byte,
    "an incremental update drawing on a page": lambda d: incremental_update(
        d, draw_on_first_page),
    "an incremental update swapping in a page": lambda d: incremental_update(d, swap_in_a_page),
    "the file rewritten with its pages swapped": rewrite_with_page_swapped,
}


def test_altered_copies_fail_and_are_still_traced_to_their_delegate(
        small_issue, auditor, sign_in, upload):
    sign_in(auditor)
    original = small_issue.signed_bytes("nkthang")
    for how, tamper in TAMPERINGS.items():
        response = upload(tamper(original), as_json=True)
        report = response.json
        verdict = report["verification"]
        assert verdict["indication"] == "TOTAL_FAILED", (how, verdict["sub_indication"])
        assert verdict["sub_indication"] in (
            "HASH_FAILURE", "MODIFIED_AFTER_SIGNING", "FORMAT_FAILURE"), how
        copy = report["issued_copy"]
        assert copy is not None, f"{how}: not traced"
        assert copy["delegate_username"] == "nkthang", how
        assert copy["match"] == "altered", how
        assert copy["same_signature"], how  # it still carries the signature made for it
    appended = upload(incremental_update(original, draw_on_first_page), as_json=True).json
    assert appended["issued_copy"]["difference"]["kind"] == "appended"
    assert appended["verification"]["sub_indication"] == "MODIFIED_AFTER_SIGNING"
    assert appended["verification"]["signatures"][0]["coverage"] == "ENTIRE_REVISION"
    flipped = upload(flip_signed_byte(original), as_json=True).json["issued_copy"]
    assert flipped["difference"]["kind"] == "changed_in_place"
    assert flipped["difference"]["in_signed_range"] is True
    page = upload(flip_signed_byte(original)).get_data(as_text=True)
    assert "TOTAL-FAILED" in page and "Nguyễn Khắc Thắng" in page
    assert "ĐÃ BỊ THAY ĐỔI" in page  # altered, in the auditor's language

    # A made-up file carrying a real copy's token names whose copy leaked, and no more.
    forged = pdf_with_info({"/Meetingsvc_MeetingsvcToken": small_issue.copies[
        "nkthang"].verification_token})
    named = upload(forged, as_json=True).json
    assert named["verification"]["sub_indication"] == "NO_SIGNATURE"
    assert named["issued_copy"]["delegate_username"] == "nkthang"
    assert named["issued_copy"]["found_by"] == "raw_bytes"
    assert named["issued_copy"]["same_signature"] is False
    assert "KHÔNG PHẢI TỆP ĐÃ PHÁT HÀNH" in upload(forged).get_data(as_text=True)


def pdf_with_info(info: dict[str, str]) -> bytes:
    with pikepdf.open(io.BytesIO(pdf_bytes(1))) as pdf:
        for key, value in info.items():
            pdf.docinfo[key] = value
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


@pytest.fixture(scope="module")
def rogue_signed(tmp_path_factory) -> bytes:
    """A PDF signed by a key of another PKI, which the office does not trust."""
    directory = tmp_path_factory.mktemp("rogue")
    rogue = create_dev_pki(directory, office_name="Văn phòng Tỉnh ủy", passphrase=b"rogue")
    settings = SignerSettings(key_source=Pkcs12KeySource(rogue.office_p12_path, b"rogue"),
                              profile=PadesProfile.B_B)
    with DocumentSigner(settings) as signer:
        return signer.sign(pdf_bytes(1))


def test_an_untrusted_signer_is_indeterminate_and_unsigned_files_say_so(
        app, auditor, sign_in, upload, rogue_signed):
    sign_in(auditor)
    untrusted = upload(rogue_signed, as_json=True).json
    assert untrusted["verification"]["indication"] == "INDETERMINATE"
    assert untrusted["verification"]["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
    assert untrusted["issued_copy"] is None
    page = upload(rogue_signed).get_data(as_text=True)
    assert "INDETERMINATE" in page and "không có chuỗi đến gốc tin cậy" in page
    unsigned = upload(pdf_bytes(2), as_json=True).json["verification"]
    assert (unsigned["indication"], unsigned["sub_indication"]) == ("TOTAL_FAILED",
                                                                   "NO_SIGNATURE")
    assert "Tệp không được ký" in upload(pdf_bytes(2)).get_data(as_text=True)


HOSTILE = {
    "not a PDF": b"MZ\x90\x00 this is an executable, not a document",
    "a truncated PDF": pdf_bytes(2)[:300],
    "a PDF whose xref points nowhere": b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 1 0 R>>endobj\n"
                                       b"trailer<</Root 1 0 R/Size 99999999>>\n"
                                       b"startxref\n999999999\n%%EOF\n",
    "a deep nesting bomb": b"%PDF-1.7\n1 0 obj" + b"[" * 200_000 + b"\n%%EOF\n",
}


def test_any_bytes_get_a_report_or_a_clear_error(app, auditor, sign_in, upload, client):
    sign_in(auditor)
    for what, data in HOSTILE.items():
        response = upload(data, as_json=True)
        assert response.status_code == 200, what
        assert response.json["verification"]["indication"] == "TOTAL_FAILED", what
    app.config["VERIFY_MAX_UPLOAD_BYTES"] = 1024 * 1024
    too_large = upload(b"%PDF-1.7\n" + b"0" * (1024 * 1024), "lon.pdf")
    assert "vượt quá giới hạn 1 MB" in too_large.get_data(as_text=True)
    assert "tệp rỗng" in upload(b"", "rong.pdf").get_data(as_text=True).lower()


def test_only_auditors_may_verify(make_user, sign_in, upload, client):
    from meetingsvc.accounts.models import Role

    for role in (Role.DELEGATE, Role.SECRETARIAT, Role.ADMIN):
        client.post("/sign-out")
        sign_in(make_user(role))
        assert upload(pdf_bytes(1), as_json=True).status_code == 404, role
        assert client.get("/audit/").status_code == 404
    client.post("/sign-out")
    assert client.get("/audit/log").status_code == 302  # to the sign-in page
