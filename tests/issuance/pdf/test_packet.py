"""Cover, agenda and the merged packet: what the delegate reads first, and where it leads."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest

from meetingsvc.demo.pdfs import render_generic_pdf
from meetingsvc.issuance.pdf import (
    PORTAL_NOTE,
    CopyStamp,
    Listing,
    PacketDocument,
    PacketInfo,
    PacketItem,
    PreparedDocument,
    assemble_packet,
    merge_documents,
    personalise,
    prepare_document,
    render_cover_and_agenda,
    start_pages,
    vietnamese_date_line,
    vietnamese_datetime,
)

from .conftest import DELEGATE, make_stamp, pdftotext, qpdf_check, render_png, write

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def _symbol(seed: int) -> str:
    """The symbol render_generic_pdf prints for ``seed``."""
    return f"{100 + seed}-BC/TU"


def _packet(items: tuple[PacketItem, ...], **overrides: object) -> PacketInfo:
    fields: dict[str, object] = dict(
        body_name="Ban Chấp hành Đảng bộ tỉnh", session_number=12,
        meeting_title="Kiểm điểm công tác năm 2026, quyết định nhiệm vụ năm 2027",
        starts_at=datetime(2026, 12, 7, 7, 30, tzinfo=VIETNAM),
        place="Hội trường Tỉnh ủy", delegate_name=DELEGATE,
        delegate_title="Tỉnh ủy viên, Giám đốc Sở Tài chính", copy_number=7, copy_total=55,
        items=items, copy_id="K7Q2-9XM4", organisation="ĐẢNG BỘ TỈNH SƠN HÀ",
        issued_place="Sơn Hà", issued_on=date(2026, 12, 1))
    fields.update(overrides)
    return PacketInfo(**fields)  # type: ignore[arg-type]


ITEMS = (
    PacketItem(1, "Khai mạc hội nghị", "đồng chí Bí thư Tỉnh ủy",
               (PacketDocument(_symbol(1), "Chương trình hội nghị", "", 2),)),
    PacketItem(2, "Báo cáo tình hình kinh tế - xã hội năm 2026", "đồng chí Chủ tịch UBND tỉnh",
               (PacketDocument(_symbol(2), "Báo cáo kinh tế - xã hội", "MẬT", 5),
                PacketDocument(_symbol(3), "Dự thảo Nghị quyết năm 2027", "", 3))),
    PacketItem(3, "Công tác cán bộ", "đồng chí Trưởng Ban Tổ chức",
               (PacketDocument(_symbol(4), "Tờ trình về công tác cán bộ", "TỐI MẬT", 4),)),
    PacketItem(4, "Bế mạc hội nghị", "", ()),
)


def test_vietnamese_dates() -> None:
    assert vietnamese_datetime(datetime(2026, 12, 7, 7, 30)) == "Thứ Hai, ngày 07/12/2026, 07:30"
    assert vietnamese_datetime(datetime(2026, 12, 13, 14, 0)).startswith("Chủ nhật")
    assert vietnamese_date_line("Sơn Hà", date(2026, 2, 5)) == "Sơn Hà, ngày 05 tháng 02 năm 2026"
    assert vietnamese_date_line("Sơn Hà", date(2026, 12, 1)) == "Sơn Hà, ngày 01 tháng 12 năm 2026"


def test_cover_shows_the_meeting_and_the_delegate(font_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "front.pdf", render_cover_and_agenda(_packet(ITEMS),
                                                                font_dir=font_dir))
    qpdf_check(path)
    cover = " ".join(pdftotext(path, 1).split())
    for expected in ("VĂN PHÒNG TỈNH ỦY", "ĐẢNG CỘNG SẢN VIỆT NAM",
                     "Sơn Hà, ngày 01 tháng 12 năm 2026", "BAN CHẤP HÀNH ĐẢNG BỘ TỈNH",
                     "HỘI NGHỊ LẦN THỨ 12", "Thứ Hai, ngày 07/12/2026, 07:30",
                     "Hội trường Tỉnh ủy", DELEGATE, "Tỉnh ủy viên, Giám đốc Sở Tài chính",
                     "Bản số 07/55", "TỐI MẬT",
                     "Tài liệu ký số — kiểm tra tính xác thực bằng mã QR trên từng văn bản"):
        assert expected in cover, expected


def test_cover_without_optional_fields(font_dir: Path, tmp_path: Path) -> None:
    plain = tuple(PacketItem(i.position, i.title, i.presenter,
                             tuple(d._replace(confidentiality_mark="") for d in i.documents))
                  for i in ITEMS)
    info = _packet(plain, organisation="", issued_on=None, copy_id="",
                   starts_at="Sáng thứ Hai, 07/12/2026")
    path = write(tmp_path, "front.pdf", render_cover_and_agenda(info, font_dir=font_dir))
    qpdf_check(path)
    cover = " ".join(pdftotext(path, 1).split())
    assert "Sáng thứ Hai, 07/12/2026" in cover
    assert "Không có tài liệu mật" in cover


def test_documents_may_be_given_as_plain_tuples() -> None:
    item = PacketItem(1, "Khai mạc", "", (("08-CTr/TU", "Chương trình", "", 2),))  # type: ignore[arg-type]
    assert item.documents[0].page_count == 2
    with pytest.raises(ValueError, match="page_count"):
        PacketItem(1, "Khai mạc", "", (PacketDocument("08-CTr/TU", "Chương trình", "", 0),))


def _agenda_rows(path: Path, pages: range) -> dict[str, int]:
    """Agenda line (spaces collapsed, mark left out) → the page number ending it."""
    rows: dict[str, int] = {}
    for page in pages:
        for line in pdftotext(path, page, layout=True).splitlines():
            match = re.match(r"\s*(\S.*?)\s+(\d+)\s*$", line)
            if match:
                text = re.sub(r"\s+(TỐI MẬT|TUYỆT MẬT|MẬT)$", "", " ".join(match[1].split()))
                rows[text] = int(match[2])
    return rows


@pytest.fixture(scope="module")
def prepared(font_dir: Path) -> dict[str, PreparedDocument]:
    """Prepared generic documents whose first page shows their symbol."""
    result = {}
    for item in ITEMS:
        for document in item.documents:
            seed = int(document.symbol.split("-")[0]) - 100
            source = render_generic_pdf(document.title, document.page_count, seed)
            result[document.symbol] = prepare_document(source, font_dir=font_dir)
    return result


def _assemble(items: tuple[PacketItem, ...], prepared: dict[str, PreparedDocument],
              font_dir: Path, stamp: CopyStamp | None = None) -> bytes:
    front = render_cover_and_agenda(_packet(items), font_dir=font_dir)
    documents = [prepared[d.symbol] for item in items for d in item.documents if d.merged]
    return assemble_packet(front, items, merge_documents(documents),
                           [stamp or make_stamp()] * len(documents))


def test_agenda_page_numbers_lead_to_the_documents(
        prepared: dict[str, PreparedDocument], font_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "packet.pdf", _assemble(ITEMS, prepared, font_dir))
    qpdf_check(path)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2 + 2 + 5 + 3 + 4
    rows = _agenda_rows(path, range(2, 3))
    assert rows["1. Khai mạc hội nghị"] == 3
    assert rows["3. Công tác cán bộ"] == 3 + 2 + 5 + 3
    for item in ITEMS:
        for document in item.documents:
            start = next(v for k, v in rows.items() if k.startswith(document.symbol))
            text = pdftotext(path, start)
            assert f"Số {document.symbol}" in text, document.symbol
            assert f"Trang 1/{document.page_count}" in text
            assert f"Trang {document.page_count}/{document.page_count}" in \
                pdftotext(path, start + document.page_count - 1)


def test_outline_has_the_agenda(prepared: dict[str, PreparedDocument], font_dir: Path) -> None:
    data = _assemble(ITEMS, prepared, font_dir)
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}

        def target(entry: pikepdf.OutlineItem) -> int:
            return index[entry.destination[0].objgen]

        top = [(entry.title, target(entry)) for entry in outline.root]
        assert top == [("Bìa", 0), ("Chương trình", 1), ("1. Khai mạc hội nghị", 2),
                       ("2. Báo cáo tình hình kinh tế - xã hội năm 2026", 4),
                       ("3. Công tác cán bộ", 12), ("4. Bế mạc hội nghị", 1)]
        children = [(c.title, target(c)) for c in outline.root[3].children]
        assert children == [(f"{_symbol(2)} — Báo cáo kinh tế - xã hội", 4),
                            (f"{_symbol(3)} — Dự thảo Nghị quyết năm 2027", 9)]


def test_long_agenda_moves_every_number(prepared: dict[str, PreparedDocument], font_dir: Path,
                                        tmp_path: Path) -> None:
    many = tuple(PacketItem(k * 4 + item.position, item.title, item.presenter, item.documents)
                 for k in range(6) for item in ITEMS)
    path = write(tmp_path, "packet.pdf", _assemble(many, prepared, font_dir))
    qpdf_check(path)
    with pikepdf.open(path) as pdf:
        front = len(pdf.pages) - 6 * 14
    assert front > 2  # the agenda took more than one page
    expected = start_pages(front, many)
    rows = _agenda_rows(path, range(2, front + 1))
    assert rows["21. Khai mạc hội nghị"] == expected[20][0]
    assert f"Số {_symbol(1)}" in pdftotext(path, expected[20][0])


def test_copies_must_match_the_agenda(prepared: dict[str, PreparedDocument],
                                     font_dir: Path) -> None:
    front = render_cover_and_agenda(_packet(ITEMS[:1]), font_dir=font_dir)
    body = merge_documents([prepared[_symbol(1)]])
    wrong = PacketItem(1, "Khai mạc hội nghị", "",
                       (PacketDocument(_symbol(1), "Chương trình", "", 3),))
    with pytest.raises(ValueError, match="agenda counted 3"):
        assemble_packet(front, (wrong,), body, [make_stamp()])
    with pytest.raises(ValueError, match="1 documents and 0 stamps"):
        assemble_packet(front, ITEMS[:1], body, [])
    with pytest.raises(ValueError, match="for 0 documents on the agenda"):
        assemble_packet(front, (PacketItem(1, "Bế mạc", "", ()),), body, [make_stamp()])


def test_each_packet_from_one_body_carries_its_own_stamps(
        prepared: dict[str, PreparedDocument], font_dir: Path, tmp_path: Path) -> None:
    """One body, two delegates: each packet's every page names its own delegate, the
    body is unchanged, and the packet is the body plus one update that qpdf accepts
    (the issue-flow tests run pdfsig on signed packets)."""
    documents = [prepared[d.symbol] for item in ITEMS for d in item.documents]
    body = merge_documents(documents)
    before = body.pdf
    front = render_cover_and_agenda(_packet(ITEMS), font_dir=font_dir)
    for number, name in ((3, "Trần Thị Bình"), (4, "Lê Văn Cường")):
        data = assemble_packet(front, ITEMS, body, [
            make_stamp(number, name=name, copy_id=f"REF-{number}")] * len(documents))
        assert data.startswith(body.pdf)
        path = write(tmp_path, f"packet-{number}.pdf", data)
        qpdf_check(path)
        text = pdftotext(path)
        pages = text.split("\f")[2:-1]  # after the cover and agenda
        assert len(pages) == sum(d.page_count for d in documents)
        assert all(f"Bản số 0{number}/55" in " ".join(page.split()) for page in pages)
        assert all(name in " ".join(page.split()) for page in pages)
    assert body.pdf == before


def test_a_document_twice_is_stamped_twice(prepared: dict[str, PreparedDocument],
                                           font_dir: Path, tmp_path: Path) -> None:
    """The same source under two agenda items: each place gets its own stamp."""
    document = prepared[_symbol(1)]
    items = tuple(PacketItem(k, f"Nội dung {k}", "",
                             (PacketDocument(_symbol(1), "Chương trình", "", 2),))
                  for k in (1, 2))
    front = render_cover_and_agenda(_packet(items), font_dir=font_dir)
    data = assemble_packet(front, items, merge_documents([document, document]),
                           [make_stamp(1), make_stamp(2)])
    path = write(tmp_path, "twice.pdf", data)
    pages = pdftotext(path).split("\f")[2:-1]
    assert ["Bản số 01/55" in " ".join(p.split()) for p in pages] == [True, True, False, False]
    assert ["Bản số 02/55" in " ".join(p.split()) for p in pages] == [False, False, True, True]


def test_a_packet_with_nothing_merged_is_its_cover_and_agenda(font_dir: Path,
                                                               tmp_path: Path) -> None:
    """Every paper read in the portal: an empty body, and the packet still opens."""
    items = (PacketItem(1, "Khai mạc", "", (PacketDocument(
        _symbol(1), "Chương trình", "MẬT", 0, PORTAL_NOTE, Listing.PORTAL),)),)
    front = render_cover_and_agenda(_packet(items), font_dir=font_dir)
    path = write(tmp_path, "empty.pdf", assemble_packet(front, items, merge_documents([]), []))
    qpdf_check(path)
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        assert len(pdf.pages) == 2
        assert [entry.title for entry in outline.root] == ["Bìa", "Chương trình",
                                                           "1. Khai mạc"]
    assert PORTAL_NOTE in pdftotext(path, 2)


def test_congress_sized_packet_merges_quickly(font_dir: Path) -> None:
    """30 documents of 20 pages: the merge grows with the pages, not their square."""
    document = prepare_document(render_generic_pdf("Báo cáo", 20, 5), font_dir=font_dir)
    items = tuple(PacketItem(k + 1, f"Nội dung {k + 1}", "",
                             (PacketDocument(f"{k + 1}-BC/TU", "Báo cáo", "", 20),))
                  for k in range(30))
    front = render_cover_and_agenda(_packet(items), font_dir=font_dir)
    data = assemble_packet(front, items, merge_documents([document] * 30), [make_stamp()] * 30)
    with pikepdf.open(io.BytesIO(front)) as cover, pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == len(cover.pages) + 600


def test_every_packet_page_looks_and_reads_as_the_copy_does(
        three_papers: list[PreparedDocument], font_dir: Path, tmp_path: Path) -> None:
    """Page for page, the packet renders pixel for pixel as each document's own copy
    for the same delegate, and its text reads the same: keeping each font once
    (``shared_fonts``, the stamp's fonts and equal subsets of the papers' own)
    changed no glyph and no ToUnicode map."""
    documents = three_papers
    items = tuple(PacketItem(k + 1, f"Báo cáo {k + 1}", "",
                             (PacketDocument(f"{k + 1}-BC/TU", f"Báo cáo {k + 1}", "", 3),))
                  for k in range(3))
    stamp = make_stamp(9, name="Trần Thị Bình")
    front = render_cover_and_agenda(_packet(items), font_dir=font_dir)
    packet = write(tmp_path, "packet.pdf",
                   assemble_packet(front, items, merge_documents(documents), [stamp] * 3))
    qpdf_check(packet)
    with pikepdf.open(io.BytesIO(front)) as cover:
        first = len(cover.pages) + 1
    for index, document in enumerate(documents):
        copy = write(tmp_path, f"copy-{index}.pdf", personalise(document, stamp))
        for page in range(1, 4):
            in_packet = first + 3 * index + page - 1
            assert pdftotext(packet, in_packet) == pdftotext(copy, page)
            assert (render_png(packet, in_packet, tmp_path / f"p{index}-{page}")
                    == render_png(copy, page, tmp_path / f"c{index}-{page}"))
