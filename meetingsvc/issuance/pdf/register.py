"""The hand-over register of a document's paper copies (*sổ giao nhận tài liệu mật*).

One A4 landscape sheet (or more) laid out like the office's paper register: the
issuing office and the Party's name at the top, the document, its mark and the
meeting, then one row per numbered copy with room to sign on receipt and on
return. DejaVu Serif stands in for Times New Roman, as on the packet's cover. The
bottom-right corner of the first page is left free for the office's signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from .stamp import SIGNATURE_ZONE

__all__ = ["RegisterInfo", "RegisterRow", "render_register"]

_FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_PAGE_W, _PAGE_H = 297.0, 210.0
_LEFT, _RIGHT, _TOP = 18.0, 279.0, 14.0
#: Rows stop here: below is the footer, and on the first page the office's signature
#: in the bottom-right corner (``SIGNATURE_ZONE``, in points), with 2 mm to spare.
_BOTTOM = _PAGE_H - SIGNATURE_ZONE[1] * 25.4 / 72 - 2.0
_RED = (180, 0, 0)
#: (heading, width in mm) of each column; the widths add up to the printable width.
_COLUMNS = (("STT", 12.0), ("Số bản", 22.0), ("Đại biểu (họ tên, chức vụ)", 85.0),
            ("Ngày giao", 28.0), ("Ký nhận", 42.0), ("Ngày thu hồi", 30.0),
            ("Ký nhận thu hồi", 42.0))
_ROW_H = 13.0
_HEAD_H = 10.0
#: The register keeper's signature block under the last row.
_CLOSING_H = 20.0


@dataclass(frozen=True)
class RegisterRow:
    number: int
    #: "05/58"
    copy_label: str
    #: e.g. "bản in phiên bản 1, đã thu hồi"; empty for the usual copy.
    version_note: str
    delegate_name: str
    delegate_title: str
    #: Dates already recorded ("05/12/2026"), or empty to be written by hand.
    handed_over: str
    returned: str


@dataclass(frozen=True)
class RegisterInfo:
    office_name: str
    symbol: str
    title: str
    confidentiality_mark: str
    meeting_line: str
    place: str
    #: When the register was made, in the office's time zone (aware).
    made_at: datetime
    rows: tuple[RegisterRow, ...]


class _Register(FPDF):
    footer_left = ""

    def footer(self) -> None:
        # Left and centre only: the bottom-right corner holds the office's signature.
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(80, 80, 80)
        self.set_xy(_LEFT, _PAGE_H - 12)
        self.cell(120, 4, self.footer_left)
        self.set_xy(_LEFT + 120, _PAGE_H - 12)
        self.cell(60, 4, f"Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render_register(info: RegisterInfo, *, font_dir: Path) -> bytes:
    """The register as an unsigned PDF, ready to be signed by the office."""
    pdf = _Register(orientation="L", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(_FAMILY, style, str(Path(font_dir) / name))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, _TOP, _PAGE_W - _RIGHT)
    pdf.set_creation_date(info.made_at)
    pdf.set_title(f"Sổ giao nhận tài liệu mật — {info.symbol}")
    pdf.set_creator("meetingsvc")
    pdf.set_lang("vi")
    pdf.alias_nb_pages()
    pdf.footer_left = f"Sổ giao nhận tài liệu mật · {info.symbol}"
    pdf.add_page()
    y = _heading(pdf, info)
    y = _table_header(pdf, y)
    for index, row in enumerate(info.rows):
        # The last row goes over with the keeper's signature, never leaving it alone.
        closing = _CLOSING_H if index == len(info.rows) - 1 else 0.0
        if y + _ROW_H + closing > _BOTTOM:
            pdf.add_page()
            y = _table_header(pdf, _TOP)
        _row(pdf, y, row)
        y += _ROW_H
    if not info.rows:
        pdf.set_font(_FAMILY, "I", 11)
        pdf.set_xy(_LEFT, y + 2)
        pdf.cell(_RIGHT - _LEFT, 6, "Chưa có bản giấy nào của tài liệu này.", align="C")
        y += 10
    _closing(pdf, y + 4, info)
    return bytes(pdf.output())


def _centred(pdf: FPDF, y: float, text: str, style: str, size: float, centre: float,
             width: float) -> float:
    pdf.set_font(_FAMILY, style, size)
    pdf.set_xy(centre - width / 2, y)
    pdf.multi_cell(width, size * 0.48, text, align="C")
    return pdf.get_y()


def _heading(pdf: FPDF, info: RegisterInfo) -> float:
    left, right = _LEFT + 45, _RIGHT - 55
    y = _centred(pdf, _TOP, info.office_name, "B", 12, left, 90)
    _centred(pdf, y, "*", "", 12, left, 90)
    r = _centred(pdf, _TOP, "ĐẢNG CỘNG SẢN VIỆT NAM", "B", 12.5, right, 100)
    half = pdf.get_string_width("ĐẢNG CỘNG SẢN VIỆT NAM") / 2
    pdf.set_line_width(0.3)
    pdf.line(right - half, r, right + half, r)
    made = info.made_at
    _centred(pdf, r + 2, f"Ngày {made:%d} tháng {made:%m} năm {made:%Y}", "I", 11.5, right, 100)
    middle = (_LEFT + _RIGHT) / 2
    y = _centred(pdf, _TOP + 22, "SỔ GIAO NHẬN TÀI LIỆU MẬT", "B", 15, middle, 200) + 2
    y = _centred(pdf, y, f"Tài liệu: {info.symbol} — {info.title}", "B", 11.5, middle, 230)
    if info.confidentiality_mark:
        pdf.set_text_color(*_RED)
        y = _centred(pdf, y + 1, f"Độ mật: {info.confidentiality_mark}", "B", 11.5,
                     middle, 230)
        pdf.set_text_color(0, 0, 0)
    line = f"{info.meeting_line}" + (f" · {info.place}" if info.place else "")
    y = _centred(pdf, y + 1, line, "", 10.5, middle, 230)
    y = _centred(pdf, y + 1, f"Số bản giấy: {len(info.rows)}", "", 10.5, middle, 230)
    return y + 4


def _table_header(pdf: FPDF, y: float) -> float:
    pdf.set_font(_FAMILY, "B", 10)
    pdf.set_fill_color(235, 235, 235)
    pdf.set_line_width(0.3)
    x = _LEFT
    for heading, width in _COLUMNS:
        pdf.set_xy(x, y)
        pdf.cell(width, _HEAD_H, heading, border=1, align="C", fill=True)
        x += width
    return y + _HEAD_H


def _row(pdf: FPDF, y: float, row: RegisterRow) -> None:
    x = _LEFT
    for _heading_text, width in _COLUMNS:
        pdf.rect(x, y, width, _ROW_H)
        x += width
    widths = [w for _h, w in _COLUMNS]
    starts = [_LEFT + sum(widths[:i]) for i in range(len(widths))]
    pdf.set_font(_FAMILY, "", 10.5)
    pdf.set_xy(starts[0], y)
    pdf.cell(widths[0], _ROW_H, str(row.number), align="C")
    pdf.set_font(_FAMILY, "B", 10.5)
    pdf.set_xy(starts[1], y + (1.8 if row.version_note else 0))
    pdf.cell(widths[1], 5 if row.version_note else _ROW_H, row.copy_label, align="C")
    if row.version_note:
        _fitted(pdf, starts[1] + 0.5, y + 7, widths[1] - 1, row.version_note, "I", 7, "C")
    name_y = y + 1.5 if row.delegate_title else y + (_ROW_H - 4.5) / 2
    _fitted(pdf, starts[2] + 1.5, name_y, widths[2] - 3, row.delegate_name, "B", 10.5)
    if row.delegate_title:
        _fitted(pdf, starts[2] + 1.5, y + 7, widths[2] - 3, row.delegate_title, "I", 9)
    pdf.set_font(_FAMILY, "", 10)
    for column, text in ((3, row.handed_over), (5, row.returned)):
        pdf.set_xy(starts[column], y)
        pdf.cell(widths[column], _ROW_H, text, align="C")


def _fitted(pdf: FPDF, x: float, y: float, width: float, text: str, style: str,
            size: float, align: str = "L") -> None:
    """One line at (x, y), made smaller if it would not fit ``width``."""
    pdf.set_font(_FAMILY, style, size)
    natural = pdf.get_string_width(text)
    if natural > width:
        pdf.set_font(_FAMILY, style, max(5.5, size * width / natural))
    pdf.set_xy(x, y)
    pdf.cell(width, 4.5, text, align=align)


def _closing(pdf: FPDF, y: float, info: RegisterInfo) -> None:
    """The register keeper's signature, left of centre: the corner is the office's."""
    if y + _CLOSING_H > _BOTTOM:
        pdf.add_page()
        y = _TOP
    centre = _LEFT + 150
    y = _centred(pdf, y, "NGƯỜI LẬP SỔ", "B", 11, centre, 90)
    _centred(pdf, y, "(Ký, ghi rõ họ tên)", "I", 10, centre, 90)
    pdf.set_font(_FAMILY, "I", 9)
    pdf.set_xy(_LEFT, y)
    pdf.multi_cell(90, 4.5, "Tài liệu mật: giao tận tay, thu hồi đủ số bản; "
                            "không sao chụp.", align="L")
