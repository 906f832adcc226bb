"""Source PDFs with awkward pages: every size, rotation and box the stamp must handle.

Each page carries body text inside 25 mm margins (30 mm on the left) and a page
number centred in the bottom margin, both laid out upright for the reader, so
tests can check that the stamp keeps off them. The frame matrices here are
written out by hand, independently of the code under test.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

MM = 72 / 25.4
A4 = (595.28, 841.89)
A3 = (841.89, 1190.55)
LETTER = (612.0, 792.0)


@dataclass(frozen=True)
class PageSpec:
    label: str
    media: tuple[float, float, float, float]
    crop: tuple[float, float, float, float] | None = None
    rotate: int = 0

    @property
    def visible(self) -> tuple[float, float, float, float]:
        return self.crop or self.media

    @property
    def reader_size(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.visible
        w, h = x1 - x0, y1 - y0
        return (h, w) if self.rotate in (90, 270) else (w, h)


SPECS = (
    PageSpec("a4-portrait", (0, 0, *A4)),
    PageSpec("a4-landscape", (0, 0, A4[1], A4[0])),
    PageSpec("rotate-90", (0, 0, *A4), rotate=90),
    PageSpec("rotate-180", (0, 0, *A4), rotate=180),
    PageSpec("rotate-270", (0, 0, *A4), rotate=270),
    PageSpec("a3", (0, 0, *A3)),
    PageSpec("letter", (0, 0, *LETTER)),
    PageSpec("odd-origin-cropped", (-200, 100, -200 + A4[0] + 20, 100 + A4[1] + 20),
             crop=(-190, 110, -190 + A4[0], 110 + A4[1])),
)


def _reader_matrix(spec: PageSpec) -> str:
    """User space from the reader's frame (origin bottom-left of what is shown)."""
    x0, y0, x1, y1 = spec.visible
    return {
        0: f"1 0 0 1 {x0} {y0}",
        90: f"0 1 -1 0 {x1} {y0}",
        180: f"-1 0 0 -1 {x1} {y1}",
        270: f"0 -1 1 0 {x0} {y1}",
    }[spec.rotate]


def body_words(spec: PageSpec, number: int) -> list[str]:
    return [f"Body{number}", spec.label]


def _page_content(spec: PageSpec, number: int) -> bytes:
    width, height = spec.reader_size
    left, right, top, bottom = 30 * MM, width - 20 * MM, height - 25 * MM, 25 * MM
    lines = [f"BT /F1 11 Tf 1 0 0 1 {left:.2f} {top - 9:.2f} Tm "
             f"(Body{number} {spec.label} starts at the top margin) Tj ET"]
    y = top - 9 - 14
    while y > bottom + 14:
        lines.append(f"BT /F1 11 Tf 1 0 0 1 {left:.2f} {y:.2f} Tm (lorem ipsum dolor) Tj ET")
        lines.append(f"BT /F1 11 Tf 1 0 0 1 {right - 60:.2f} {y:.2f} Tm (sit amet) Tj ET")
        y -= 14
    lines.append(f"BT /F1 11 Tf 1 0 0 1 {left:.2f} {bottom + 2:.2f} Tm "
                 f"(Body{number} ends at the bottom margin) Tj ET")
    lines.append(f"BT /F1 12 Tf 1 0 0 1 {width / 2 - 4:.2f} {12 * MM:.2f} Tm ({number}) Tj ET")
    # Leave the graphics state changed, as careless producers do: the stamp must not care.
    lines.append("0.9 0.1 0.1 rg 3 0 0 3 0 0 cm")
    return (f"q {_reader_matrix(spec)} cm\n" + "\n".join(lines)).encode()


def geometry_sample(specs: tuple[PageSpec, ...] = SPECS) -> bytes:
    """One PDF with a page per spec."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding))
    for number, spec in enumerate(specs, start=1):
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=pikepdf.Array(spec.media),
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(_page_content(spec, number)),
        )
        if spec.crop:
            page.CropBox = pikepdf.Array(spec.crop)
        if spec.rotate:
            page.Rotate = spec.rotate
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def inherited_sample() -> bytes:
    """Two pages whose /MediaBox, /Rotate and /Resources live on the page tree node."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    spec = PageSpec("inherited", (0, 0, *A4), rotate=90)
    for number in (1, 2):
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, Contents=pdf.make_stream(_page_content(spec, number)))))
    for page in pdf.pages:
        for key in ("/MediaBox", "/Resources", "/Rotate"):
            if key in page.obj:
                del page.obj[key]
    root = pdf.Root.Pages
    root.MediaBox = pikepdf.Array(spec.media)
    root.Rotate = 90
    root.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
