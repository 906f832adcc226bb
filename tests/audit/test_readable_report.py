"""The verification report reads entirely in the auditor's language: verdicts, certificate
names, change descriptions and the signing library's sentences; numbers and times as
the office writes them. Only the collapsed technical details keep the library's codes
and English text, for experts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale

from meetingsvc.audit.readable import (
    library_message,
    log_problem,
    name_fields,
    signature_reason,
    verdict_reason,
)
from tests.audit.conftest import draw_on_first_page, incremental_update
from tests.conftest import pdf_bytes

#: Words of the library and of an English interface that must not reach a Vietnamese page.
ENGLISH = ["valid", "invalid", "intact", "signer", "signature", "signed", "certificate",
           "certificates", "modified", "revision", "revisions", "whole file", "timestamp",
           "trusted", "revoked", "chain", "passed", "failed", "indeterminate", "unknown",
           "hash", "changes", "changed", "issued", "delegate", "meeting", "document",
           "file", "page", "common name", "organization", "country", "key usage",
           "digital", "there are", "unexplained", "xrefs", "not", "the", "and", "of"]
#: Words of the Vietnamese interface that must not reach an English page.
VIETNAMESE = ["Hợp lệ", "Không hợp lệ", "Chữ ký", "chữ ký", "Chứng thư", "chứng thư",
              "Tệp", "Tên chung", "Tổ chức", "Quốc gia", "Người ký", "Bản phát hành",
              "Toàn bộ tệp", "Chi tiết kỹ thuật", "dấu thời gian", "nguyên vẹn", "Kiểm tra",
              "Báo cáo thẩm định", "Đại biểu", "Tải báo cáo"]


class _VisibleText(HTMLParser):
    """The text a reader sees in <main>, without the collapsed technical details."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.technical: list[str] = []
        self._main = 0
        self._skip = 0
        self._depth = 0
        self._tech_depth: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "input", "img", "meta", "link"):
            return
        self._depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if tag == "main":
            self._main = self._depth
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "details" and "tech" in classes and self._tech_depth is None:
            self._tech_depth = self._depth

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "input", "img", "meta", "link"):
            return
        if tag in ("script", "style"):
            self._skip -= 1
        if self._tech_depth == self._depth:
            self._tech_depth = None
        if self._main == self._depth:
            self._main = 0
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._main or self._skip:
            return
        (self.technical if self._tech_depth is not None else self.parts).append(data)


def visible(page: str) -> tuple[str, str]:
    """The page's readable text, and the text of its technical details."""
    parser = _VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split()), " ".join(" ".join(parser.technical).split())


def english_words(text: str) -> list[str]:
    return [word for word in ENGLISH
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)]


@pytest.fixture
def three_reports(small_issue, auditor, sign_in, upload):
    """A valid issued copy, the same copy drawn on after signing, and an unsigned file."""
    sign_in(auditor)
    original = small_issue.signed_bytes("nkthang")
    ids = [upload(data, name, as_json=True).json["id"] for data, name in (
        (original, "ban-goc.pdf"), (incremental_update(original, draw_on_first_page),
                                    "ban-da-sua.pdf"), (pdf_bytes(2), "khong-ky.pdf"))]
    return ids, original


def test_reports_read_in_vietnamese_with_library_text_only_in_the_details(
        client, three_reports):
    ids, original = three_reports
    pages = [client.get(f"/audit/verifications/{i}").get_data(as_text=True) for i in ids]
    for page in pages:
        text, technical = visible(page)
        assert english_words(text) == [], text
    valid, tampered, unsigned = (visible(p)[0] for p in pages)
    assert "Hợp lệ" in valid and "Tên chung (CN)" in pages[0] and "Quốc gia (C)" in pages[0]
    assert "VN (Việt Nam)" in pages[0] and "Chữ ký số, Chống chối bỏ" in pages[0]
    # Numbers and times as the office writes them: 12.345 byte, (UTC+7).
    size = f"{len(original):,}".replace(",", ".")
    assert f"{size} byte" in valid and "(UTC+7)" in valid
    assert "Không hợp lệ" in tampered and "Lần cập nhật 2 thay đổi các đối tượng" in tampered
    assert "Không hợp lệ" in unsigned and "Tệp này không có chữ ký số" in unsigned
    # The library's own words stay available to an expert, collapsed.
    technical = visible(pages[1])[1]
    assert "TOTAL-FAILED / MODIFIED_AFTER_SIGNING" in technical
    assert "There are unexplained xrefs in revision 2" in technical


