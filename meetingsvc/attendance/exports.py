"""The attendance list as XLSX and as a printable A4 list in the office's format.

XLSX cells follow the service's one rule (:mod:`meetingsvc.exports_safe`): a name
or reason a spreadsheet would take for a formula is kept as text.

The PDF is laid out like the office's paper list (*danh sách đại biểu dự hội nghị*):
the office and the Party's name at the top, the meeting, then one row per invited
delegate with room to tick presence and sign. DejaVu Serif stands in for Times New
Roman, as on the packet's cover and the paper register.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from openpyxl import Workbook

from ..exports_safe import xlsx_text_row

__all__ = ["ListLine", "attendance_pdf", "attendance_xlsx"]


@dataclass(frozen=True)
class ListLine:
    """One delegate's line, in words already (the caller's language for the XLSX)."""

    number: int
    name: str
    position: str
    answer: str
    reason: str
    stand_in: str
    present: str
    answered_at: str


def attendance_xlsx(lines: list[ListLine], header: list[str], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(xlsx_text_row(sheet, header))
    for line in lines:
        sheet.append(xlsx_text_row(sheet, [
            line.number, line.name, line.position, line.answer, line.reason, line.stand_in,
            line.present, line.answered_at]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_PAGE_W, _PAGE_H = 210.0, 297.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 15.0, 195.0, 14.0, 278.0
#: (heading, width in mm): the widths add up to the printable width.
_COLUMNS = (("STT", 10.0), ("Họ và tên", 36.0), ("Chức vụ", 28.0), ("Trả lời", 20.0),
            ("Lý do", 30.0), ("Người\ndự thay", 24.0), ("Có mặt", 13.0), ("Ký tên", 19.0))
_LINE_H = 4.2
_PAD = 1.2


class _List(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(80, 80, 80)
        self.set_xy(_LEFT, _PAGE_H - 12)
        self.cell(_RIGHT - _LEFT - 30, 4, self.footer_text)
        self.set_xy(_RIGHT - 30, _PAGE_H - 12)
        self.cell(30, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def attendance_pdf(lines: list[ListLine], *, office_name: str, meeting_title: str,
                   meeting_line: str, counts: str, made_at: datetime, font_dir: Path) -> bytes:
    """The printable list (Vietnamese, as the office files it)."""
    pdf = _List(orientation="P", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(_FAMILY, style, str(Path(font_dir) / name))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, _TOP, _PAGE_W - _RIGHT)
    pdf.set_creation_date(made_at)
    pdf.set_title(f"Danh sách đại biểu — {meeting_title}")
    pdf.set_creator("meetingsvc")
    pdf.set_lang("vi")
    pdf.alias_nb_pages()
    pdf.footer_text = f"Danh sách đại biểu · {meeting_title}"[:110]
    pdf.add_page()
    y = _heading(pdf, office_name, meeting_title, meeting_line, counts, made_at)
    y = _table_header(pdf, y)
    for line in lines:
        cells = _cells(line)
        height = _row_height(pdf, cells)
        if y + height > _BOTTOM:
            pdf.add_page()
            y = _table_header(pdf, _TOP)
        _row(pdf, y, cells, height)
        y += height
    if not lines:
        pdf.set_font(_FAMILY, "I", 11)
        pdf.set_xy(_LEFT, y + 2)
        pdf.cell(_RIGHT - _LEFT, 6, "Chưa có đại biểu nào được mời.", align="C")
        y += 10
    _closing(pdf, y + 6)
    return bytes(pdf.output())


def _centred(pdf: FPDF, y: float, text: str, style: str, size: float, centre: float,
             width: float) -> float:
    pdf.set_font(_FAMILY, style, size)
    pdf.set_xy(centre - width / 2, y)
    pdf.multi_cell(width, size * 0.48, text, align="C")
    return pdf.get_y()


def _heading(pdf: FPDF, office_name: str, title: str, meeting_line: str, counts: str,
             made: datetime) -> float:
    left, right = _LEFT + 35, _RIGHT - 45
    y = _centred(pdf, _TOP, office_name.upper(), "B", 11.5, left, 72)
    _centred(pdf, y, "*", "", 11, left, 72)
    r = _centred(pdf, _TOP, "ĐẢNG CỘNG SẢN VIỆT NAM", "B", 11.5, right, 90)
    half = pdf.get_string_width("ĐẢNG CỘNG SẢN VIỆT NAM") / 2
    pdf.set_line_width(0.3)
    pdf.line(right - half, r, right + half, r)
    _centred(pdf, r + 2, f"Ngày {made:%d} tháng {made:%m} năm {made:%Y}", "I", 10.5, right, 90)
    middle = (_LEFT + _RIGHT) / 2
    y = _centred(pdf, _TOP + 24, "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ", "B", 14, middle, 180) + 1.5
    y = _centred(pdf, y, title, "B", 11.5, middle, 170) + 1
    y = _centred(pdf, y, meeting_line, "", 10, middle, 170) + 1
    y = _centred(pdf, y, counts, "I", 10, middle, 170)
    return y + 4


def _table_header(pdf: FPDF, y: float) -> float:
    pdf.set_font(_FAMILY, "B", 8.5)
    pdf.set_fill_color(235, 235, 235)
    pdf.set_line_width(0.3)
    x = _LEFT
    for heading, width in _COLUMNS:
        pdf.rect(x, y, width, 10, style="DF")
        lines = heading.split("\n")
        for n, line in enumerate(lines):
            pdf.set_xy(x, y + (10 - 4 * len(lines)) / 2 + 4 * n)
            pdf.cell(width, 4, line, align="C")
        x += width
    return y + 10


def _cells(line: ListLine) -> list[tuple[str, str, str]]:
    """(text, style, align) per column."""
    return [(str(line.number), "", "C"), (line.name, "B", "L"), (line.position, "", "L"),
            (line.answer, "", "C"), (line.reason, "I", "L"), (line.stand_in, "", "L"),
            (line.present, "B", "C"), ("", "", "L")]


def _lines(pdf: FPDF, width: float, text: str, style: str) -> list[str]:
    if not text:
        return []
    pdf.set_font(_FAMILY, style, 9)
    return list(pdf.multi_cell(width - 2 * _PAD, _LINE_H, text, dry_run=True,
                               output="LINES"))


def _row_height(pdf: FPDF, cells: list[tuple[str, str, str]]) -> float:
    tallest = max(len(_lines(pdf, w, text, style)) for (text, style, _a), (_h, w)
                  in zip(cells, _COLUMNS, strict=True))
    return max(11.0, tallest * _LINE_H + 2 * _PAD + 1)


def _row(pdf: FPDF, y: float, cells: list[tuple[str, str, str]], height: float) -> None:
    x = _LEFT
    for (text, style, align), (_heading_text, width) in zip(cells, _COLUMNS, strict=True):
        pdf.rect(x, y, width, height)
        lines = _lines(pdf, width, text, style)
        top = y + (height - len(lines) * _LINE_H) / 2
        for n, piece in enumerate(lines):
            pdf.set_xy(x + _PAD, top + n * _LINE_H)
            pdf.cell(width - 2 * _PAD, _LINE_H, piece, align=align)
        x += width


def _closing(pdf: FPDF, y: float) -> None:
    if y + 22 > _BOTTOM:
        pdf.add_page()
        y = _TOP
    centre = _RIGHT - 45
    y = _centred(pdf, y, "NGƯỜI LẬP DANH SÁCH", "B", 10.5, centre, 80)
    _centred(pdf, y, "(Ký, ghi rõ họ tên)", "I", 9.5, centre, 80)
