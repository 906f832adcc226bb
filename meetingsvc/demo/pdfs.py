"""Render demo documents as PDFs laid out like real Party documents.

The layout follows the Party's rules for document form (Quy định 66-QĐ/TW and
its guidance): issuing body and symbol top left, "ĐẢNG CỘNG SẢN VIỆT NAM" and
the place and date top right, kind and title centred, numbered sections, a
signature block and "Nơi nhận". Margins are wide because issuance stamps
personalisation marks into them.

Lines are broken and justified here rather than by fpdf2's `multi_cell`, whose
line breaker costs about a second for 20 pages; this way a 20-page document
renders in a fraction of that. Output is byte-for-byte reproducible: the text
comes from a generator seeded by the document symbol, and the creation date
is fixed.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF

from .meetings import (
    AUDIENCE_ALL,
    KINDS,
    Confidentiality,
    DemoDocument,
    DocumentKind,
    SignatureBlock,
)
from .people import PROVINCE, Province, person
from .prose import Block, body_blocks

__all__ = ["DEFAULT_FONT_DIR", "render_document_pdf", "render_generic_pdf", "vietnamese_date"]

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts DejaVu Serif."""

_FAMILY = "DejaVuSerif"
_FONT_FILES = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
}

# A4 portrait, in millimetres. Margins leave room for the stamps added at issuance.
_PAGE_HEIGHT = 297.0
_LEFT, _RIGHT_EDGE, _TOP, _BOTTOM_EDGE = 30.0, 190.0, 25.0, 272.0
_TEXT_WIDTH = _RIGHT_EDGE - _LEFT
_BODY_SIZE = 12.0
_LINE = 6.3
_INDENT = 10.0

_GENERIC_DATE = date(2026, 1, 15)


