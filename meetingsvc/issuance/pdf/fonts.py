"""The copy stamp's fonts: which characters each subset holds, and embedding with pikepdf.

Subsetting, widths, glyph ids and the ToUnicode map are :mod:`signing.font`'s
(the same once-per-process subsets the visible signature uses); this module
only chooses the character sets and writes a subset's objects
(:func:`signing.font.write_font`) into a pikepdf document.
"""

from __future__ import annotations

import unicodedata

import pikepdf

from signing.font import VIETNAMESE_CHARSET, PdfName, StampFont, write_font

__all__ = ["BOLD_CHARSET", "TEXT_CHARSET", "embed_font"]

TEXT_CHARSET = VIETNAMESE_CHARSET
"""Every character the regular stamp font shows: ASCII, Latin-1, Latin Extended-A
(names of foreign guests), the Vietnamese letters and common punctuation."""

_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")


def _vietnamese_capital(ch: str) -> bool:
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    return ch == "Đ" or ("A" <= base <= "Z" and _VIETNAMESE_MARKS.issuperset(marks))


BOLD_CHARSET = frozenset(ch for ch in TEXT_CHARSET if _vietnamese_capital(ch)) | frozenset(
    " 0123456789-/.()")
"""The bold font only prints confidentiality marks, which are Vietnamese capitals by
rule; a small set keeps its weight in every copy down."""


def embed_font(pdf: pikepdf.Pdf, font: StampFont) -> pikepdf.Object:
    """Add ``font``'s objects to ``pdf``; return the indirect Type0 font."""
    def add(entries: dict[str, object], data: bytes | None) -> pikepdf.Object:
        dictionary = pikepdf.Dictionary({key: _pdf_object(value) for key, value in entries.items()})
        if data is None:
            return pdf.make_indirect(dictionary)
        return pdf.make_indirect(pikepdf.Stream(pdf, data, dictionary))

    return write_font(font, add)


def _pdf_object(value: object) -> object:
    """A value of :func:`signing.font.write_font`'s entries as a pikepdf object."""
    if isinstance(value, PdfName):
        return pikepdf.Name(value)
    if isinstance(value, str):
        return pikepdf.String(value)
    if isinstance(value, list):
        return pikepdf.Array([_pdf_object(item) for item in value])
    if isinstance(value, dict):
        return pikepdf.Dictionary({key: _pdf_object(item) for key, item in value.items()})
    return value  # a number, or an object already added
