# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""A TrueType font prepared once per process for the signature stamp.

pyHanko's own font engine subsets and shapes the font for every signature,
which costs more than the rest of signing together. The stamp only ever shows
Vietnamese and ASCII text, so :func:`load_stamp_font` subsets the font once to
a fixed Vietnamese character set, keeping the original glyph ids, and
compresses it. Embedding it into a document is then writing a few small
dictionaries and one pre-compressed stream (a CIDFontType2 with an Identity
CID-to-GID map, so the content stream shows glyph ids directly; a ToUnicode
map keeps the text extractable and searchable).

Vietnamese needs no shaping in precomposed (NFC) form: every letter with its
tone mark is a single code point with its own glyph in fonts such as DejaVu.
"""

from __future__ import annotations

import functools
import io
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from fontTools import subset, ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import BasePdfFileWriter

__all__ = ["StampFont", "load_stamp_font", "VIETNAMESE_CHARSET"]

VIETNAMESE_CHARSET = "".join(
    chr(c) for c in [
        *range(0x20, 0x7F), *range(0xA0, 0x180),
        0x1A0, 0x1A1, 0x1AF, 0x1B0, *range(0x1EA0, 0x1EFA),
        0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2022,
    ]
)
"""Every character the stamp can show: ASCII, Latin-1, Latin Extended-A, ơ ư, the
Vietnamese block of Latin Extended Additional and common punctuation."""


@dataclass(frozen=True)
class StampFont:
    """A font subset ready to embed: glyph ids, widths and the compressed font program."""

    ps_name: str
    """PostScript name (with a subset tag, as PDF requires for subsets)."""
    gids: dict[str, int]
    """Character → glyph id."""
    widths: dict[int, int]
    """Glyph id → advance width in 1/1000 of the font size."""
    ascent: int
    """Ascender, in 1/1000 em."""
    descent: int
    """Descender (negative), in 1/1000 em."""
    bbox: tuple[int, int, int, int]
    """Font bounding box, in 1/1000 em."""
    program: bytes = field(repr=False)
    """The subset TrueType program, Flate-compressed."""
    program_length: int = 0
    """Uncompressed length of :attr:`program` (the /Length1 entry)."""
    to_unicode: bytes = field(default=b"", repr=False)
    """Flate-compressed ToUnicode CMap."""

    def glyphs(self, text: str) -> list[int]:
        """Glyph ids for ``text`` (NFC-normalised; unknown characters become ``?``)."""
        fallback = self.gids.get("?", 0)
        return [self.gids.get(ch, fallback) for ch in unicodedata.normalize("NFC", text)]

    def text_width(self, text: str, size: float) -> float:
        """Width of ``text`` set at ``size`` points."""
        return sum(self.widths.get(g, 0) for g in self.glyphs(text)) * size / 1000

    def show(self, text: str) -> bytes:
        """A hex string operand for ``Tj`` (two-byte glyph ids, Identity-H)."""
        return b"<" + "".join(f"{g:04X}" for g in self.glyphs(text)).encode() + b">"

    def embed(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        """Write the font's objects into ``writer``; return the Type0 font reference."""
        program = generic.StreamObject(
            {pdf_name("/Length1"): generic.NumberObject(self.program_length),
             pdf_name("/Filter"): pdf_name("/FlateDecode")},
            encoded_data=self.program)
        descriptor = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/FontDescriptor"),
            pdf_name("/FontName"): pdf_name("/" + self.ps_name),
            pdf_name("/Flags"): generic.NumberObject(32),
            pdf_name("/FontBBox"): generic.ArrayObject(generic.NumberObject(v) for v in self.bbox),
            pdf_name("/ItalicAngle"): generic.NumberObject(0),
            pdf_name("/Ascent"): generic.NumberObject(self.ascent),
            pdf_name("/Descent"): generic.NumberObject(self.descent),
            pdf_name("/CapHeight"): generic.NumberObject(self.ascent),
            pdf_name("/StemV"): generic.NumberObject(80),
            pdf_name("/FontFile2"): writer.add_object(program),
        })
        widths = generic.ArrayObject()
        for gid in sorted(self.widths):
            widths.extend([generic.NumberObject(gid),
                           generic.ArrayObject([generic.NumberObject(self.widths[gid])])])
        cid_font = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/CIDFontType2"),
            pdf_name("/BaseFont"): pdf_name("/" + self.ps_name),
            pdf_name("/CIDSystemInfo"): generic.DictionaryObject({
                pdf_name("/Registry"): generic.TextStringObject("Adobe"),
                pdf_name("/Ordering"): generic.TextStringObject("Identity"),
                pdf_name("/Supplement"): generic.NumberObject(0)}),
            pdf_name("/FontDescriptor"): writer.add_object(descriptor),
            pdf_name("/CIDToGIDMap"): pdf_name("/Identity"),
            pdf_name("/W"): widths,
        })
        to_unicode = generic.StreamObject({pdf_name("/Filter"): pdf_name("/FlateDecode")},
                                          encoded_data=self.to_unicode)
        return writer.add_object(generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type0"),
            pdf_name("/BaseFont"): pdf_name("/" + self.ps_name),
            pdf_name("/Encoding"): pdf_name("/Identity-H"),
            pdf_name("/DescendantFonts"): generic.ArrayObject([writer.add_object(cid_font)]),
            pdf_name("/ToUnicode"): writer.add_object(to_unicode),
        }))


def _to_unicode_cmap(gids: dict[str, int]) -> bytes:
    lines = [f"<{gid:04X}> <{ord(ch):04X}>" for ch, gid in sorted(gids.items(),
                                                                 key=lambda kv: kv[1])]
    chunks = [lines[i:i + 100] for i in range(0, len(lines), 100)]
    body = "".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar\n" for c in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CIDFont defineresource pop\nend\nend\n"
    ).encode()


@functools.lru_cache(maxsize=4)
def load_stamp_font(path: Path) -> StampFont:
    """Subset and compress the font at ``path`` once per process (cached)."""
    font = ttLib.TTFont(str(path), lazy=False)
    cmap = font.getBestCmap()
    gids = {ch: font.getGlyphID(cmap[ord(ch)]) for ch in VIETNAMESE_CHARSET if ord(ch) in cmap}
    options = subset.Options()
    options.retain_gids = True
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "kern", "DSIG"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in gids])
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    raw = buffer.getvalue()
    scale = 1000 / font["head"].unitsPerEm
    hmtx = font["hmtx"]
    glyph_order = font.getGlyphOrder()
    widths = {gid: round(hmtx[glyph_order[gid]][0] * scale) for gid in set(gids.values())}
    head, hhea = font["head"], font["hhea"]
    name = font["name"].getDebugName(6) or Path(path).stem
    return StampFont(
        ps_name="MSVSTP+" + name.replace(" ", ""),
        gids=gids, widths=widths,
        ascent=round(hhea.ascent * scale), descent=round(hhea.descent * scale),
        bbox=(round(head.xMin * scale), round(head.yMin * scale),
              round(head.xMax * scale), round(head.yMax * scale)),
        program=zlib.compress(raw, 6), program_length=len(raw),
        to_unicode=zlib.compress(_to_unicode_cmap(gids), 6),
    )