def vietnamese_date(place: str, day: date) -> str:
    """The place and date line, such as "Sơn Hà, ngày 05 tháng 02 năm 2026": days
    below 10 and months 1 and 2 take a leading zero, as the rules for form require."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


class _Sheet(FPDF):
    """An A4 page set with the page number centred at the bottom."""

    def footer(self) -> None:
        self.set_font(_FAMILY, "", 11)
        self.set_xy(_LEFT, _PAGE_HEIGHT - 16)
        self.cell(_TEXT_WIDTH, 6, str(self.page_no()), align="C")


class _Writer:
    """Places text with `FPDF.text`, breaking and justifying lines itself."""

    def __init__(self, pdf: _Sheet) -> None:
        self.pdf = pdf
        self.y = _TOP
        self._font: tuple[str, float] | None = None
        self._widths: dict[tuple[str, float, str], float] = {}

    def new_page(self) -> None:
        self.pdf.add_page()
        self._font = None  # the footer changed it
        self.y = _TOP

    def font(self, style: str, size: float) -> None:
        if self._font != (style, size):
            self.pdf.set_font(_FAMILY, style, size)
            self._font = (style, size)

    def width(self, text: str, style: str, size: float) -> float:
        key = (style, size, text)
        cached = self._widths.get(key)
        if cached is None:
            self.font(style, size)
            cached = self._widths[key] = self.pdf.get_string_width(text)
        return cached

    def wrap(
        self, text: str, style: str, size: float, width: float, indent: float = 0
    ) -> list[list[str]]:
        """Greedy line breaking; the first line is `indent` shorter."""
        space = self.width(" ", style, size)
        lines: list[list[str]] = [[]]
        used = indent
        for word in text.split():
            word_width = self.width(word, style, size)
            if lines[-1] and used + space + word_width > width:
                lines.append([])
                used = 0
            used += (space if lines[-1] else 0) + word_width
            lines[-1].append(word)
        return lines

    def line(
        self, words: list[str], x: float, width: float, style: str, size: float, *, justify: bool
    ) -> None:
        """One line at the cursor, justified by spreading the gaps between words."""
        self.font(style, size)
        baseline = self.y + _LINE * 0.72
        if not justify or len(words) < 2:
            self.pdf.text(x, baseline, " ".join(words))
            return
        widths = [self.width(word, style, size) for word in words]
        gap = (width - sum(widths)) / (len(words) - 1)
        for word, word_width in zip(words, widths, strict=True):
            self.pdf.text(x, baseline, word)
            x += word_width + gap

    def centred(
        self, text: str, centre: float, style: str, size: float, *, line: float = _LINE
    ) -> float:
        """A centred line at the cursor; returns its width and moves the cursor down."""
        text_width = self.width(text, style, size)
        self.font(style, size)
        self.pdf.text(centre - text_width / 2, self.y + line * 0.72, text)
        self.y += line
        return text_width

    def centred_wrapped(
        self, text: str, centre: float, width: float, style: str, size: float
    ) -> None:
        for words in self.wrap(text, style, size, width):
            self.centred(" ".join(words), centre, style, size)


def render_document_pdf(
    spec: DemoDocument,
    *,
    pages: int | None = None,
    font_dir: Path | str = DEFAULT_FONT_DIR,
    province: Province = PROVINCE,
) -> bytes:
    """The document `spec` describes as a PDF of `pages` pages (default: the
    spec's own count). The same arguments always give the same bytes."""
    creation = datetime.combine(spec.issued_on, time(8, 0), UTC)
    return _render(
        spec,
        spec.pages if pages is None else pages,
        _seed_for(spec.symbol),
        Path(font_dir),
        province,
        creation,
    )


@functools.lru_cache(maxsize=32)
def render_generic_pdf(
    title: str, pages: int = 20, seed: int = 0, *, font_dir: Path | str = DEFAULT_FONT_DIR
) -> bytes:
    """A report titled `title` for benchmarks: the same look as the demo
    documents, with `seed` choosing its number and text. Results are cached in
    the process, since benchmarks ask for the same inputs again and again;
    `render_generic_pdf.__wrapped__` renders afresh."""
    spec = DemoDocument(
        number=100 + seed % 900,
        kind=KINDS["BC"],
        subject=title,
        confidentiality=Confidentiality.NONE,
        pages=pages,
        audience=AUDIENCE_ALL,
        guests_allowed=False,
        issued_on=_GENERIC_DATE,
        signature=SignatureBlock("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "nguyenkhacthang"),
        recipients=("- Các đồng chí Tỉnh ủy viên,", "- Lưu Văn phòng Tỉnh ủy."),
    )
    creation = datetime.combine(_GENERIC_DATE, time(8, 0), UTC)
    return _render(spec, pages, _seed_for(f"generic:{seed}"), Path(font_dir), PROVINCE, creation)


def _seed_for(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _render(
    spec: DemoDocument,
    pages: int,
    seed: int,
    font_dir: Path,
    province: Province,
    creation: datetime,
) -> bytes:
    if pages < 1:
        raise ValueError(f"a document has at least one page, not {pages}")
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    for style, file_name in _FONT_FILES.items():
        pdf.add_font(_FAMILY, style, font_dir / file_name)
    pdf.set_creation_date(creation)
    pdf.set_auto_page_break(False)
    pdf.set_title(spec.title)
    pdf.set_author(f"{province.committee.capitalize()} {province.name}")
    pdf.set_creator("meetingsvc demo")
    pdf.set_lang("vi")
    writer = _Writer(pdf)
    writer.new_page()
    _header(writer, spec, province)
    _title(writer, spec.kind, spec.subject)
    rng = random.Random(seed)  # noqa: S311 - filler text, not a secret
    _body(
        writer,
        body_blocks(spec.kind.abbreviation, pages, rng),
        pages,
        _signature_height(writer, spec),
    )
    _signature(writer, spec.signature, spec.recipients)
    return bytes(pdf.output())


def _header(writer: _Writer, spec: DemoDocument, province: Province) -> None:
    """Issuing body and symbol on the left, the Party's name and the date on the right."""
    left_centre, right_centre = _LEFT + 37, _LEFT + 37 + 80
    top = writer.y
    writer.centred(province.party_organisation, left_centre, "", 12)
    writer.centred(province.committee, left_centre, "B", 12)
    writer.centred("*", left_centre, "", 12, line=5)
    writer.centred(f"Số {spec.symbol}", left_centre, "", 12)
    if spec.confidentiality is not Confidentiality.NONE:
        mark = spec.confidentiality.label_vi
        writer.y += 2
        mark_width = writer.width(mark, "B", 13) + 6
        writer.pdf.set_line_width(0.5)
        writer.pdf.rect(left_centre - mark_width / 2, writer.y - 0.5, mark_width, 8)
        writer.centred(mark, left_centre, "B", 13, line=7)
    bottom = writer.y

    writer.y = top
    party_width = writer.centred("ĐẢNG CỘNG SẢN VIỆT NAM", right_centre, "B", 12.5)
    writer.pdf.set_line_width(0.3)
    writer.pdf.line(
        right_centre - party_width / 2, writer.y, right_centre + party_width / 2, writer.y
    )
    writer.y += 4
    writer.centred(vietnamese_date(province.name, spec.issued_on), right_centre, "I", 12)
    writer.y = max(bottom, writer.y) + 8


def _title(writer: _Writer, kind: DocumentKind, subject: str) -> None:
    centre = _LEFT + _TEXT_WIDTH / 2
    writer.centred(kind.name_vi.upper(), centre, "B", 14, line=7.5)
    writer.centred_wrapped(subject, centre, _TEXT_WIDTH - 20, "B", 12)
    writer.centred("-----", centre, "", 12)
    writer.y += 4


def _block_lines(writer: _Writer, block: Block) -> list[tuple[list[str], str, bool]]:
    """(words, style, centred) for each line of `block`."""
    if block.kind == "section" and "\n" in block.text:  # "Chương I" over its title
        return [(line.split(), "B", True) for line in block.text.split("\n")]
    style = "B" if block.kind in ("section", "subsection") else ""
    return [
        (words, style, False)
        for words in writer.wrap(block.text, style, _BODY_SIZE, _TEXT_WIDTH, _INDENT)
    ]


def _body(writer: _Writer, blocks: Iterable[Block], pages: int, reserve: float) -> None:
    """Flow blocks until the last page has just room left for the signature."""
    for block in blocks:
        lines = _block_lines(writer, block)
        before = 3.0 if block.kind == "section" else 1.0
        height = before + len(lines) * _LINE
        if block.kind != "paragraph":
            height += 2 * _LINE  # a heading keeps a couple of lines of its text with it
        if writer.pdf.page_no() >= pages and writer.y + height + reserve > _BOTTOM_EDGE:
            return
        if block.kind != "paragraph" and writer.y + height > _BOTTOM_EDGE:
            writer.new_page()
        if writer.y > _TOP:
            writer.y += before
        for number, (words, style, centred) in enumerate(lines):
            if writer.y + _LINE > _BOTTOM_EDGE:
                writer.new_page()
            if centred:
                writer.centred(" ".join(words), _LEFT + _TEXT_WIDTH / 2, style, _BODY_SIZE)
                continue
            indent = _INDENT if number == 0 else 0
            last = number == len(lines) - 1
            writer.line(
                words, _LEFT + indent, _TEXT_WIDTH - indent, style, _BODY_SIZE, justify=not last
            )
            writer.y += _LINE


_SIGNATURE_SPACE = 24.0
_RECIPIENT_SIZE = 10.5
_RECIPIENT_LINE = 5.0


def _signature_height(writer: _Writer, spec: DemoDocument) -> float:
    recipients = sum(len(writer.wrap(r, "", _RECIPIENT_SIZE, 75)) for r in spec.recipients)
    left = (1 + recipients) * _RECIPIENT_LINE
    right = 3 * _LINE + _SIGNATURE_SPACE
    return 6 + max(left, right)


def _signature(writer: _Writer, signature: SignatureBlock, recipients: tuple[str, ...]) -> None:
    """Recipients (Nơi nhận) bottom left; authority, title, room to sign and the name
    on the right."""
    writer.y += 6
    top = writer.y
    writer.font("I", 11)
    writer.pdf.text(_LEFT, writer.y + _RECIPIENT_LINE * 0.72, "Nơi nhận:")
    label_width = writer.width("Nơi nhận:", "I", 11)
    writer.pdf.set_line_width(0.2)
    writer.pdf.line(_LEFT, writer.y + 4.6, _LEFT + label_width, writer.y + 4.6)
    writer.y += _RECIPIENT_LINE
    for recipient in recipients:
        for number, words in enumerate(writer.wrap(recipient, "", _RECIPIENT_SIZE, 75)):
            writer.font("", _RECIPIENT_SIZE)
            x = _LEFT + (0 if number == 0 else 2)
            writer.pdf.text(x, writer.y + _RECIPIENT_LINE * 0.72, " ".join(words))
            writer.y += _RECIPIENT_LINE

    writer.y = top
    centre = _LEFT + 120
    writer.centred(signature.authority, centre, "B", 12)
    writer.centred(signature.title, centre, "B", 12)
    writer.y += _SIGNATURE_SPACE
    writer.centred(person(signature.signer).full_name, centre, "B", 12)
