"""The answer receipt and the result report of a written consultation, as unsigned PDFs.

A4 portrait, laid out like the office's papers: the office and the Party's name
at the top, the title, then the content. DejaVu Serif stands in for Times New
Roman, as on the register. The bottom of each page is kept clear of text on the
right, where the office's signature stamp goes (``signing.StampSettings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

__all__ = ["ReceiptInfo", "ResultInfo", "ResultQuestion", "ResultRow", "render_receipt",
           "render_result"]

_FAMILY = "DejaVuSerif"
_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
_LEFT, _RIGHT, _TOP = 20.0, 190.0, 15.0
_WIDTH = _RIGHT - _LEFT
#: Text stops here: below, the footer and the office's stamp (about 74 × 22 mm).
_BOTTOM = 258.0

CHOICE_WORDS = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác"}


@dataclass(frozen=True)
class ReceiptInfo:
    office_name: str
    body_name: str
    subject: str
    consultation_id: int
    member_name: str
    member_title: str
    question_number: int
    question: str
    draft_symbol: str
    draft_title: str
    draft_version: int
    draft_sha256: str
    choice: str
    comment: str | None
    #: When the answer was given, in the office's time zone (aware).
    answered_at: datetime
    #: Which version of this member's answer it is (1 for the first).
    revision: int
    made_at: datetime


@dataclass(frozen=True)
class ResultRow:
    member_name: str
    member_title: str
    #: ``agree``, ``disagree``, ``other`` or ``None`` for no answer.
    choice: str | None
    comment: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class ResultQuestion:
    number: int
    text: str
    draft_symbol: str
    draft_title: str
    draft_sha256: str
    agree: int
    disagree: int
    other: int
    no_answer: int
    members: int
    passed: bool
    rows: tuple[ResultRow, ...]


@dataclass(frozen=True)
class ResultInfo:
    office_name: str
    body_name: str
    subject: str
    consultation_id: int
    opened_at: datetime | None
    deadline: datetime
    closed_at: datetime
    closed_by_hand: bool
    #: The rule in words, e.g. "quá nửa tổng số ủy viên".
    rule_words: str
    questions: tuple[ResultQuestion, ...]
    made_at: datetime


class _Paper(FPDF):
    footer_left = ""

    def footer(self) -> None:
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(80, 80, 80)
        self.set_xy(_LEFT, 287)
        self.cell(90, 4, self.footer_left)
        self.set_xy(_LEFT + 90, 287)
        self.cell(30, 4, f"Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _paper(title: str, footer: str, made_at: datetime, font_dir: Path) -> _Paper:
    pdf = _Paper(orientation="P", unit="mm", format="A4")
    for style, name in _FONT_FILES.items():
        pdf.add_font(_FAMILY, style, str(Path(font_dir) / name))
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, _TOP, 210 - _RIGHT)
    pdf.set_creation_date(made_at)
    pdf.set_title(title)
    pdf.set_creator("meetingsvc")
    pdf.set_lang("vi")
    pdf.alias_nb_pages()
    pdf.footer_left = footer
    pdf.add_page()
    return pdf


def _centred(pdf: FPDF, y: float, text: str, style: str, size: float, centre: float,
             width: float) -> float:
    pdf.set_font(_FAMILY, style, size)
    pdf.set_xy(centre - width / 2, y)
    pdf.multi_cell(width, size * 0.48, text, align="C")
    return pdf.get_y()


def _heading(pdf: FPDF, office: str, day: datetime, title: str, subtitle: str) -> float:
    left, right = _LEFT + 35, _RIGHT - 45
    y = _centred(pdf, _TOP, office.upper(), "B", 11.5, left, 75)
    _centred(pdf, y, "*", "", 11.5, left, 75)
    r = _centred(pdf, _TOP, "ĐẢNG CỘNG SẢN VIỆT NAM", "B", 12, right, 90)
    half = pdf.get_string_width("ĐẢNG CỘNG SẢN VIỆT NAM") / 2
    pdf.set_line_width(0.3)
    pdf.line(right - half, r, right + half, r)
    _centred(pdf, r + 2, f"Ngày {day:%d} tháng {day:%m} năm {day:%Y}", "I", 11, right, 90)
    middle = (_LEFT + _RIGHT) / 2
    y = _centred(pdf, _TOP + 24, title, "B", 15, middle, _WIDTH) + 1
    return _centred(pdf, y, subtitle, "B", 11.5, middle, _WIDTH) + 4


def _para(pdf: FPDF, y: float, label: str, text: str, *, size: float = 11,
          style: str = "") -> float:
    pdf.set_xy(_LEFT, y)
    pdf.set_font(_FAMILY, "B", size)
    pdf.write(size * 0.5, label)
    pdf.set_font(_FAMILY, style, size)
    pdf.write(size * 0.5, text)
    pdf.ln(size * 0.5)
    return pdf.get_y() + 1.5


def _time(moment: datetime) -> str:
    offset = moment.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y} (UTC{hours:+d})"


def render_receipt(info: ReceiptInfo, *, font_dir: Path) -> bytes:
    """One page stating who answered what, when, on which draft (by its SHA-256)."""
    pdf = _paper(f"Giấy xác nhận ý kiến — {info.draft_symbol}",
                 f"Phiếu xin ý kiến số {info.consultation_id} · xác nhận ý kiến",
                 info.made_at, font_dir)
    y = _heading(pdf, info.office_name, info.made_at, "GIẤY XÁC NHẬN Ý KIẾN",
                 f"Xin ý kiến {info.body_name}: {info.subject}")
    y = _para(pdf, y, "Đồng chí: ", info.member_name + (f", {info.member_title}"
                                                         if info.member_title else ""))
    y = _para(pdf, y, f"Câu hỏi {info.question_number}: ", info.question)
    y = _para(pdf, y, "Dự thảo: ", f"{info.draft_symbol} — {info.draft_title} "
                                   f"(phiên bản {info.draft_version})")
    y = _para(pdf, y + 2, "Ý kiến: ", CHOICE_WORDS[info.choice], size=13, style="B")
    if info.comment:
        y = _para(pdf, y, "Góp ý: ", info.comment)
    y = _para(pdf, y + 2, "Thời điểm ghi nhận: ", _time(info.answered_at))
    if info.revision > 1:
        y = _para(pdf, y, "", f"Ý kiến này thay ý kiến đồng chí đã gửi trước đó "
                              f"(lần sửa thứ {info.revision - 1}).", style="I")
    y = _para(pdf, y + 2, "Mã băm SHA-256 của dự thảo đã cho ý kiến:", "")
    pdf.set_font("Courier", "", 9.5)
    pdf.set_xy(_LEFT, y)
    pdf.cell(_WIDTH, 5, info.draft_sha256)
    pdf.set_font(_FAMILY, "I", 9.5)
    pdf.set_xy(_LEFT, y + 9)
    pdf.multi_cell(_WIDTH - 80, 4.8,
                   "Văn phòng ký số xác nhận đã nhận ý kiến trên. Ý kiến có thể sửa đến "
                   "hạn trả lời; mỗi lần sửa có giấy xác nhận riêng, ý kiến cuối cùng "
                   "được dùng khi kiểm phiếu.")
    return bytes(pdf.output())


def render_result(info: ResultInfo, *, font_dir: Path) -> bytes:
    """The tally per question and every member's answer and comment."""
    pdf = _paper(f"Kết quả xin ý kiến — {info.subject}",
                 f"Phiếu xin ý kiến số {info.consultation_id} · kết quả",
                 info.made_at, font_dir)
    y = _heading(pdf, info.office_name, info.made_at, "BÁO CÁO KẾT QUẢ XIN Ý KIẾN",
                 f"{info.body_name}: {info.subject}")
    if info.opened_at is not None:
        y = _para(pdf, y, "Gửi xin ý kiến: ", _time(info.opened_at), size=10.5)
    y = _para(pdf, y, "Hạn trả lời: ", _time(info.deadline), size=10.5)
    how = "kết thúc trước hạn theo quyết định của Văn phòng" if info.closed_by_hand else \
        "kết thúc khi hết hạn"
    y = _para(pdf, y, "Kết thúc: ", f"{_time(info.closed_at)}, {how}", size=10.5)
    y = _para(pdf, y, "Nguyên tắc: ", f"thông qua khi số đồng ý {info.rule_words}.",
              size=10.5)
    for question in info.questions:
        y = _question(pdf, y + 3, question)
    return bytes(pdf.output())


