"""TrueType subsets prepared once per process and shown by glyph id.

Font engines (pyHanko's, reportlab's) subset and shape the font for every
document, which costs more than the rest of signing or stamping a copy. Our
stamps only show Vietnamese and Latin text, so :func:`load_stamp_font` subsets
a font once to a fixed character set and keeps everything needed to embed it
and lay text out in it: the compressed font program, widths, the ToUnicode map
and each character's two-byte glyph id. Embedding is then writing a few small
dictionaries and two pre-compressed streams (a Type0 font with an
Identity-H encoding over a CIDFontType2 with an Identity CID-to-GID map, so
content streams show glyph ids directly; the ToUnicode map keeps the text
extractable and searchable).

This module knows no PDF library: :func:`write_font` describes a font's objects
once, and :mod:`signing.stamp` writes them with pyHanko,
``meetingsvc.issuance.pdf.fonts`` with pikepdf.

Vietnamese needs no shaping in precomposed (NFC) form: every letter with its
tone mark is a single code point with its own glyph in fonts such as DejaVu.
"""

from __future__ import annotations

import functools
import hashlib
import io
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from fontTools import subset, ttLib

__all__ = [
    "FALLBACK", "PdfName", "StampFont", "VIETNAMESE_CHARSET", "load_stamp_font", "write_font",
]

_Ref = TypeVar("_Ref")

VIETNAMESE_CHARSET = frozenset(
    chr(c) for c in [
        *range(0x20, 0x7F), *range(0xA0, 0x180),
        0x1A0, 0x1A1, 0x1AF, 0x1B0, *range(0x1EA0, 0x1EFA),
        0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2116,
    ]
)
"""Every character a stamp can show: ASCII, Latin-1, Latin Extended-A (ă đ ĩ ũ and
the names of foreign guests), ơ ư, the Vietnamese block of Latin Extended
Additional and common punctuation."""

FALLBACK = "?"
"""What a character outside the subset is shown as."""

@dataclass(frozen=True)
class StampFont:
    """A font subset ready to embed, with what is needed to lay text out in it.

    Text goes through :meth:`normalise` once; :meth:`width`, :meth:`encode` and
    :meth:`vertical_extent` then take the normalised text, so that code laying
    out thousands of copies pays for normalisation once per string.
    """

    ps_name: str
    """PostScript name with a six-letter subset tag derived from the character set,
    as PDF asks of subsets (the same subset gets the same name in every process)."""
    hex_glyphs: dict[str, str] = field(repr=False)
    """Character → its glyph id as four hex digits (the Identity-H code)."""
    widths: dict[str, float] = field(repr=False)
    """Character → advance width in 1/1000 em."""
    extents: dict[str, tuple[int, int]] = field(repr=False)
    """Character → lowest and highest point of its glyph in 1/1000 em (marks included)."""
    ascent: int
    """Ascender, in 1/1000 em."""
    descent: int
    """Descender (negative), in 1/1000 em."""
    cap_height: int
    """Height of capital letters, in 1/1000 em."""
    bbox: tuple[int, int, int, int]
    """Font bounding box, in 1/1000 em."""
    program: bytes = field(repr=False)
    """The subset TrueType program, Flate-compressed (the /FontFile2 stream)."""
    program_length: int
    """Uncompressed length of :attr:`program` (its /Length1 entry)."""
    cid_widths: tuple[int, ...] = field(repr=False)
    """Advance widths of glyph ids 0…n in 1/1000 em: the CIDFont's /W array is
    ``[0 [w0 w1 …]]``."""
    to_unicode: bytes = field(repr=False)
    """Flate-compressed ToUnicode CMap (glyph id → character)."""

    def normalise(self, text: str) -> str:
        """``text`` in NFC, with characters outside the subset shown as :data:`FALLBACK`."""
        text = unicodedata.normalize("NFC", text)
        glyphs = self.hex_glyphs
        if all(ch in glyphs for ch in text):
            return text
        return "".join(ch if ch in glyphs else FALLBACK for ch in text)

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


