"""The summary of comments (tổng hợp ý kiến) as XLSX, DOCX and PDF, for the drafting team.

The drafting team works in Vietnamese, so the files are written in Vietnamese whatever
language the secretary reads the pages in. Spreadsheet cells follow the service's one
rule (:mod:`meetingsvc.exports_safe`): a comment beginning with ``=`` stays text.
Times are the office's clock.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from fpdf import FPDF, XPos, YPos
from openpyxl import Workbook

from ..exports_safe import xlsx_text_row
from ..timezones import office_time
from .services import CommentSummary, SummaryLine

__all__ = ["summary_docx", "summary_pdf", "summary_xlsx"]

TITLE = "TỔNG HỢP Ý KIẾN GÓP Ý DỰ THẢO"
HEADER = ["STT", "Nội dung", "Đại biểu", "Chức vụ", "Trang, mục", "Ý kiến",
          "Thời điểm", "Số lần sửa"]


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return office_time(moment, zone).strftime("%d/%m/%Y %H:%M")


def _subtitle(summary: CommentSummary, zone: ZoneInfo) -> str:
    meeting = summary.meeting
    return f"{meeting.title} — {meeting.body.name_vi} — {_when(meeting.starts_at, zone)}"


def _item_heading(position: int, title: str) -> str:
    return f"Nội dung {position}. {title}"


def summary_xlsx(summary: CommentSummary, zone: ZoneInfo) -> bytes:
    """Two sheets: the comments by item (agenda order), and by delegate (protocol order)."""
    book = Workbook(write_only=True)

    def line_row(number: int, line: SummaryLine) -> list[object]:
        return [number, _item_heading(line.item_position, line.item_title), line.author_name,
                line.author_title, line.location, line.text, _when(line.written_at, zone),
                line.revisions - 1]

    by_item = book.create_sheet("Theo nội dung")
    by_delegate = book.create_sheet("Theo đại biểu")
    for sheet in (by_item, by_delegate):
        for column, width in zip("ABCDEFGH", (5, 40, 24, 28, 16, 80, 17, 10), strict=True):
            sheet.column_dimensions[column].width = width
    by_item.append(xlsx_text_row(by_item, [TITLE]))
    by_item.append(xlsx_text_row(by_item, [_subtitle(summary, zone)]))
    by_item.append(xlsx_text_row(by_item, HEADER))
    number = 0
    for item in summary.by_item:
        for line in item.lines:
            number += 1
            by_item.append(xlsx_text_row(by_item, line_row(number, line)))
    by_delegate.append(xlsx_text_row(by_delegate, HEADER))
    number = 0
    for delegate in summary.by_delegate:
        for line in delegate.lines:
            number += 1
            by_delegate.append(xlsx_text_row(by_delegate, line_row(number, line)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_docx(summary: CommentSummary, zone: ZoneInfo, office_name: str) -> bytes:
    """A Word file by item, each comment with its delegate, page or section and time."""
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    head = doc.add_paragraph(office_name.upper())
    head.runs[0].bold = True
    title = doc.add_paragraph(TITLE)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(15)
    subtitle = doc.add_paragraph(_subtitle(summary, zone))
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"Tổng số ý kiến: {summary.total}, của {len(summary.by_delegate)} "
                      "đại biểu.")
    for item in summary.by_item:
        doc.add_heading(_item_heading(item.call.agenda_item.position,
                                      item.call.agenda_item.title), level=2)
        if not item.lines:
            doc.add_paragraph("Không có ý kiến.").runs[0].italic = True
        for number, line in enumerate(item.lines, start=1):
            who = doc.add_paragraph()
            who.add_run(f"{number}. {line.author_name}").bold = True
            if line.author_title:
                who.add_run(f" ({line.author_title})")
            if line.location:
                who.add_run(f" · {line.location}").bold = True
            who.add_run(f" · {_when(line.written_at, zone)}").italic = True
            body = doc.add_paragraph(line.text)
            body.paragraph_format.left_indent = Cm(0.8)
    if summary.silent:
        doc.add_heading("Đại biểu chưa có ý kiến", level=2)
        doc.add_paragraph(", ".join(summary.silent))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_FONT = "DejaVu"


class _Sheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="L")
        self.set_text_color(0, 0, 0)


def summary_pdf(summary: CommentSummary, zone: ZoneInfo, office_name: str,
                font_dir: Path) -> bytes:
    """The same summary as an A4 PDF with the application's fonts."""
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.set_title(TITLE.capitalize())
    pdf.set_author(office_name)
    pdf.set_lang("vi")
    pdf.add_font(_FONT, "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, 18)
    pdf.footer_text = f"Tổng hợp ý kiến — {summary.meeting.title}"
    pdf.add_page()
    pdf.set_font(_FONT, "B", 10)
    pdf.cell(0, 5, office_name.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(_FONT, "B", 14)
    pdf.multi_cell(0, 7, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 9.5)
    pdf.multi_cell(0, 5, _subtitle(summary, zone), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.multi_cell(0, 5, f"Tổng số ý kiến: {summary.total}, của {len(summary.by_delegate)} "
                   "đại biểu.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for item in summary.by_item:
        pdf.ln(3)
        pdf.set_font(_FONT, "B", 11)
        pdf.multi_cell(0, 6, _item_heading(item.call.agenda_item.position,
                                           item.call.agenda_item.title),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not item.lines:
            pdf.set_font(_FONT, "", 9.5)
            pdf.multi_cell(0, 5, "Không có ý kiến.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for number, line in enumerate(item.lines, start=1):
            pdf.ln(1.5)
            pdf.set_font(_FONT, "B", 9.5)
            who = f"{number}. {line.author_name}" + (
                f" ({line.author_title})" if line.author_title else "") + (
                f" · {line.location}" if line.location else "")
            pdf.multi_cell(0, 5, f"{who} · {_when(line.written_at, zone)}",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(_FONT, "", 9.5)
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(0, 5, line.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if summary.silent:
        pdf.ln(3)
        pdf.set_font(_FONT, "B", 11)
        pdf.cell(0, 6, "Đại biểu chưa có ý kiến", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FONT, "", 9.5)
        pdf.multi_cell(0, 5, ", ".join(summary.silent), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
