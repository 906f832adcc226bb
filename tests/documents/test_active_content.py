"""Nothing active is ever signed: hostile uploads are cleaned, or refused, before storing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.models import Blob, Document
from meetingsvc.documents.sanitize import inspect_active_content, remove_active_content
from tests.documents.hostile_pdfs import (
    ALL_AT_ONCE,
    ALL_CASES,
    PAGES,
    HostileCase,
    active_content_by_pikepdf,
    active_content_by_qpdf,
    page_count,
)
from tests.documents.test_uploads import stored_files, upload


def stored_path(app, session) -> Path:
    version = session.scalar(select(Document)).current_version
    sha = version.blob_sha256
    return Path(app.config["BLOB_DIR"]) / sha[:2] / sha[2:4] / sha


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_the_sanitizer_reports_each_attack_and_removes_it(tmp_path, case: HostileCase):
    with pikepdf.open(io.BytesIO(case.pdf())) as pdf:
        assert dict(inspect_active_content(pdf).counts) == case.expected
        assert dict(remove_active_content(pdf).counts) == case.expected
        assert not inspect_active_content(pdf)
        pdf.save(tmp_path / "clean.pdf")
    assert active_content_by_qpdf(tmp_path / "clean.pdf") == []
    assert active_content_by_pikepdf(tmp_path / "clean.pdf") == []


def test_harmless_navigation_is_kept():
    """A destination to open at, links to pages and to web addresses are not active content."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[1].obj, pikepdf.Name.Fit])
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                              Rect=[0, 0, 10, 10], A=pikepdf.Dictionary(
                                  S=pikepdf.Name.URI, URI=pikepdf.String("https://example.vn")))
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(link)])
    assert not remove_active_content(pdf)
    assert "/OpenAction" in pdf.Root and "/A" in pdf.pages[0].obj.Annots[0]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_an_upload_is_stored_without_active_content(app, client, session, item, tmp_path,
                                                    case: HostileCase):
    original = tmp_path / "original.pdf"
    original.write_bytes(case.pdf())
    assert active_content_by_qpdf(original) and active_content_by_pikepdf(original)

    response = upload(client, item, original.read_bytes())

    assert response.status_code == 302
    stored = stored_path(app, session)
    assert active_content_by_qpdf(stored) == []
    assert active_content_by_pikepdf(stored) == []
    assert page_count(stored) == PAGES
    assert session.scalar(select(Document)).current_version.page_count == PAGES
    assert len(stored_files(app)) == 1  # the cleaned file only: no staging leftovers
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "document.version_uploaded"))
    details = json.loads(event.details)
    assert details["removed"] == {kind.name.lower(): count
                                  for kind, count in case.expected.items()}
    assert details["uploaded_sha256"] != details["sha256"]


def test_the_secretariat_is_told_what_was_removed(app, client, session, item):
    response = upload(client, item, ALL_AT_ONCE.pdf())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã gỡ khỏi tệp trước khi lưu" in page
    assert "JavaScript: 5" in page and "lệnh chạy chương trình: 1" in page
    assert "tệp đính kèm: 2" in page and "biểu mẫu XFA: 1" in page


def test_a_clean_upload_is_stored_as_it_came(app, client, session, item, sample_pdf):
    upload(client, item, sample_pdf)
    assert stored_path(app, session).read_bytes() == sample_pdf
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "document.version_uploaded"))
    assert "removed" not in json.loads(event.details)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_with_policy_refuse_the_upload_is_refused_and_leaves_nothing(app, client, session, item,
                                                                     case: HostileCase):
    app.config["ACTIVE_CONTENT_POLICY"] = "refuse"

    response = upload(client, item, case.pdf())

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tệp PDF chứa nội dung chủ động hoặc ẩn" in page
    assert ActiveKindText.of_first(case) in page
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Blob)) == 0
    assert stored_files(app) == []
    refused = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.upload_refused")).all()
    assert len(refused) == 1 and "active or hidden content" in json.loads(
        refused[0].details)["reason"]


class ActiveKindText:
    """The Vietnamese label the refusal shows for a case's first kind."""

    LABELS = {"JAVASCRIPT": "JavaScript", "LAUNCH": "lệnh chạy chương trình",
              "SUBMIT_FORM": "lệnh gửi dữ liệu biểu mẫu", "IMPORT_DATA": "lệnh nhập dữ liệu",
              "EMBEDDED_FILE": "tệp đính kèm", "RICH_MEDIA": "chú thích RichMedia",
              "XFA": "biểu mẫu XFA"}

    @classmethod
    def of_first(cls, case: HostileCase) -> str:
        kind, count = next(iter(case.expected.items()))
        return f"{cls.LABELS[kind.name]}: {count}"
