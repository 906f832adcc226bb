"""Sample meeting documents for tests, benchmarks and demos (never for real issuance)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

from .settings import DEFAULT_FONT

__all__ = ["make_sample_pdf"]

_BODY = (
    "Căn cứ Điều lệ Đảng và Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh, "
    "Ban Thường vụ Tỉnh ủy thống nhất các nội dung sau đây. Các đồng chí ủy viên "
    "nghiên cứu kỹ tài liệu, chuẩn bị ý kiến phát biểu tại hội nghị. "
)


def make_sample_pdf(pages: int = 20, *, title: str = "Nghị quyết số 15-NQ/TU",
                    font_path: Path = DEFAULT_FONT) -> bytes:
    """An A4 document of ``pages`` pages of Vietnamese text (deterministic bytes)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # same bytes every run
    pdf.set_title(title)
    pdf.add_font("body", fname=str(font_path))
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.set_font("body", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("body", size=14)
        pdf.cell(0, 10, f"{title} – trang {number}/{pages}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", size=11)
        pdf.multi_cell(0, 6, _BODY * 8)
    return bytes(pdf.output())
