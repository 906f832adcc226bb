"""Compare what a reader sees in a signed revision with what the final file shows.

A change policy reasons about PDF objects; a reader sees pixels. The "replace"
and "hide" attacks (Mainka, Mladenov, Rohlmann, Schwenk: "Shadow Attacks",
NDSS 2021) and annotation overlays pass object-level checks that call them form
filling or annotation. EU DSS closes that gap by rendering the signed revision
and the final document and comparing them; this module does the same with
PDFium (pypdfium2):

* every page present in both is rendered at a modest resolution (``scale``
  pixels per point) with annotations and form fields drawn, as a viewer shows it;
* differences inside the widgets of signatures made later are allowed;
* differences inside the widgets of form fields the signer left open are allowed,
  except where the field's new appearance covers content of the signed page
  (text or drawings under the field, rendered without annotations): filling a
  field adds ink, it must not hide what was signed;
* whatever remains is reported as :class:`~signing.report.VisualChange` regions in
  PDF points, and fails the file.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw

from .report import VisualChange

__all__ = ["Rect", "PageAreas", "RenderedDocument", "compare_revision"]

Rect = tuple[float, float, float, float]
"""``(x1, y1, x2, y2)`` in PDF user space (points)."""

_CHANGED = 48
"""A pixel differs when one of its colour channels moved by more than this (of 255)."""
_INK = 160
"""Below this grey level, a pixel of the signed page's own content is ink."""
_MARGIN = 2
"""Pixels added around each allowed widget, for anti-aliasing at its edges."""
_CELL = 6
"""Changed pixels are grouped into cells of this many pixels to name regions."""
_MIN_PIXELS = 3
"""Fewer changed pixels than this on a page are rendering noise, not a change."""
_COVER_SHARE = 0.02
"""A field hides signed content when its change covers ink over this share of its area."""
_MAX_REGIONS = 8
"""Regions reported per page at most (the rest are merged into the last)."""


@dataclass
class PageAreas:
    """Where on one page a later revision may change what is shown."""

    forms: list[Rect] = field(default_factory=list)
    """Widgets of form fields the signer left open to filling."""
    signatures: list[Rect] = field(default_factory=list)
    """Widgets of signatures made in later revisions."""


class RenderedDocument:
    """One revision of the file, opened once; pages rendered on demand and cached."""

    def __init__(self, data: bytes, scale: float) -> None:
        self.scale = scale
        self._pdf = pdfium.PdfDocument(data)
        self._pdf.init_forms()
        self._pages: dict[tuple[int, bool], Image.Image] = {}

    def __len__(self) -> int:
        return len(self._pdf)

    def render(self, index: int, *, annotations: bool = True) -> Image.Image:
        """Page ``index`` as an RGB image; without annotations, the page content alone."""
        key = (index, annotations)
        if key not in self._pages:
            page = self._pdf[index]
            bitmap = page.render(scale=self.scale, may_draw_forms=annotations,
                                 draw_annots=annotations)
            self._pages[key] = bitmap.to_pil().convert("RGB")
        return self._pages[key]

    def to_pixels(self, index: int, rect: Rect) -> tuple[int, int, int, int]:
        """The pixel box (left, top, right, bottom) of a rectangle in page space."""
        size = self.render(index).size
        page = self._pdf[index]
        xs, ys = [], []
        for x, y in ((rect[0], rect[1]), (rect[2], rect[3]), (rect[0], rect[3]),
                     (rect[2], rect[1])):
            dx, dy = ctypes.c_int(), ctypes.c_int()
            pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, dx, dy)
            xs.append(dx.value)
            ys.append(dy.value)
        return min(xs), min(ys), max(xs), max(ys)

    def to_page(self, index: int, box: tuple[int, int, int, int]) -> Rect:
        """A pixel box back in page space, rounded to whole points."""
        size = self.render(index).size
        page = self._pdf[index]
        xs, ys = [], []
        for px, py in ((box[0], box[1]), (box[2], box[3])):
            x, y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDF_DeviceToPage(page.raw, 0, 0, size[0], size[1], 0, px, py, x, y)
            xs.append(round(x.value))
            ys.append(round(y.value))
        return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))

    def close(self) -> None:
        """Release PDFium's document."""
        self._pages.clear()
        self._pdf.close()


