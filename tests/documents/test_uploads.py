"""Uploads are checked before anything is stored; a refused file leaves nothing behind."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.models import Blob, Document, DocumentVersion
from tests.conftest import pdf_bytes


def upload(client, item, data: bytes, filename: str = "nghi-quyet.pdf", **fields):
    form = {"symbol": "15-NQ/TU", "kind": "Nghị quyết", "title": "Nghị quyết về chuyển đổi số",
            "confidentiality": "mat", "audience": "all_invited", **fields}
    body, content_type = multipart(form, data, filename)
    return client.post(f"/meetings/{item.meeting_id}/agenda/{item.id}/documents/new",
                       data=body, content_type=content_type)


def multipart(fields: dict, data: bytes, filename: str) -> tuple[bytes, str]:
    """The request body a browser sends, built in memory.

    The test client would spool a large body to a temporary file it never closes.
    """
    boundary = "----meetingsvc-test-boundary"
    parts = []
    for name, value in fields.items():
        for each in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f"\r\n\r\n{each}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def stored_files(app) -> list[Path]:
    root = Path(app.config["BLOB_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, "PNG")
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user="nguoi-doc", R=6))
    return out.getvalue()


def encrypted_pdf_without_user_password() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user="", R=6))
    return out.getvalue()


def test_a_valid_pdf_is_stored_by_its_hash(app, client, session, item, sample_pdf):
    response = upload(client, item, sample_pdf)
    assert response.status_code == 302
    document = session.scalar(select(Document))
    version = document.current_version
    assert (document.symbol, document.confidentiality, version.number, version.page_count) == (
        "15-NQ/TU", "mat", 1, 3)
    path = Path(app.config["BLOB_DIR"]) / version.blob_sha256[:2] / version.blob_sha256[2:4] / \
        version.blob_sha256
    assert path.read_bytes() == sample_pdf
    assert "document.version_uploaded" in session.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize(("data", "message"), [
    (png_bytes(), "Tệp không phải PDF: đây là tệp PNG"),
    (encrypted_pdf(), "Tệp PDF đã bị mã hóa hoặc đặt mật khẩu"),
    (encrypted_pdf_without_user_password(), "Tệp PDF đã bị mã hóa hoặc đặt mật khẩu"),
    (pdf_bytes(5)[:-300], "Tệp PDF không đầy đủ"),
    (pdf_bytes(5)[:400] + b"\n%%EOF\n", "Tệp PDF bị hỏng"),
    (b"", "Tệp rỗng"),
], ids=["png-renamed", "encrypted", "encrypted-no-user-password", "truncated", "damaged", "empty"])
def test_bad_files_are_refused_with_the_reason_and_leave_nothing(app, client, session, item,
                                                                 data, message):
    response = upload(client, item, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Blob)) == 0
    assert stored_files(app) == []
    refused = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.upload_refused")).all()
    assert len(refused) == 1


def test_an_oversize_file_is_refused_before_it_is_read(app, client, session, item):
    big = b"%PDF-1.7\n" + b"0" * (app.config["MAX_UPLOAD_BYTES"] + 2 * 1024 * 1024)
    response = upload(client, item, big)
    assert response.status_code == 413
    assert "Tệp vượt quá giới hạn 2 MB" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert stored_files(app) == []


def test_a_file_just_over_the_limit_is_refused_while_streaming(app, client, session, item):
    """Under the request limit (which leaves room for the form) but over the file limit."""
    big = b"%PDF-1.7\n" + b"0" * (app.config["MAX_UPLOAD_BYTES"] + 10)
    response = upload(client, item, big)
    assert response.status_code == 422
    assert "Tệp vượt quá giới hạn 2 MB" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert stored_files(app) == []


def test_a_new_version_never_overwrites_the_old(app, client, session, item, sample_pdf):
    upload(client, item, sample_pdf)
    document = session.scalar(select(Document))
    second = pdf_bytes(7)
    response = client.post(
        f"/meetings/{item.meeting_id}/documents/{document.id}/versions",
        data={"file": (io.BytesIO(second), "nghi-quyet-v2.pdf"), "note": "Sửa mục II"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    versions = session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [(v.number, v.page_count, v.note) for v in versions] == [(1, 3, None),
                                                                     (2, 7, "Sửa mục II")]
    assert len(stored_files(app)) == 2
    with client.get(f"/meetings/{item.meeting_id}/documents/{document.id}"
                    "/versions/1/source.pdf") as first:
        assert first.data == sample_pdf


def test_a_refused_new_version_keeps_the_current_one(app, client, session, item, sample_pdf):
    upload(client, item, sample_pdf)
    document = session.scalar(select(Document))
    response = client.post(
        f"/meetings/{item.meeting_id}/documents/{document.id}/versions",
        data={"file": (io.BytesIO(png_bytes()), "anh.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "đây là tệp PNG" in response.get_data(as_text=True)
    session.expire_all()
    assert [v.number for v in session.get(Document, document.id).versions] == [1]
    assert len(stored_files(app)) == 1


def test_named_audience_only_accepts_invited_delegates(client, session, item, make_user,
                                                       sample_pdf):
    outsider = make_user()
    response = upload(client, item, sample_pdf, audience="named", named_user_ids=[outsider.id])
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(Document)) == 0