class PdfName(str):
    """A PDF name such as ``/Identity-H``, as opposed to a text string."""

    __slots__ = ()


def write_font(font: StampFont, add: Callable[[dict[str, object], bytes | None], _Ref]) -> _Ref:
    """Write ``font`` into a PDF through ``add`` and return ``add``'s reference to its Type0 font.

    The one description of how a :class:`StampFont` is embedded, for any PDF library:
    ``add(entries, data)`` writes one indirect object and returns a reference to it, a
    stream whose (already compressed) content is ``data``, or a dictionary if ``data``
    is None. Entry values are ints, text strings, :class:`PdfName` s, lists, dicts (direct
    dictionaries) and references ``add`` returned.
    """
    flate = PdfName("/FlateDecode")
    base_font = PdfName("/" + font.ps_name)
    program = add({"/Length1": font.program_length, "/Filter": flate}, font.program)
    descriptor = add({
        "/Type": PdfName("/FontDescriptor"),
        "/FontName": base_font,
        "/Flags": 32,  # nonsymbolic
        "/FontBBox": list(font.bbox),
        "/ItalicAngle": 0,
        "/Ascent": font.ascent,
        "/Descent": font.descent,
        "/CapHeight": font.cap_height,
        "/StemV": 80,
        "/FontFile2": program,
    }, None)
    cid_font = add({
        "/Type": PdfName("/Font"),
        "/Subtype": PdfName("/CIDFontType2"),
        "/BaseFont": base_font,
        "/CIDSystemInfo": {"/Registry": "Adobe", "/Ordering": "Identity", "/Supplement": 0},
        "/FontDescriptor": descriptor,
        "/CIDToGIDMap": PdfName("/Identity"),
        "/W": [0, list(font.cid_widths)],
    }, None)
    to_unicode = add({"/Filter": flate}, font.to_unicode)
    return add({
        "/Type": PdfName("/Font"),
        "/Subtype": PdfName("/Type0"),
        "/BaseFont": base_font,
        "/Encoding": PdfName("/Identity-H"),
        "/DescendantFonts": [cid_font],
        "/ToUnicode": to_unicode,
    }, None)


def load_stamp_font(path: Path | str, charset: Iterable[str] = VIETNAMESE_CHARSET
                    ) -> StampFont:
    """Subset the TrueType font at ``path`` to ``charset``, once per process.

    Glyphs are renumbered densely, so the /W array and the font program stay small.
    Characters the font lacks are left out; :meth:`StampFont.normalise` shows them
    as :data:`FALLBACK`.
    """
    return _load(Path(path), frozenset(charset))


@functools.lru_cache(maxsize=8)
def _load(path: Path, charset: frozenset[str]) -> StampFont:
    font = ttLib.TTFont(str(path), lazy=False, recalcTimestamp=False)
    available = font.getBestCmap()
    wanted = sorted(ord(ch) for ch in charset | {FALLBACK} if ord(ch) in available)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []  # no shaping: one code point, one glyph
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
    if FALLBACK not in hex_glyphs:  # a font without "?": show .notdef instead
        hex_glyphs[FALLBACK], widths[FALLBACK] = "0000", advance[order[0]]
        extents[FALLBACK] = (0, 0)
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    family = (font["name"].getDebugName(6) or path.stem).replace(" ", "")
    return StampFont(
        ps_name=f"{_subset_tag(charset)}+{family}",
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
        cid_widths=tuple(advance[name] for name in order),
        to_unicode=zlib.compress(_to_unicode_cmap(codes), 9),
    )


def _subset_tag(charset: frozenset[str]) -> str:
    """Six capital letters that name the character set, stable across processes."""
    digest = hashlib.sha256("".join(sorted(charset)).encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


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
