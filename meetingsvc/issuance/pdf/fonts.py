"""A TrueType subset made once per process, shown by glyph id.

Personalising 12,000 copies cannot afford a font engine per copy, so the stamp
font is subset once to a fixed character set that covers any Vietnamese name
(every letter with every tone mark, in both cases) plus basic Latin, and the
text is written straight into content streams as two-byte glyph ids
(Type0 / Identity-H). A ToUnicode map keeps the text extractable and
searchable. Vietnamese in NFC needs no shaping: each letter with its marks is
one code point with one glyph in DejaVu Sans.
"""

from __future__ import annotations

import functools
import io
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fontTools import subset, ttLib

__all__ = [
    "BOLD_CHARSET",
    "TEXT_CHARSET",
    "StampFont",
    "load_stamp_font",
]

_VIETNAMESE_EXTRA = [0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169,
                     0x1A0, 0x1A1, 0x1AF, 0x1B0, *range(0x1EA0, 0x1EFA)]
_PUNCTUATION = [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2116]

TEXT_CHARSET = frozenset(
    chr(c)
    for c in [*range(0x20, 0x7F), *range(0xA0, 0x180), *_VIETNAMESE_EXTRA, *_PUNCTUATION]
)
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


@dataclass(frozen=True)
class StampFont:
    """A font subset ready to embed, with what is needed to lay text out in it."""

    ps_name: str
    """PostScript name, with the six-letter subset tag PDF asks for."""
    hex_glyphs: dict[str, str] = field(repr=False)
    """Character → its glyph id as four hex digits (the Identity-H code)."""
    widths: dict[str, float] = field(repr=False)
    """Character → advance width in 1/1000 em."""
    extents: dict[str, tuple[int, int]] = field(repr=False)
    """Character → lowest and highest point of its glyph in 1/1000 em (marks included)."""
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    program: bytes = field(repr=False)
    """The subset TrueType program, Flate-compressed."""
    program_length: int
    pdf_widths: tuple[int, ...] = field(repr=False)
    """The /W array of the CIDFont: ``first [w1 w2 ...]`` over glyph ids 0…n."""
    to_unicode: bytes = field(repr=False)
    """Flate-compressed ToUnicode CMap."""

    def normalise(self, text: str) -> str:
        """``text`` in NFC, with characters outside the subset shown as ``?``."""
        text = unicodedata.normalize("NFC", text)
        glyphs = self.hex_glyphs
        if all(ch in glyphs for ch in text):
            return text
        return "".join(ch if ch in glyphs else "?" for ch in text)

    def encode(self, text: str) -> bytes:
        """A hex string operand for ``Tj``; ``text`` must be :meth:`normalise`\\ d."""
        glyphs = self.hex_glyphs
        return ("<" + "".join([glyphs[ch] for ch in text]) + ">").encode("ascii")

    def width(self, text: str, size: float) -> float:
        """Width in points of normalised ``text`` set at ``size``."""
        widths = self.widths
        return sum([widths[ch] for ch in text]) * size / 1000

    def vertical_extent(self, text: str, size: float) -> tuple[float, float]:
        """Lowest and highest ink of normalised ``text`` relative to the baseline, in points."""
        extents = [self.extents[ch] for ch in text] or [(0, 0)]
        return (min(low for low, _ in extents) * size / 1000,
                max(high for _, high in extents) * size / 1000)

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """Add the font's objects to ``pdf``; return the indirect Type0 font."""
        program = pikepdf.Stream(pdf, self.program)
        program.stream_dict.Filter = pikepdf.Name.FlateDecode
        program.stream_dict.Length1 = self.program_length
        descriptor = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + self.ps_name),
            Flags=32,
            FontBBox=pikepdf.Array(self.bbox),
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.cap_height,
            StemV=80,
            FontFile2=pdf.make_indirect(program),
        ))
        cid_font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/" + self.ps_name),
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=descriptor,
            CIDToGIDMap=pikepdf.Name.Identity,
            W=pikepdf.Array([0, pikepdf.Array(self.pdf_widths)]),
        ))
        to_unicode = pikepdf.Stream(pdf, self.to_unicode)
        to_unicode.stream_dict.Filter = pikepdf.Name.FlateDecode
        return pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + self.ps_name),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([cid_font]),
            ToUnicode=pdf.make_indirect(to_unicode),
        ))


def _to_unicode_cmap(codes: dict[int, str]) -> bytes:
    """A ToUnicode CMap for glyph id → character."""
    lines = [f"<{gid:04X}> <{ord(ch):04X}>" for gid, ch in sorted(codes.items())]
    chunks = [lines[i:i + 100] for i in range(0, len(lines), 100)]
    body = "".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar\n" for c in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CIDFont defineresource pop\nend\nend\n"
    ).encode("ascii")


@functools.lru_cache(maxsize=8)
def load_stamp_font(path: Path, charset: frozenset[str] = TEXT_CHARSET) -> StampFont:
    """Subset the TrueType font at ``path`` to ``charset`` (cached per process).

    Glyphs are renumbered densely, so the /W array and the font program stay small.
    Characters the font lacks are left out; :meth:`StampFont.normalise` shows them as ``?``.
    """
    font = ttLib.TTFont(str(path), lazy=False, recalcTimestamp=False)
    available = font.getBestCmap()
    wanted = sorted(ord(ch) for ch in charset | {"?"} if ord(ch) in available)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "kern", "DSIG", "MATH"]
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = [1, 2, 3, 4, 6]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    raw = buffer.getvalue()

    cmap = font.getBestCmap()
    order = font.getGlyphOrder()
    scale = 1000 / font["head"].unitsPerEm
    advance = {name: round(font["hmtx"][name][0] * scale) for name in order}
    glyf = font["glyf"]
    hex_glyphs: dict[str, str] = {}
    widths: dict[str, float] = {}
    extents: dict[str, tuple[int, int]] = {}
    codes: dict[int, str] = {}
    for code in wanted:
        name = cmap[code]
        gid = font.getGlyphID(name)
        hex_glyphs[chr(code)] = f"{gid:04X}"
        widths[chr(code)] = advance[name]
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        low, high = (glyph.yMin, glyph.yMax) if glyph.numberOfContours else (0, 0)
        extents[chr(code)] = (round(low * scale), round(high * scale))
        codes.setdefault(gid, chr(code))
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    family = (font["name"].getDebugName(6) or path.stem).replace(" ", "")
    tag = "MSVB" if charset is BOLD_CHARSET else "MSVR"
    return StampFont(
        ps_name=f"{tag}AA+{family}",
        hex_glyphs=hex_glyphs,
        widths=widths,
        extents=extents,
        ascent=round(hhea.ascent * scale),
        descent=round(hhea.descent * scale),
        cap_height=round(getattr(os2, "sCapHeight", hhea.ascent) * scale),
        bbox=(round(head.xMin * scale), round(head.yMin * scale),
              round(head.xMax * scale), round(head.yMax * scale)),
        program=zlib.compress(raw, 9),
        program_length=len(raw),
        pdf_widths=tuple(advance[name] for name in order),
        to_unicode=zlib.compress(_to_unicode_cmap(codes), 9),
    )
