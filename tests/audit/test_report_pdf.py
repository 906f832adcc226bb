"""The verification report as a PDF signed by the office: made again from the kept report,
checked by independent tools, in the auditor's language, and logged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from tests.audit.conftest import flip_signed_byte
from tests.audit.test_readable_report import english_words


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required (apt-get install poppler-utils qpdf)")
    return path


def pdfsig_blocks(path: Path) -> list[str]:
    """poppler's independent verdict, one block per signature."""
    result = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True,
                            text=True, timeout=60, check=False)
    return result.stdout.split("Signature #")[1:]


def pdf_text(path: Path) -> str:
    result = subprocess.run([require_tool("pdftotext"), "-enc", "UTF-8", "-layout", str(path),
                             "-"], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def test_the_report_downloads_as_a_signed_vietnamese_pdf(
        session, client, small_issue, auditor, sign_in, upload, tmp_path):
    sign_in(auditor)
    original = small_issue.signed_bytes("ttthang")
    report_id = upload(original, "ban-cua-ai.pdf", as_json=True).json["id"]
    assert "Tải báo cáo (PDF có ký số)" in client.get(
        f"/audit/verifications/{report_id}").get_data(as_text=True)

    response = client.post(f"/audit/verifications/{report_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"bao-cao-kiem-tra-{report_id}.pdf" in response.headers["Content-Disposition"]
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(response.get_data())

    # Independent checkers: poppler calls the office's signature valid and total, qpdf
    # finds the file sound.
    blocks = pdfsig_blocks(path)
    assert len(blocks) == 1
    assert "Signature is Valid." in blocks[0] and "Total document signed" in blocks[0]
    check = subprocess.run([require_tool("qpdf"), "--check", str(path)], capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr

    text = pdf_text(path)
    readable, _, technical = text.partition("Chi tiết kỹ thuật")
    assert "BÁO CÁO THẨM ĐỊNH TỆP PDF" in readable and "HỢP LỆ" in readable
    assert "ban-cua-ai.pdf" in readable and small_issue.copies["ttthang"].blob_sha256 in readable
    size = f"{len(original):,}".replace(",", ".")
    assert f"{size} byte" in readable and "(UTC+7)" in readable
    assert "Trần Thị Thu Hằng (ttthang)" in readable and "212-BC/TU" in readable
    assert "Tên chung (CN)" in readable and "Mai Văn Kiên (kiemtra)" in readable
    assert english_words(readable) == [], readable
    assert "TOTAL-PASSED" in technical

    # The office's own verifier accepts it too, and the download is in the log.
    verified = upload(path.read_bytes(), "bao-cao.pdf", as_json=True).json["verification"]
    assert verified["indication"] == "TOTAL_PASSED"
    assert verified["copy_metadata"]["MeetingsvcVerificationReport"] == str(report_id)
    logged = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.report_downloaded")).all()
    assert [row.object_id for row in logged] == [str(report_id)]


def test_a_failed_verification_reads_as_such_in_the_pdf(client, small_issue, auditor, sign_in,
                                                         upload, tmp_path):
    sign_in(auditor)
    altered = flip_signed_byte(small_issue.signed_bytes("nkthang"))
    report_id = upload(altered, "ban-bi-sua.pdf", as_json=True).json["id"]
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(client.post(f"/audit/verifications/{report_id}/report.pdf").get_data())
    readable = pdf_text(path).partition("Chi tiết kỹ thuật")[0]
    assert "KHÔNG HỢP LỆ" in readable and "ĐÃ BỊ THAY ĐỔI" in readable
    assert "Cùng kích thước với bản phát hành nhưng 1 byte khác nhau" in " ".join(readable.split())
    assert "Nguyễn Khắc Thắng (nkthang)" in readable
    client.get("/lang/en")  # the same report, for an auditor reading English
    path.write_bytes(client.post(f"/audit/verifications/{report_id}/report.pdf").get_data())
    english = pdf_text(path).partition("Technical details")[0]
    assert "VERIFICATION REPORT OF A PDF FILE" in english and "NOT VALID" in english
    assert "Common name (CN)" in english and "Chứng thư" not in english


def test_only_auditors_get_the_pdf_and_only_by_a_form(app, client, make_user, sign_in, auditor,
                                                      upload):
    from tests.conftest import pdf_bytes

    sign_in(auditor)
    report_id = upload(pdf_bytes(1), as_json=True).json["id"]
    url = f"/audit/verifications/{report_id}/report.pdf"
    assert client.get(url).status_code == 405  # a download that is logged is a POST
    assert client.post("/audit/verifications/999999/report.pdf").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(url).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    for role in (Role.DELEGATE, Role.SECRETARIAT, Role.ADMIN):
        client.post("/sign-out")
        sign_in(make_user(role))
        assert client.post(url).status_code == 404, role
