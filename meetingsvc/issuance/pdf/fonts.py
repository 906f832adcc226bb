"""The copy stamp's fonts: which characters each subset holds, and embedding with pikepdf.

Subsetting, widths, glyph ids and the ToUnicode map are :mod:`signing.font`'s
(the same once-per-process subsets the visible signature uses); this module
only chooses the character sets and writes a subset's objects into a pikepdf
document.
"""

from __future__ import annotations

import unicodedata

import pikepdf

from signing.font import VIETNAMESE_CHARSET, StampFont

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
    program = pikepdf.Stream(pdf, font.program)
    program.stream_dict.Filter = pikepdf.Name.FlateDecode
    program.stream_dict.Length1 = font.program_length
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/" + font.ps_name),
        Flags=32,  # nonsymbolic
        FontBBox=pikepdf.Array(font.bbox),
        ItalicAngle=0,
        Ascent=font.ascent,
        Descent=font.descent,
        CapHeight=font.cap_height,
        StemV=80,
        FontFile2=pdf.make_indirect(program),
    ))
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/" + font.ps_name),
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"),
            Ordering=pikepdf.String("Identity"),
            Supplement=0,
        ),
        FontDescriptor=descriptor,
        CIDToGIDMap=pikepdf.Name.Identity,
        W=pikepdf.Array([0, pikepdf.Array(font.cid_widths)]),
    ))
    to_unicode = pikepdf.Stream(pdf, font.to_unicode)
    to_unicode.stream_dict.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/" + font.ps_name),
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=pikepdf.Array([cid_font]),
        ToUnicode=pdf.make_indirect(to_unicode),
    ))
