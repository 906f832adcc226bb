# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves its generic object constructors unannotated)
"""The visible signature: office name, "Ký số bởi …", signing time and a QR code.

:class:`OfficeStampStyle` is a pyHanko stamp style (so pyHanko places it as the
signature widget's appearance), drawn with our own cheap primitives: the text
uses the once-per-process font subset of :mod:`signing.font` (written here with
pyHanko's generic objects, :func:`embed_font`), the QR code is drawn as filled
rectangles from ``qrcode``'s module matrix. Layout: the QR code fills the box's
height on the left (20 mm with the default box, see
:data:`~signing.settings.MIN_QR_SIDE`); three or four lines of text to its right,
shrunk to fit: the office, "Ký số bởi …", the time and the copy number ("Bản số 05/58").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp.base import BaseStamp, BaseStampStyle

from .font import PdfName, StampFont, load_stamp_font, write_font
from .settings import DEFAULT_FONT, StampSettings

__all__ = ["OfficeStampStyle", "embed_font", "stamp_box", "stamp_lines", "qr_matrix"]

_PAD = 2.0
"""Space between the box and the QR code or text, in points."""
_FRAME = 1.0
"""Width of the frame's line, in points."""
_RED = b"0.6 0.05 0.05"
"""The office's red, for the frame and the first line."""
_MAX_FONT_SIZE = 7.5
_LEADING = 1.3


def stamp_lines(*, office: str, signer: str, when: dt.datetime, tz: dt.tzinfo,
                copy_label: str | None = None) -> list[str]:
    """The lines of the stamp, in Vietnamese: office, signer, time and, when given, the
    copy number the reader sees on the document."""
    local = when.astimezone(tz)
    offset = local.strftime("%z")
    lines = [office, f"Ký số bởi: {signer}",
             f"Thời gian: {local:%d/%m/%Y %H:%M:%S} (GMT{offset[:3]}:{offset[3:]})"]
    return [*lines, copy_label] if copy_label else lines


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code modules for ``url`` (error correction M, no quiet zone).

    The mask pattern is fixed: letting ``qrcode`` score all eight masks costs
    more than the rest of the signature, and any mask scans.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0,
                         mask_pattern=2)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _qr_commands(matrix: list[list[bool]], x: float, y: float, side: float) -> bytes:
    n = len(matrix)
    unit = side / n
    rects: list[bytes] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                rects.append(b"%.3f %.3f %.3f %.3f re" % (
                    x + start * unit, y + (n - 1 - r) * unit, (c - start) * unit, unit))
            else:
                c += 1
    return b"q 0 g " + b" ".join(rects) + b" f Q"


@dataclass(frozen=True)
class OfficeStampStyle(BaseStampStyle):
    """The office's stamp; text parameters: ``lines`` (list of str) and ``url`` (optional)."""

    font_path: Path = DEFAULT_FONT
    """TrueType font for the text."""

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
                     text_params: dict[str, Any]) -> OfficeStamp:
        """Called by pyHanko when it builds the signature widget's appearance."""
        return OfficeStamp(writer, self, box, lines=list(text_params.get("lines", [])),
                           url=text_params.get("url"), font=load_stamp_font(self.font_path))


class OfficeStamp(BaseStamp):
    """One rendered stamp (a form XObject, through pyHanko's :class:`BaseStamp`)."""

    def __init__(self, writer: BasePdfFileWriter, style: OfficeStampStyle,
                 box: layout.BoxConstraints, *, lines: list[str], url: str | None,
                 font: StampFont) -> None:
        super().__init__(writer=writer, style=style, box=box)
        self.lines, self.url, self.font = lines, url, font

    def _render_inner_content(self) -> list[bytes]:
        width, height = float(self.box.width), float(self.box.height)
        # A white ground: the QR code's quiet zone stays white over whatever the page has.
        commands: list[bytes] = [b"q 1 g 0 0 %.2f %.2f re f Q" % (width, height)]
        frame_x = 0.0
        if self.url:
            side = height - 2 * _PAD
            commands.append(_qr_commands(qr_matrix(self.url), _PAD, _PAD, side))
            frame_x = side + 2 * _PAD
        # The frame surrounds the text only: a line along the QR code would break the
        # white margin a scanner needs to find it.
        half = _FRAME / 2
        commands.append(b"q %s RG %.2f w %.2f %.2f %.2f %.2f re S Q" % (
            _RED, _FRAME, frame_x + half, half, width - frame_x - _FRAME, height - _FRAME))
        text_x = frame_x + _FRAME + _PAD
        if self.lines:
            font = self.font
            self.set_resource(ResourceType.FONT, pdf_name("/F1"),
                              embed_font(self._ensure_writer, font))
            lines = [font.normalise(line) for line in self.lines]
            available = max(width - text_x - _PAD, 1.0)
            widest = max(font.width(line, 1.0) for line in lines) or 1.0
            size = min(_MAX_FONT_SIZE, available / widest,
                       (height - 2 * _PAD) / (len(self.lines) * _LEADING))
            block = size * _LEADING * len(self.lines)
            y = (height + block) / 2 - size  # first baseline, block centred vertically
            for index, line in enumerate(lines):
                colour = _RED + b" rg" if index == 0 else b"0 g"
                commands.append(b"BT %s /F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET" % (
                    colour, size, text_x, y, font.encode(line)))
                y -= size * _LEADING
        return commands


def embed_font(writer: BasePdfFileWriter, font: StampFont) -> generic.IndirectObject:
    """Write ``font``'s objects into ``writer``; return the Type0 font reference."""
    def add(entries: dict[str, object], data: bytes | None) -> generic.IndirectObject:
        dictionary = {pdf_name(key): _pdf_object(value) for key, value in entries.items()}
        if data is None:
            return writer.add_object(generic.DictionaryObject(dictionary))
        return writer.add_object(generic.StreamObject(dictionary, encoded_data=data))

    return write_font(font, add)


def _pdf_object(value: object) -> generic.PdfObject:
    """A value of :func:`signing.font.write_font`'s entries as a pyHanko object."""
    if isinstance(value, PdfName):
        return pdf_name(value)
    if isinstance(value, str):
        return generic.TextStringObject(value)
    if isinstance(value, int):
        return generic.NumberObject(value)
    if isinstance(value, list):
        return generic.ArrayObject(_pdf_object(item) for item in value)
    if isinstance(value, dict):
        return generic.DictionaryObject(
            {pdf_name(key): _pdf_object(item) for key, item in value.items()})
    if isinstance(value, generic.PdfObject):
        return value
    raise TypeError(f"no PDF object for {value!r}")


def stamp_box(settings: StampSettings, page_width: float, page_height: float
              ) -> tuple[int, int, int, int]:
    """The stamp rectangle on a page: the configured one, or the bottom-right margin."""
    if settings.rect is not None:
        x1, y1, x2, y2 = settings.rect
    else:
        x2, y1 = page_width - settings.margin, settings.margin
        x1, y2 = x2 - settings.width, y1 + settings.height
    return round(x1), round(y1), round(x2), round(y2)
