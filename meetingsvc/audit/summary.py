"""The evidence export's summary: a short bilingual PDF, signed by the office like a copy.

It states what the export holds (counts, documents, delegates, the audit range
and its checkpoint) and the SHA-256 of the data files, so the signed PDF alone
vouches for them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from signing import DocumentSigner, SignerSettings, SignRequest

_FONT = "DejaVu"
_MARGIN = 18.0
#: Room at the foot of each page for the office's visible signature stamp.
_FOOT = 30.0


@dataclass(frozen=True)
class DocumentLine:
    #: The agenda item's number ("—" for a document on no item).
    agenda: str
    symbol: str
    title: str
    confidentiality: str
    versions: str
    copies: int


@dataclass(frozen=True)
class DelegateLine:
    name: str
    username: str
    copies: int
    downloaded: int
    opened: int
    acknowledged: int


@dataclass(frozen=True)
class EvidenceSummary:
    """Everything the summary prints; plain values, made by ``evidence``."""

    office_name: str
    meeting_title: str
    body_name: str
    starts_at: str
    place: str
    exported_at: str
    exported_by: str
    copies_total: int
    copies_delivered: int
    copies_superseded: int
    copies_recalled: int
    channels: tuple[tuple[str, int], ...]
    events: tuple[tuple[str, int], ...]
    documents: tuple[DocumentLine, ...]
    delegates: tuple[DelegateLine, ...]
    log_rows_in_meeting: int
    log_first: int
    log_last: int
    chain_intact: bool
    checkpoint_seq: int
    checkpoint_row_hash: str
    files: tuple[tuple[str, str], ...]


class _Sheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="L")
        self.set_text_color(0, 0, 0)


def render_summary(summary: EvidenceSummary, font_dir: Path) -> bytes:
    """The summary as an unsigned PDF."""
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.add_font(_FONT, "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, _FOOT)
    pdf.footer_text = f"{summary.office_name} — {summary.meeting_title}"
    pdf.add_page()
    _heading(pdf, summary)
    _facts(pdf, "Phát hành / Issuance", [
        ("Tổng số bản / copies issued", str(summary.copies_total)),
        ("Đã giao / delivered", str(summary.copies_delivered)),
        ("Bị thay thế / superseded", str(summary.copies_superseded)),
        ("Đã thu hồi / recalled", str(summary.copies_recalled)),
        *((f"Kênh / channel: {name}", str(count)) for name, count in summary.channels),
        *((f"Sự kiện / events: {name}", str(count)) for name, count in summary.events),
    ])
    _table(pdf, "Văn bản, theo chương trình / Documents, in agenda order",
           ("Mục / Item", "Số, ký hiệu / Symbol", "Trích yếu / Title", "Độ mật", "Phiên bản",
            "Số bản"),
           [(d.agenda, d.symbol, d.title, d.confidentiality, d.versions, str(d.copies))
            for d in summary.documents], (14, 30, 70, 20, 20, 20))
    _table(pdf, "Đại biểu / Delegates",
           ("Họ tên / Name", "Tài khoản", "Số bản", "Đã tải", "Đã mở", "Ký nhận"),
           [(d.name, d.username, str(d.copies), str(d.downloaded), str(d.opened),
             str(d.acknowledged)) for d in summary.delegates], (58, 40, 19, 19, 19, 19))
    _facts(pdf, "Nhật ký kiểm tra / Audit log", [
        ("Dòng của hội nghị / meeting rows", str(summary.log_rows_in_meeting)),
        ("Phạm vi xuất / exported rows", f"{summary.log_first} – {summary.log_last}"),
        ("Chuỗi băm / hash chain", "nguyên vẹn / intact" if summary.chain_intact
         else "BỊ PHÁ VỠ / BROKEN"),
        ("Điểm kiểm soát / checkpoint", f"#{summary.checkpoint_seq}, "
                                        f"dòng / row {summary.log_last}"),
    ])
    _facts(pdf, None, [("Băm của dòng / row hash", summary.checkpoint_row_hash)], mono=True)
    _facts(pdf, "Tệp dữ liệu (SHA-256) / Data files", list(summary.files), mono=True)
    pdf.ln(2)
    pdf.set_font(_FONT, "", 8)
    pdf.multi_cell(0, 4, "Cách kiểm tra không cần máy chủ: xem README.txt trong hồ sơ. "
                         "How to check without the server: see README.txt in the export.")
    return bytes(pdf.output())


def _heading(pdf: FPDF, summary: EvidenceSummary) -> None:
    pdf.set_font(_FONT, "B", 11)
    pdf.cell(0, 6, summary.office_name.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 15)
    pdf.multi_cell(0, 7, "BÁO CÁO TÓM TẮT HỒ SƠ CHỨNG CỨ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 10)
    pdf.cell(0, 5, "Evidence export summary", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _facts(pdf, None, [
        ("Hội nghị / Meeting", summary.meeting_title),
        ("Cơ quan / Body", summary.body_name),
        ("Thời gian, địa điểm / When, where", f"{summary.starts_at}, {summary.place}"),
        ("Xuất lúc / Exported at", summary.exported_at),
        ("Người xuất / Exported by", summary.exported_by),
    ])


def _facts(pdf: FPDF, title: str | None, rows: list[tuple[str, str]], mono: bool = False) -> None:
    if title:
        pdf.ln(2)
        pdf.set_font(_FONT, "B", 11)
        pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value in rows:
        pdf.set_font(_FONT, "", 8 if mono else 9)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(62, 5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(_FONT, "B" if not mono else "", 7 if mono else 9)
        pdf.multi_cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]],
           widths: tuple[int, ...]) -> None:
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 11)
    pdf.cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 8)
    with pdf.table(col_widths=widths, line_height=4.5, first_row_as_headings=True,
                   text_align="LEFT") as table:
        table.row(header)
        for row in rows:
            table.row(row)


def sign_summary(pdf: bytes, settings: SignerSettings, meeting_id: int) -> bytes:
    """Sign the summary as the office signs copies (PAdES, timestamped, visible stamp)."""
    with DocumentSigner(settings) as signer:
        return signer.sign(pdf, SignRequest(metadata={"MeetingsvcEvidenceMeeting":
                                                      str(meeting_id)}))