def test_the_same_reports_read_in_english_when_chosen(client, three_reports):
    ids, _ = three_reports
    client.get("/lang/en")
    for report_id in ids:
        page = client.get(f"/audit/verifications/{report_id}").get_data(as_text=True)
        text, _technical = visible(page)
        assert [w for w in VIETNAMESE if w in text] == [], text
    valid = visible(client.get(f"/audit/verifications/{ids[0]}").get_data(as_text=True))[0]
    assert "Valid" in valid and "Common name (CN)" in valid and "(UTC+7)" in valid
    assert "VN (Vietnam)" in valid and "Digital signature" in valid


def test_library_sentences_are_translated_or_summarised_and_kept(app):
    with app.test_request_context("/"):
        known = library_message("There are unexplained xrefs in revision 2: <1 0 R>.",
                                "modification")
        assert known is not None and known.known
        assert known.text.startswith("Lần cập nhật 2 thay đổi các đối tượng")
        odd = library_message("Frobnicated the quux beyond repair", "problem")
        assert odd is not None and not odd.known
        assert odd.original == "Frobnicated the quux beyond repair"
        assert "chi tiết kỹ thuật" in odd.text and english_words(odd.text) == []
        size = library_message("file larger than 104857600 bytes", "format")
        assert size is not None and "104.857.600 byte (100 MB)" in size.text
        assert library_message(None, "format") is None
    with app.test_request_context("/"), force_locale("en"):
        odd = library_message("Frobnicated the quux beyond repair", "problem")
        assert odd is not None and odd.text.startswith("Part of this signature")


def test_a_name_kept_only_as_text_is_still_read_field_by_field(app):
    """Reports kept before names were stored field by field show them labelled too."""
    with app.test_request_context("/"):
        fields = name_fields(None, "Common Name: Văn phòng Tỉnh ủy, Organization: Tỉnh ủy "
                                   "Quảng Ninh, Country: VN")
        assert [(f.label, f.value) for f in fields] == [
            ("Tên chung (CN)", "Văn phòng Tỉnh ủy"), ("Tổ chức (O)", "Tỉnh ủy Quảng Ninh"),
            ("Quốc gia (C)", "VN (Việt Nam)")]
        with_comma = name_fields(None, "Common Name: Nguyễn, Văn A; Country: VN")
        assert [f.value for f in with_comma] == ["Nguyễn, Văn A", "VN (Việt Nam)"]


def test_an_untrusted_timestamp_authority_is_named_as_the_reason(app):
    """The signer chains to the office's root, its timestamp authority does not: the
    report says which of the two is not trusted, not just "no chain"."""
    signature = {"indication": "INDETERMINATE", "sub_indication": "NO_CERTIFICATE_CHAIN_FOUND",
                 "trusted": True, "timestamp": {"valid": True, "trusted": False}}
    with app.test_request_context("/"):
        assert signature_reason(signature) == \
            "đơn vị cấp dấu thời gian không có chuỗi đến gốc tin cậy"
        assert verdict_reason({"indication": "INDETERMINATE",
                               "sub_indication": "NO_CERTIFICATE_CHAIN_FOUND",
                               "signatures": [signature]}) == signature_reason(signature)
        assert "không có chuỗi đến gốc tin cậy" in signature_reason(
            signature | {"trusted": False, "timestamp": None})


def test_the_log_checks_findings_read_in_vietnamese(app):
    findings = {
        "checkpoint #3: its columns differ from what was signed":
            "Điểm kiểm soát #3: các cột khác với nội dung đã ký.",
        "checkpoint #4 covers row 120, past the last row (98): rows were deleted from the "
        "end of the log": "Điểm kiểm soát #4 xác nhận đến dòng 120, vượt quá dòng cuối cùng (98)",
        "checkpoint #5: row 77 it covers is missing (deleted)": "dòng 77 mà điểm này xác nhận",
        "checkpoint #6: CMS signature does not verify": "#6: chữ ký số không hợp lệ",
    }
    with app.test_request_context("/"):
        for finding, words in findings.items():
            read = log_problem(finding)
            assert read.known and words in read.text and read.original == finding
            assert english_words(read.text) == [], read.text
        assert not log_problem("something new").known
