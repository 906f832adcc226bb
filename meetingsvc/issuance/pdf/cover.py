"""The front of a delegate's packet: a cover sheet and the agenda with page numbers.

Laid out like a Party document (issuing body and "ĐẢNG CỘNG SẢN VIỆT NAM" at the
top, 30/20/25 mm margins, DejaVu Serif standing in for Times New Roman). The
agenda prints the packet page where each item and document starts; those
depend on how many pages the front itself takes, so the agenda rows are measured
and paginated first and drawn once the numbers are known.

A congress issues hundreds of packets at once, so the expensive parts are done
once per process: each DejaVu face is cut down to the Vietnamese character set
(:func:`_font_program`; fpdf2 would otherwise parse a whole face for every sheet
and subset it again on output), and an agenda is measured once for every delegate
who gets the same one (:func:`_agenda_layout`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import TTFFont

from signing.font import VIETNAMESE_CHARSET

from .packet_info import (
    Listing,
    PacketInfo,
    PacketItem,
    start_pages,
    vietnamese_date_line,
)
from .stamp import SIGNATURE_ZONE, copy_label

__all__ = ["render_cover_and_agenda"]

_FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_LEFT, _RIGHT, _TOP, _BOTTOM = 30.0, 190.0, 25.0, 272.0
_WIDTH = _RIGHT - _LEFT
_RED = (180, 0, 0)
_NUMBER_W, _PAGE_W, _MARK_W, _MAX_SYMBOL_W = 10.0, 14.0, 22.0, 45.0
_LINE = 5.4
# The caller gives the meeting's time in the office's zone (OFFICE_TIMEZONE); a time or
# date without one is written as UTC in the file's metadata.
_FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)
_VERIFY_LINE = "Tài liệu ký số — kiểm tra tính xác thực bằng mã QR trên từng văn bản"
_PT = 25.4 / 72
#: The footer ends here: right of it, the bottom corner holds the office's signature
#: (``SIGNATURE_ZONE``), so "Trang x/N" is printed at the top right instead, under
#: the copy number, as on every personalised copy.
_FOOTER_END = 210.0 - SIGNATURE_ZONE[0] * _PT - 2.0
_ISSUED_NOTE = ("Độ mật cao nhất: của mọi tài liệu cấp cho đồng chí, kể cả tài liệu "
                "đọc trên cổng và bản giấy.")


@dataclass(frozen=True)
class _Row:
    """One agenda row, measured: an item heading or one of its documents."""

    item: int
    document: int | None
    lines: tuple[str, ...]
    """Wrapped title; for an item, the wrapped presenter line follows."""
    title_lines: int
    """How many of :attr:`lines` are the title (bold for an item); the rest, the presenter."""
    height: float


@dataclass(frozen=True)
class _AgendaLayout:
    """An agenda measured, before its page numbers are known."""

    symbol_w: float
    """Width of the symbol column."""
    rows: tuple[_Row, ...]
    first_top: float
    """Where the first row starts on the first agenda page, below the heading."""


class _Sheet(FPDF):
    copy_label = ""
    page_label = ""
    footer_left = ""

    def header(self) -> None:
        """ "Bản số 01/58" and "Trang 1/48" at the top right of every front page."""
        self.set_font(_FAMILY, "B", 11)
        self.set_xy(_RIGHT - 60, 10)
        self.cell(60, 5, self.copy_label, align="R")
        self.set_font(_FAMILY, "", 9)
        self.set_xy(_RIGHT - 60, 15)
        self.cell(60, 4, self.page_label.format(page=self.page_no()), align="R")

    def footer(self) -> None:
        self.set_text_color(80, 80, 80)
        _fitted_cell(self, _LEFT, 297 - 14, _FOOTER_END - _LEFT, self.footer_left, "", 8)
        self.set_text_color(0, 0, 0)


@functools.lru_cache(maxsize=16)
def _font_program(path: Path, extra: frozenset[str]) -> bytes:
    """The TrueType font at ``path`` cut down to the Vietnamese character set and ``extra``.

    fpdf2 then embeds the same glyphs with the same widths as from the whole face
    (glyph names, hinting and the face's metrics are kept), but loads and subsets a
    few hundred glyphs instead of several thousand.
    """
    font = ttLib.TTFont(str(path), recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "kern", "meta"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(ch) for ch in VIETNAMESE_CHARSET | extra))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _extra_characters(texts: Iterable[str]) -> frozenset[str]:
    """Characters of ``texts`` outside the Vietnamese set (a Russian guest's name, a
    "≤"): the fonts are cut down with them too, so they print as from the whole face."""
    return frozenset("".join(texts)) - VIETNAMESE_CHARSET


def _packet_texts(packet: PacketInfo) -> Iterable[str]:
    """Every text of ``packet`` the sheet prints, as given and in capitals."""
    texts = [packet.body_name, packet.meeting_name, packet.meeting_title,
             packet.starts_at_text, packet.place, packet.delegate_name, packet.delegate_title,
             packet.copy_id, packet.office_name, packet.organisation, packet.issued_place,
             packet.confidentiality_mark or ""]
    for item in packet.items:
        texts += [item.title, item.presenter]
        for document in item.documents:
            texts += [document.symbol, document.title, document.confidentiality_mark,
                      document.note]
    return [*texts, *(text.upper() for text in texts)]


def _blank_sheet(font_dir: Path, extra: frozenset[str]) -> _Sheet:
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        # What FPDF.add_font does, from the cached subset instead of the file
        # (fontTools reads a file object as well as a path).
        program = io.BytesIO(_font_program(Path(font_dir) / name, extra))
        font = TTFFont(pdf, program, f"{_FAMILY.lower()}{style}", style)  # type: ignore[arg-type]
        # The glyphs keep their bounding boxes; recomputing them on output would
        # decompile and recompile every glyph of every sheet.
        font.ttfont.recalcBBoxes = False
        pdf.fonts[font.fontkey] = font
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, _TOP, 297 - _RIGHT)
    return pdf


def _sheet(font_dir: Path, packet: PacketInfo, extra: frozenset[str]) -> _Sheet:
    pdf = _blank_sheet(font_dir, extra)
    # A fixed creation date, so the same packet always renders to the same bytes.
    if isinstance(packet.starts_at, datetime):
        pdf.set_creation_date(packet.starts_at if packet.starts_at.tzinfo
                              else packet.starts_at.replace(tzinfo=UTC))
    elif packet.issued_on is not None:
        pdf.set_creation_date(datetime.combine(packet.issued_on, time(8, 0), UTC))
    else:
        pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(f"Tài liệu {packet.meeting_name} — {packet.delegate_name}")
    pdf.set_creator("meetingsvc")
    pdf.set_lang("vi")
    label = copy_label(packet.copy_number, packet.copy_total)
    pdf.copy_label = label
    pdf.footer_left = f"{label} · {packet.delegate_name}" + (
        f" · Mã bản: {packet.copy_id}" if packet.copy_id else "")
    return pdf


def _centred(pdf: FPDF, y: float, text: str, style: str, size: float, *,
             centre: float = _LEFT + _WIDTH / 2, width: float = _WIDTH) -> float:
    """A centred, wrapped block at ``y``; returns the y below it."""
    pdf.set_font(_FAMILY, style, size)
    height = size * 0.5
    pdf.set_xy(centre - width / 2, y)
    pdf.multi_cell(width, height, text, align="C")
    return pdf.get_y()


def _header(pdf: FPDF, packet: PacketInfo) -> float:
    """Issuing office left, the Party's name and the date right, as on Party documents."""
    left, right = _LEFT + 37, _LEFT + 117
    y = _TOP
    if packet.organisation:
        y = _centred(pdf, y, packet.organisation, "", 12, centre=left, width=74)
    y = _centred(pdf, y, packet.office_name, "B", 12, centre=left, width=74)
    y = _centred(pdf, y, "*", "", 12, centre=left, width=74)
    mark = packet.highest_mark
    if mark:
        pdf.set_font(_FAMILY, "B", 13)
        width = pdf.get_string_width(mark) + 6
        pdf.set_draw_color(*_RED)
        pdf.set_text_color(*_RED)
        pdf.set_line_width(0.5)
        pdf.rect(left - width / 2, y + 2, width, 8)
        pdf.set_xy(left - width / 2, y + 2)
        pdf.cell(width, 8, mark, align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        y += 10
    pdf.set_font(_FAMILY, "B", 12.5)
    party = "ĐẢNG CỘNG SẢN VIỆT NAM"
    r = _centred(pdf, _TOP, party, "B", 12.5, centre=right, width=86)
    half = pdf.get_string_width(party) / 2
    pdf.set_line_width(0.3)
    pdf.line(right - half, r, right + half, r)
    if packet.issued_on is not None:
        line = vietnamese_date_line(packet.issued_place, packet.issued_on)
        if not packet.issued_place:
            line = "N" + line[len(", n"):]  # "Ngày 01 tháng 12 năm 2026"
        r = _centred(pdf, r + 3, line, "I", 12, centre=right, width=86)
    return max(y, r)


def _count(documents: int) -> str:
    return f"{documents} văn bản"


def _contents_rows(packet: PacketInfo, total_pages: int) -> list[tuple[str, str, str]]:
    """What the delegate receives and where: in this file, in the portal, on paper."""
    documents = len(packet.merged_documents)
    rows = []
    if documents:
        rows.append(("Trong tập này:", f"{_count(documents)}, {packet.document_pages} trang "
                                       f"(cả tập {total_pages} trang)", ""))
    else:
        rows.append(("Trong tập này:", "Chỉ có bìa và chương trình; không có văn bản nào "
                                       "tải về được", ""))
    portal = packet.listed(Listing.PORTAL)
    if portal:
        rows.append(("Đọc trên cổng:", f"{_count(len(portal))} (không có trong tập này)", ""))
    paper = packet.listed(Listing.PAPER)
    if paper:
        rows.append(("Bản giấy:", f"{_count(len(paper))} (Văn phòng giao tận tay, không có "
                                  f"trong tập này)", ""))
    recalled = packet.listed(Listing.RECALLED)
    if recalled:
        rows.append(("Đã thu hồi:", _count(len(recalled)), ""))
    return rows


def _cover(pdf: _Sheet, packet: PacketInfo, total_pages: int) -> None:
    y = _header(pdf, packet) + 30
    y = _centred(pdf, y, "TÀI LIỆU", "B", 20) + 3
    y = _centred(pdf, y, packet.body_name.upper(), "B", 15) + 1
    y = _centred(pdf, y, packet.meeting_name.upper(), "B", 15) + 3
    y = _centred(pdf, y, packet.meeting_title, "B", 13, width=_WIDTH - 20)
    y = _centred(pdf, y, "-----", "", 12) + 6
    y = _centred(pdf, y, f"Thời gian: {packet.starts_at_text}", "", 12)
    y = _centred(pdf, y + 1, f"Địa điểm: {packet.place}", "", 12, width=_WIDTH - 20) + 14

    mark = packet.highest_issued_mark
    rows = [
        ("Cấp cho đồng chí:", packet.delegate_name, "B"),
        *([("Chức vụ:", packet.delegate_title, "")] if packet.delegate_title else []),
        ("Bản số:", copy_label(packet.copy_number, packet.copy_total)[len("Bản số "):], "B"),
        ("Độ mật cao nhất:", mark or "Không có tài liệu mật", "B" if mark else ""),
        *_contents_rows(packet, total_pages),
    ]
    top = y
    box_left, label_w = _LEFT + 8, 42.0
    y += 4
    for label, value, style in rows:
        pdf.set_font(_FAMILY, "", 12)
        pdf.set_xy(box_left + 4, y)
        pdf.cell(label_w, 6.5, label)
        pdf.set_font(_FAMILY, style, 12)
        if label.startswith("Độ mật") and mark:
            pdf.set_text_color(*_RED)
        pdf.set_xy(box_left + 4 + label_w, y)
        pdf.multi_cell(_WIDTH - 16 - 8 - label_w, 6.5, value, align="L")
        pdf.set_text_color(0, 0, 0)
        y = pdf.get_y()
    pdf.set_line_width(0.4)
    pdf.rect(box_left, top, _WIDTH - 16, y + 4 - top)

    y += 4
    if mark and mark != packet.highest_mark:
        # The file holds less than the delegate was issued: say what the line counts.
        y = _centred(pdf, y + 2, _ISSUED_NOTE, "I", 10, width=_WIDTH - 16)
    y = max(y + 12, _BOTTOM - 22)
    y = _centred(pdf, y, _VERIFY_LINE, "I", 11)
    if packet.highest_mark:  # what the file itself holds
        _centred(pdf, y + 1, "Tài liệu mật: bảo quản, sử dụng và hoàn trả theo quy định; "
                             "không sao chụp.", "I", 10.5)


def _wrap(pdf: FPDF, width: float, height: float, text: str) -> list[str]:
    """How the current font breaks ``text`` into lines of ``width``, without drawing."""
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return [str(line) for line in lines]


def _symbol_width(pdf: FPDF, items: tuple[PacketItem, ...]) -> float:
    """Width of the symbol column: the widest symbol, within reason."""
    pdf.set_font(_FAMILY, "B", 10.5)
    widest = max((pdf.get_string_width(d.symbol) for i in items for d in i.documents),
                 default=0.0)
    return min(max(widest + 3, 20.0), _MAX_SYMBOL_W)


def _measure(pdf: _Sheet, items: tuple[PacketItem, ...], symbol_w: float) -> list[_Row]:
    rows: list[_Row] = []
    text_w = _WIDTH - _NUMBER_W - _PAGE_W - _MARK_W
    for i, item in enumerate(items):
        pdf.set_font(_FAMILY, "B", 11.5)
        lines = _wrap(pdf, text_w, _LINE, item.title)
        presenter = [f"Trình bày: {item.presenter}"] if item.presenter else []
        pdf.set_font(_FAMILY, "I", 10.5)
        presenter_lines = _wrap(pdf, text_w, _LINE, presenter[0]) if presenter else []
        count = len(lines) + len(presenter_lines)
        rows.append(_Row(i, None, (*lines, *presenter_lines), len(lines), count * _LINE + 3))
        for j, document in enumerate(item.documents):
            pdf.set_font(_FAMILY, "", 11)
            wrapped = _wrap(pdf, text_w - symbol_w - 4, _LINE, document.title)
            pdf.set_font(_FAMILY, "I", 10)
            note = _wrap(pdf, text_w - symbol_w - 4, _LINE, document.note) \
                if document.note else []
            count = len(wrapped) + len(note)
            rows.append(_Row(i, j, (*wrapped, *note), len(wrapped), count * _LINE + 1.5))
    return rows


_TABLE_HEADER = 8.5
_AGENDA_NEXT_TOP = _TOP + _TABLE_HEADER


def _heading_texts(packet: PacketInfo) -> tuple[str, str, str]:
    return f"{packet.meeting_name} {packet.body_name}", packet.starts_at_text, packet.place


def _agenda_heading(pdf: FPDF, texts: tuple[str, str, str], *, draw: bool) -> float:
    """Title of the agenda's first page; returns the y below it (drawn or not)."""
    meeting, starts_at, place = texts
    lines = [
        ("CHƯƠNG TRÌNH", "B", 14, 1.0),
        (meeting, "B", 12, 1.0),
        (starts_at, "I", 11, 0.0),
        (place, "I", 11, 3.0),
    ]
    y = _TOP
    for text, style, size, after in lines:
        if draw:
            y = _centred(pdf, y, text, style, size) + after
        else:
            pdf.set_font(_FAMILY, style, size)
            count = len(_wrap(pdf, _WIDTH, size * 0.5, text))
            y += count * size * 0.5 + after
    return y


@functools.lru_cache(maxsize=32)
def _agenda_layout(font_dir: Path, extra: frozenset[str], heading: tuple[str, str, str],
                   items: tuple[PacketItem, ...]) -> _AgendaLayout:
    """The agenda measured on a sheet of its own, once for all the delegates who get it:
    fpdf2's line breaking costs more than drawing it."""
    pdf = _blank_sheet(font_dir, extra)
    pdf.add_page()
    symbol_w = _symbol_width(pdf, items)
    rows = _measure(pdf, items, symbol_w)
    return _AgendaLayout(symbol_w, tuple(rows),
                         _agenda_heading(pdf, heading, draw=False) + _TABLE_HEADER)


def _paginate(rows: tuple[_Row, ...], first_top: float) -> list[list[_Row]]:
    """Rows per agenda page; an item heading never ends a page alone."""
    pages: list[list[_Row]] = [[]]
    y = first_top
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        keep = following.height if row.document is None and following and \
            following.document is not None else 0
        if pages[-1] and y + row.height + keep > _BOTTOM - 6:
            pages.append([])
            y = _AGENDA_NEXT_TOP
        pages[-1].append(row)
        y += row.height
    return pages


def _fitted_cell(pdf: FPDF, x: float, y: float, width: float, text: str, style: str,
                 size: float, align: str = "L") -> None:
    """One line of text at (x, y), made smaller if it would not fit ``width``."""
    pdf.set_font(_FAMILY, style, size)
    natural = pdf.get_string_width(text)
    if natural > width:
        pdf.set_font(_FAMILY, style, max(6.0, size * width / natural))
    pdf.set_xy(x, y)
    pdf.cell(width, _LINE, text, align=align)


def _table_header(pdf: FPDF, y: float) -> float:
    pdf.set_font(_FAMILY, "B", 10.5)
    pdf.set_xy(_LEFT, y)
    pdf.cell(_NUMBER_W, 6, "TT")
    pdf.cell(_WIDTH - _NUMBER_W - _PAGE_W - _MARK_W, 6, "Nội dung, tài liệu")
    pdf.cell(_MARK_W, 6, "Độ mật", align="C")
    pdf.cell(_PAGE_W, 6, "Trang", align="R")
    pdf.set_line_width(0.3)
    pdf.line(_LEFT, y + 6.5, _RIGHT, y + 6.5)
    return y + _TABLE_HEADER


def _agenda(pdf: _Sheet, packet: PacketInfo, pages: list[list[_Row]], front: int,
            symbol_w: float) -> None:
    starts = start_pages(front, packet.items)
    text_x = _LEFT + _NUMBER_W
    text_w = _WIDTH - _NUMBER_W - _PAGE_W - _MARK_W
    page_x = _RIGHT - _PAGE_W
    for number, rows in enumerate(pages):
        pdf.add_page()
        top = _agenda_heading(pdf, _heading_texts(packet), draw=True) if number == 0 else _TOP
        y = _table_header(pdf, top)
        for row in rows:
            item = packet.items[row.item]
            item_start, document_starts = starts[row.item]
            if row.document is None:
                pdf.set_font(_FAMILY, "B", 11.5)
                pdf.set_xy(_LEFT, y + 1.5)
                pdf.cell(_NUMBER_W, _LINE, f"{item.position}.")
                pdf.set_xy(page_x, y + 1.5)
                pdf.cell(_PAGE_W, _LINE, str(item_start) if item_start else "—", align="R")
                line_y = y + 1.5
                for k, line in enumerate(row.lines):
                    presenter = k >= row.title_lines
                    pdf.set_font(_FAMILY, "I" if presenter else "B",
                                 10.5 if presenter else 11.5)
                    pdf.set_xy(text_x, line_y)
                    pdf.cell(text_w, _LINE, line)
                    line_y += _LINE
            else:
                document = item.documents[row.document]
                _fitted_cell(pdf, text_x + 4, y, symbol_w - 2, document.symbol, "B", 10.5)
                for k, line in enumerate(row.lines):
                    note = k >= row.title_lines  # where the delegate finds it instead
                    pdf.set_font(_FAMILY, "I" if note else "", 10 if note else 11)
                    pdf.set_xy(text_x + 4 + symbol_w, y + k * _LINE)
                    pdf.cell(text_w - symbol_w - 4, _LINE, line)
                if document.confidentiality_mark:
                    pdf.set_font(_FAMILY, "B", 9.5)
                    pdf.set_text_color(*_RED)
                    pdf.set_xy(page_x - _MARK_W, y)
                    pdf.cell(_MARK_W, _LINE, document.confidentiality_mark.upper(), align="C")
                    pdf.set_text_color(0, 0, 0)
                start = document_starts[row.document]
                if start is None:
                    pdf.set_font(_FAMILY, "", 11)
                    pdf.set_xy(page_x, y)
                    pdf.cell(_PAGE_W, _LINE, "—", align="R")
                else:
                    pdf.set_font(_FAMILY, "", 11)
                    pdf.set_xy(page_x, y)
                    pdf.cell(_PAGE_W, _LINE, str(start), align="R")
            y += row.height


def render_cover_and_agenda(packet: PacketInfo, *, font_dir: Path) -> bytes:
    """The cover sheet and agenda of ``packet`` as a PDF, to be put in front of the
    delegate's copies by :func:`~.packet.assemble_packet`."""
    font_dir = Path(font_dir)
    extra = _extra_characters(_packet_texts(packet))
    layout = _agenda_layout(font_dir, extra, _heading_texts(packet), packet.items)
    pages = _paginate(layout.rows, layout.first_top)
    front = 1 + len(pages)
    total = front + packet.document_pages
    pdf = _sheet(font_dir, packet, extra)
    pdf.page_label = f"Trang {{page}}/{total}"
    pdf.add_page()  # the cover
    _cover(pdf, packet, total)
    _agenda(pdf, packet, pages, front, layout.symbol_w)
    return bytes(pdf.output())