_COLS = (("STT", 10.0), ("Họ tên, chức vụ", 62.0), ("Ý kiến", 28.0), ("Góp ý", 70.0))


def _room(pdf: FPDF, y: float, needed: float) -> float:
    if y + needed > _BOTTOM:
        pdf.add_page()
        return _TOP
    return y


def _question(pdf: FPDF, y: float, q: ResultQuestion) -> float:
    y = _room(pdf, y, 40)
    y = _para(pdf, y, f"Câu hỏi {q.number}: ", q.text, size=11)
    y = _para(pdf, y, "Dự thảo: ", f"{q.draft_symbol} — {q.draft_title}", size=10)
    pdf.set_font("Courier", "", 8)
    pdf.set_xy(_LEFT, y)
    pdf.cell(_WIDTH, 4, f"SHA-256: {q.draft_sha256}")
    y += 6
    verdict = "THÔNG QUA" if q.passed else "KHÔNG THÔNG QUA"
    y = _para(pdf, y, "Kết quả: ",
              f"{q.agree}/{q.members} đồng ý, {q.disagree} không đồng ý, {q.other} ý kiến "
              f"khác, {q.no_answer} không trả lời — {verdict}.", size=10.5)
    y = _header_row(pdf, y + 1)
    for number, row in enumerate(q.rows, start=1):
        height = _row_height(pdf, row)
        if y + height > _BOTTOM:
            pdf.add_page()
            y = _header_row(pdf, _TOP)
        _row(pdf, y, number, row, height)
        y += height
    return y


