"""The demo province must look like a real provincial committee, and its PDFs
must be real, readable, reproducible documents."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date

import pikepdf
import pytest

from meetingsvc.demo.meetings import (
    AUDIENCE_ALL,
    AUDIENCE_STANDING_COMMITTEE,
    Confidentiality,
    DemoMeeting,
    demo_meetings,
    reporting_period,
)
from meetingsvc.demo.pdfs import render_document_pdf, render_generic_pdf, vietnamese_date
from meetingsvc.demo.people import BODIES, GUESTS, MEMBERS, Position, person, username_for

TODAY = date(2026, 11, 10)
SYMBOL = re.compile(r"^\d+-[A-ZĐa-z]+/TU$")


@pytest.fixture(scope="module")
def meetings() -> dict[str, DemoMeeting]:
    return {meeting.body: meeting for meeting in demo_meetings(TODAY)}


def _pdftotext(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def _squeeze(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_executive_committee_has_55_distinct_members_with_distinct_logins() -> None:
    assert len(MEMBERS) == 55
    assert len({p.full_name for p in MEMBERS}) == 55
    usernames = [p.username for p in (*MEMBERS, *GUESTS)]
    assert len(set(usernames)) == len(usernames)
    assert all(re.fullmatch(r"[a-z]+", u) for u in usernames)
    assert all(p.is_member_of("bch") for p in MEMBERS)
    assert 8 <= sum(p.female for p in MEMBERS) <= 25


def test_names_carry_vietnamese_diacritics_and_logins_drop_them() -> None:
    assert username_for("Đặng Quốc Bảo") == "dangquocbao"
    assert any("ư" in p.full_name or "ơ" in p.full_name for p in MEMBERS)
    assert all(p.username == username_for(p.full_name) for p in MEMBERS)


def test_standing_committee_has_15_and_standing_board_4_within_it() -> None:
    standing = [p for p in MEMBERS if p.is_member_of("btv")]
    board = [p for p in MEMBERS if p.is_member_of("tt")]
    assert len(standing) == 15
    assert len(board) == 4
    assert {p.username for p in board} <= {p.username for p in standing}
    positions = sorted(p.position_in("tt") for p in board)
    assert positions.count(Position.SECRETARY) == 1
    assert positions.count(Position.DEPUTY_SECRETARY) == 3
    secretary = next(p for p in board if p.position_in("tt") is Position.SECRETARY)
    assert secretary.position_in("btv") is Position.SECRETARY
    assert secretary.title_vi == "Bí thư Tỉnh ủy"


def test_guests_hold_no_seat() -> None:
    assert len(GUESTS) == 3
    assert all(not p.memberships for p in GUESTS)
    assert set(BODIES) == {"bch", "btv", "tt"}


def test_meetings_have_8_and_12_items_after_today(meetings: dict[str, DemoMeeting]) -> None:
    assert len(meetings["btv"].items) == 8
    assert len(meetings["bch"].items) == 12
    for meeting in meetings.values():
        assert meeting.starts_at.date() > TODAY
        assert meeting.starts_at.weekday() < 5
        assert [item.order for item in meeting.items] == list(range(1, len(meeting.items) + 1))
        for item in meeting.items:
            person(item.presenter)
            person(item.document.signature.signer)
            assert item.document.issued_on < meeting.starts_at.date()
    assert len(meetings["btv"].members) == 15
    assert len(meetings["bch"].members) == 55


def test_one_standing_committee_only_item_in_the_executive_session(
    meetings: dict[str, DemoMeeting],
) -> None:
    audiences = [item.document.audience for item in meetings["bch"].items]
    assert audiences.count(AUDIENCE_STANDING_COMMITTEE) == 1
    assert set(audiences) == {AUDIENCE_ALL, AUDIENCE_STANDING_COMMITTEE}
    assert all(item.document.audience == AUDIENCE_ALL for item in meetings["btv"].items)


def test_confidentiality_mix(meetings: dict[str, DemoMeeting]) -> None:
    for meeting in meetings.values():
        levels = [item.document.confidentiality for item in meeting.items]
        assert levels.count(Confidentiality.MAT) >= 2
    committee = [item.document.confidentiality for item in meetings["bch"].items]
    assert committee.count(Confidentiality.TOI_MAT) == 1
    assert Confidentiality("toi_mat").label_vi == "TỐI MẬT"
    assert Confidentiality.NONE.label_vi == ""


def test_guests_receive_the_programme_but_nothing_classified(
    meetings: dict[str, DemoMeeting],
) -> None:
    for meeting in meetings.values():
        for_guests = [item.document for item in meeting.items if item.document.guests_allowed]
        assert for_guests, meeting.title
        assert meeting.items[0].document.kind.abbreviation == "CTr"
        assert meeting.items[0].document.guests_allowed
        assert len(for_guests) <= 2
        assert all(d.confidentiality is Confidentiality.NONE for d in for_guests)


def test_symbols_are_well_formed_and_unique(meetings: dict[str, DemoMeeting]) -> None:
    documents = [item.document for m in meetings.values() for item in m.items]
    for document in documents:
        assert SYMBOL.fullmatch(document.symbol), document.symbol
        assert 3 <= document.pages <= 12
    assert len({d.symbol for d in documents}) == len(documents)


def test_reporting_period_and_date_line_follow_the_calendar() -> None:
    assert reporting_period(date(2026, 11, 10)) == "9 tháng đầu năm 2026"
    assert reporting_period(date(2026, 2, 1)) == "năm 2025"
    assert vietnamese_date("Sơn Hà", date(2026, 2, 5)) == "Sơn Hà, ngày 05 tháng 02 năm 2026"
    assert vietnamese_date("Sơn Hà", date(2026, 11, 20)) == "Sơn Hà, ngày 20 tháng 11 năm 2026"


@pytest.mark.parametrize("pages", [1, 4, 12])
def test_rendered_pdf_has_the_requested_pages_and_readable_title(
    meetings: dict[str, DemoMeeting], pages: int
) -> None:
    document = meetings["bch"].items[9].document  # the TỐI MẬT personnel submission
    pdf = render_document_pdf(document, pages=pages)
    with pikepdf.open(io.BytesIO(pdf)) as parsed:
        assert len(parsed.pages) == pages
        assert str(parsed.docinfo["/Title"]) == document.title
    text = _squeeze(_pdftotext(pdf))
    assert _squeeze(document.subject) in text
    assert "TỜ TRÌNH" in text
    assert "TỐI MẬT" in text
    assert f"Số {document.symbol}" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert person(document.signature.signer).full_name in text


def test_every_demo_document_renders_its_own_page_count(
    meetings: dict[str, DemoMeeting],
) -> None:
    for item in meetings["btv"].items:
        pdf = render_document_pdf(item.document)
        with pikepdf.open(io.BytesIO(pdf)) as parsed:
            assert len(parsed.pages) == item.document.pages, item.document.symbol


def test_rendering_is_deterministic(meetings: dict[str, DemoMeeting]) -> None:
    document = meetings["btv"].items[3].document
    assert render_document_pdf(document) == render_document_pdf(document)
    other = meetings["btv"].items[4].document
    assert render_document_pdf(document) != render_document_pdf(other)


def test_generic_pdf_has_20_pages_by_default() -> None:
    pdf = render_generic_pdf("Tài liệu kiểm thử hiệu năng", seed=7)
    with pikepdf.open(io.BytesIO(pdf)) as parsed:
        assert len(parsed.pages) == 20
    assert "Tài liệu kiểm thử hiệu năng" in _squeeze(_pdftotext(pdf))
    assert render_generic_pdf("Tài liệu kiểm thử hiệu năng", seed=8) != pdf


def test_a_document_has_at_least_one_page(meetings: dict[str, DemoMeeting]) -> None:
    with pytest.raises(ValueError, match="at least one page"):
        render_document_pdf(meetings["btv"].items[0].document, pages=0)