def _changed_mask(before: Image.Image, after: Image.Image) -> Image.Image:
    """An ``L`` mask: 255 where any channel differs by more than :data:`_CHANGED`."""
    if before.size != after.size:
        after = after.resize(before.size)
    bands = ImageChops.difference(before, after).split()
    widest = bands[0]
    for band in bands[1:]:
        widest = ImageChops.lighter(widest, band)
    return widest.point(lambda v: 255 if v > _CHANGED else 0)


def _count(mask: Image.Image) -> int:
    return mask.histogram()[255]


def _boxes(doc: RenderedDocument, index: int, rects: Sequence[Rect]
           ) -> Iterator[tuple[int, int, int, int]]:
    for rect in rects:
        left, top, right, bottom = doc.to_pixels(index, rect)
        yield left - _MARGIN, top - _MARGIN, right + _MARGIN, bottom + _MARGIN


def _regions(mask: Image.Image) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (pixels) of the connected groups of changed cells."""
    cells = mask.reduce(_CELL) if min(mask.size) >= _CELL else mask
    width, height = cells.size
    on = {(x, y) for y in range(height) for x in range(width) if cells.getpixel((x, y))}
    regions = []
    while on:
        start = on.pop()
        stack, group = [start], [start]
        while stack:
            x, y = stack.pop()
            for nx in (x - 1, x, x + 1):
                for ny in (y - 1, y, y + 1):
                    if (nx, ny) in on:
                        on.remove((nx, ny))
                        stack.append((nx, ny))
                        group.append((nx, ny))
        xs = [c[0] for c in group]
        ys = [c[1] for c in group]
        regions.append((min(xs) * _CELL, min(ys) * _CELL, (max(xs) + 1) * _CELL,
                        (max(ys) + 1) * _CELL))
    regions.sort(key=lambda b: (b[1], b[0]))
    if len(regions) > _MAX_REGIONS:
        rest = regions[_MAX_REGIONS - 1:]
        merged = (min(b[0] for b in rest), min(b[1] for b in rest),
                  max(b[2] for b in rest), max(b[3] for b in rest))
        regions = regions[:_MAX_REGIONS - 1] + [merged]
    return regions


def _page_change(signed: RenderedDocument, final: RenderedDocument, index: int,
                 areas: PageAreas, signature: str) -> VisualChange | None:
    changed = _changed_mask(signed.render(index), final.render(index))
    if changed.getbbox() is None:
        return None
    outside = changed.copy()
    draw = ImageDraw.Draw(outside)
    for box in _boxes(signed, index, [*areas.forms, *areas.signatures]):
        draw.rectangle(box, fill=0)
    failing = outside
    covering = False
    if areas.forms:
        # inside the open fields: only changes over the signed page's own ink count
        ink = signed.render(index, annotations=False).convert("L").point(
            lambda v: 255 if v < _INK else 0)
        for box in _boxes(signed, index, areas.forms):
            inside = ImageChops.multiply(changed.crop(box), ink.crop(box))
            area = max(1, (box[2] - box[0]) * (box[3] - box[1]))
            hidden = _count(inside)
            if hidden >= _MIN_PIXELS and hidden >= _COVER_SHARE * area:
                covering = True
                failing = failing.copy() if failing is outside else failing
                failing.paste(inside, box[:2])
    if _count(failing) < _MIN_PIXELS:
        return None
    regions = tuple(signed.to_page(index, box) for box in _regions(failing))
    return VisualChange(signature=signature, page=index + 1, regions=regions,
                        covers_signed_content=covering)


def compare_revision(signed_data: bytes, final: RenderedDocument, signature: str,
                     areas: Mapping[int, PageAreas]) -> tuple[list[VisualChange], int]:
    """Visible differences between the signed revision ``signed_data`` and ``final``,
    and the number of pages compared.

    Only pages present in both are compared (adding or removing pages is the
    change policy's business). ``areas`` maps a zero-based page index to the
    widgets where a later change is allowed.
    """
    signed = RenderedDocument(signed_data, final.scale)
    try:
        changes = []
        pages = min(len(signed), len(final))
        for index in range(pages):
            change = _page_change(signed, final, index, areas.get(index, PageAreas()),
                                  signature)
            if change is not None:
                changes.append(change)
        return changes, pages
    finally:
        signed.close()