def _header_row(pdf: FPDF, y: float) -> float:
    pdf.set_font(_FAMILY, "B", 9.5)
    pdf.set_fill_color(235, 235, 235)
    x = _LEFT
    for heading, width in _COLS:
        pdf.set_xy(x, y)
        pdf.cell(width, 7, heading, border=1, align="C", fill=True)
        x += width
    return y + 7


def _lines(pdf: FPDF, text: str, width: float) -> int:
    return max(1, len(pdf.multi_cell(width, 4.2, text, dry_run=True, output="LINES")))


def _row_height(pdf: FPDF, row: ResultRow) -> float:
    pdf.set_font(_FAMILY, "", 9)
    name = row.member_name + (f"\n{row.member_title}" if row.member_title else "")
    lines = max(_lines(pdf, name, _COLS[1][1] - 2), _lines(pdf, row.comment or "", _COLS[3][1] - 2))
    return max(9.0, lines * 4.2 + 2)


def _row(pdf: FPDF, y: float, number: int, row: ResultRow, height: float) -> None:
    x = _LEFT
    for _h, width in _COLS:
        pdf.rect(x, y, width, height)
        x += width
    starts = [_LEFT + sum(w for _h, w in _COLS[:i]) for i in range(len(_COLS))]
    pdf.set_font(_FAMILY, "", 9)
    pdf.set_xy(starts[0], y + 1)
    pdf.cell(_COLS[0][1], 4.2, str(number), align="C")
    pdf.set_xy(starts[1] + 1, y + 1)
    pdf.set_font(_FAMILY, "B", 9)
    pdf.multi_cell(_COLS[1][1] - 2, 4.2, row.member_name)
    if row.member_title:
        pdf.set_font(_FAMILY, "I", 8.5)
        pdf.set_x(starts[1] + 1)
        pdf.multi_cell(_COLS[1][1] - 2, 4.2, row.member_title)
    pdf.set_font(_FAMILY, "B" if row.choice else "I", 9)
    pdf.set_xy(starts[2], y + 1)
    pdf.cell(_COLS[2][1], 4.2, CHOICE_WORDS[row.choice] if row.choice else "Không trả lời",
             align="C")
    if row.answered_at is not None:
        pdf.set_font(_FAMILY, "", 7.5)
        pdf.set_xy(starts[2], y + 5.2)
        pdf.cell(_COLS[2][1], 3.5, f"{row.answered_at:%H:%M %d/%m}", align="C")
    if row.comment:
        pdf.set_font(_FAMILY, "", 9)
        pdf.set_xy(starts[3] + 1, y + 1)
        pdf.multi_cell(_COLS[3][1] - 2, 4.2, row.comment)
