"""The copy stamp: who a copy belongs to, printed in the margins of every page.

Work is split so that 12,000 copies stay cheap. :func:`prepare_document` runs once
per document: it parses the source, wraps each page's content in ``q … Q`` (so
whatever state the page leaves behind cannot skew the stamp), embeds the font
subsets made once per process, prints what does not depend on the delegate
("Trang x/y") and draws an empty form XObject per page size in the reader's frame.
:func:`stamp_copy` then fills that form with the copy's text (glyph ids straight
into the content stream) in an incremental update of the prepared bytes, the one
the signature closes: a millisecond or two for 20 pages, with nothing kept
between copies and no page parsed.

Where the stamp goes, in the frame the reader sees (see :mod:`.frames`)::

    [MẬT] meeting line ......................................... Bản số 07/55
    Cấp cho: Nguyễn Thị Hồng Nhung        (centre kept clear)        Trang 3/20
    |                        body text, inside the document's margins                |
    Bản số 07/55 · Nguyễn Thị Hồng Nhung · Mã bản …    (centre and bottom right clear)

Everything sits within about 15 mm of the top edge and 9 mm of the bottom edge
(up to 15 % more on A3), so it stays clear of documents laid out to the Party's
and the State's rules (margins of 20 mm or more). The centre of both bands is left
free for page numbers, which those rules put there (unless a very long name needs
it), and the bottom-right corner for the visible signature that :mod:`signing`
adds to the first page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing.font import StampFont, load_stamp_font
from signing.settings import StampSettings

from ...documents.sanitize import remove_active_content
from ..numbering import copy_label
from .fonts import BOLD_CHARSET, TEXT_CHARSET, embed_font
from .frames import PageFrame, page_frame

__all__ = [
    "CopyStamp",
    "PreparedDocument",
    "UnsuitableDocument",
    "copy_block",
    "copy_label",
    "personalise",
    "prepare_document",
    "stamp_copy",
]

REGULAR_FONT_FILE = "DejaVuSans.ttf"
BOLD_FONT_FILE = "DejaVuSans-Bold.ttf"

_MM = 72 / 25.4
_SIGNATURE = StampSettings()
SIGNATURE_ZONE = (_SIGNATURE.width + _SIGNATURE.margin + 4.0,
                  _SIGNATURE.height + _SIGNATURE.margin + 4.0)
"""Width and height, in points, of the bottom-right corner left free for the visible
signature on every page this package draws (the default ``signing.StampSettings`` box
and its distance from the edges, plus 4 pt): the copy stamp's lines and the packet
front's footers stay out of it."""

_RED = b"0.78 0 0"
_GREY = b"0.3"


class UnsuitableDocument(ValueError):
    """The source PDF cannot be personalised (encrypted, signed, no pages)."""


@dataclass(frozen=True)
class CopyStamp:
    """What makes a copy this delegate's: printed on every page."""

    confidentiality_mark: str
    """"MẬT", "TỐI MẬT", "TUYỆT MẬT", or "" for an unclassified document."""
    meeting_line: str
    """E.g. "Ban Chấp hành Đảng bộ tỉnh · Hội nghị lần thứ 12 · 07/12/2026"."""
    copy_number: int
    copy_total: int
    delegate_name: str
    copy_id: str = ""
    """A short reference printed small at the bottom, to trace a printout."""

    def __post_init__(self) -> None:
        if not 1 <= self.copy_number <= self.copy_total:
            raise ValueError(f"copy {self.copy_number} of {self.copy_total} does not exist")


@dataclass(frozen=True)
class _Layout:
    """Positions of the stamp's lines on one page size, in the reader's frame."""

    width: float
    height: float
    inset: float
    size: float
    small: float
    mark_size: float
    top1: float
    top2: float
    bottom: float
    left_limit: float
    """Right end of text in the left half, to keep the centre clear."""
    bottom_limit: float
    """Right end of the bottom line: clear of the centre and of the signature."""


def _layout(frame: PageFrame) -> _Layout:
    w, h = frame.width, frame.height
    s = min(max(min(w, h) / 595.28, 0.85), 1.15)
    inset = 12 * _MM * s
    centre_gap = 22 * _MM
    return _Layout(
        width=w, height=h, inset=inset,
        size=8 * s, small=6.5 * s, mark_size=8.5 * s,
        top1=h - 9 * _MM * s, top2=h - 13.5 * _MM * s, bottom=6 * _MM * s,
        left_limit=w / 2 - centre_gap,
        bottom_limit=min(w / 2 - centre_gap, w - SIGNATURE_ZONE[0]),
    )


@dataclass(frozen=True, eq=False)
class PreparedDocument:
    """A source PDF made ready for stamping; the same for every delegate.

    Plain bytes and numbers, so it can be pickled to worker processes.
    """

    pdf: bytes = field(repr=False)
    """The source with each page's content wrapped, "Trang x/y" printed and an empty
    form XObject per page size drawn in the reader's frame: the copy fills it in."""
    page_count: int
    frames: tuple[PageFrame, ...]
    """The reader's frame of each page."""
    regular: StampFont = field(repr=False)
    bold: StampFont = field(repr=False)
    font_names: tuple[str, str]
    """Resource names of the regular and bold fonts, unused by the source."""
    layouts: tuple[_Layout, ...] = field(repr=False)
    """One per distinct page size."""
    placeholders: tuple[tuple[int, int], ...]
    """Object number and generation in :attr:`pdf` of each layout's form XObject."""


def _unique_prefix(pdf: pikepdf.Pdf) -> str:
    """A resource name prefix no page of the source uses."""
    used: set[str] = set()
    for page in pdf.pages:
        for kind in ("/Font", "/XObject"):
            entries = page.resources.get(kind)
            if isinstance(entries, pikepdf.Dictionary):
                used.update(str(key) for key in entries.keys())  # noqa: SIM118 - pikepdf keys
    suffix = 0
    while any(name.startswith(f"/Msv{suffix}") for name in used):
        suffix += 1
    return f"/Msv{suffix}"


def _check_source(pdf: pikepdf.Pdf) -> None:
    if pdf.is_encrypted:
        raise UnsuitableDocument("the PDF is encrypted")
    if len(pdf.pages) == 0:
        raise UnsuitableDocument("the PDF has no pages")
    form = pdf.Root.get("/AcroForm")
    fields = form.get("/Fields") if isinstance(form, pikepdf.Dictionary) else None
    for item in fields if isinstance(fields, pikepdf.Array) else ():
        if isinstance(item, pikepdf.Dictionary) and item.get("/FT") == pikepdf.Name.Sig \
                and "/V" in item:
            raise UnsuitableDocument("the PDF is already signed; stamping would break it")


def _open_depth(page: pikepdf.Page) -> int:
    """How many ``q`` the page's content leaves open (broken files do)."""
    depth = 0
    for operation in pikepdf.parse_content_stream(page, "q Q"):
        depth = depth + 1 if str(operation.operator) == "q" else max(0, depth - 1)
    return depth


def _own_resources(page: pikepdf.Page) -> pikepdf.Dictionary:
    """The page's /Resources, made direct on the page if it was inherited or missing."""
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        inherited = page.resources
        resources = pikepdf.Dictionary()
        for key, value in inherited.items() if inherited is not None else ():
            resources[key] = value
        page.obj.Resources = resources
    for kind in ("/Font", "/XObject"):
        if not isinstance(resources.get(kind), pikepdf.Dictionary):
            resources[kind] = pikepdf.Dictionary()
    return resources


def prepare_document(source: bytes, *, font_dir: Path) -> PreparedDocument:
    """Do once per document all the work that is the same for every copy."""
    regular = load_stamp_font(Path(font_dir) / REGULAR_FONT_FILE, TEXT_CHARSET)
    bold = load_stamp_font(Path(font_dir) / BOLD_FONT_FILE, BOLD_CHARSET)
    try:
        pdf = pikepdf.open(io.BytesIO(source))
    except pikepdf.PasswordError as exc:
        raise UnsuitableDocument("the PDF is encrypted") from exc
    except pikepdf.PdfError as exc:
        raise UnsuitableDocument(f"the PDF does not parse: {exc}") from exc
    with pdf:
        _check_source(pdf)
        remove_active_content(pdf)  # also from files stored before uploads were cleaned
        prefix = _unique_prefix(pdf)
        names = (prefix + "R", prefix + "B")
        fonts = pikepdf.Dictionary({names[0]: embed_font(pdf, regular),
                                   names[1]: embed_font(pdf, bold)})
        frames: list[PageFrame] = []
        # Page size → its layout, form XObject name and the first page that shows it.
        layouts: dict[tuple[float, float], tuple[_Layout, str, int]] = {}
        forms: dict[str, pikepdf.Object] = {}
        total = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            frame = page_frame(page)
            frames.append(frame)
            size = (round(frame.width, 2), round(frame.height, 2))
            if size not in layouts:
                layout = _layout(frame)
                form = pdf.make_stream(b"", Type=pikepdf.Name.XObject,
                                       Subtype=pikepdf.Name.Form,
                                       BBox=[0, 0, layout.width, layout.height],
                                       Resources=pikepdf.Dictionary(Font=fonts))
                layouts[size] = (layout, f"{prefix}Copy{len(layouts)}", number - 1)
                forms[layouts[size][1]] = form
            layout, form_name, _ = layouts[size]
            resources = _own_resources(page)
            resources.Font[names[0]] = fonts[names[0]]
            resources.XObject[form_name] = forms[form_name]
            existing = page.obj.get("/Contents")
            if isinstance(existing, pikepdf.Array):
                parts = list(existing)
            else:
                parts = [existing] if existing is not None else []
            page_text = regular.normalise(f"Trang {number}/{total}")
            x = layout.width - layout.inset - regular.width(page_text, layout.size)
            stamp = b"".join([
                b"\nQ" * (1 + _open_depth(page)), b"\nq\n", frame.cm(), b"BT 0 g ",
                _show(names[0], layout.size, x, layout.top2, regular.encode(page_text)),
                b"ET\n", form_name.encode(), b" Do\nQ\n",
            ])
            page.obj.Contents = pikepdf.Array(
                [pdf.make_stream(b"q\n"), *parts, pdf.make_stream(stamp)])
        out = io.BytesIO()
        pdf.save(out, compress_streams=True, deterministic_id=True)
    template = out.getvalue()
    # Saving renumbers objects: find the forms again in the bytes copies will open.
    with pikepdf.open(io.BytesIO(template)) as saved:
        placeholders = [saved.pages[first].resources.XObject[form_name].objgen
                        for _, form_name, first in layouts.values()]
    return PreparedDocument(
        pdf=template, page_count=total, frames=tuple(frames), regular=regular, bold=bold,
        font_names=names, layouts=tuple(layout for layout, _, _ in layouts.values()),
        placeholders=tuple(placeholders),
    )


def _show(font: str, size: float, x: float, y: float, glyphs: bytes) -> bytes:
    return b"%s %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj\n" % (font.encode(), size, x, y, glyphs)


def _fit(font: StampFont, text: str, size: float, room: float, floor: float
         ) -> tuple[str, float]:
    """Shrink ``text`` down to ``floor`` points to fit ``room``, then cut it with "…"."""
    width = font.width(text, size)
    if width <= room:
        return text, size
    size = max(floor, size * room / width)
    while len(text) > 1 and font.width(text, size) > room:
        text = text[:-2] + "…"
    return text, size


def copy_block(doc: PreparedDocument, layout: _Layout, stamp: CopyStamp) -> bytes:
    """The parts of the stamp that change with the copy, for one page size."""
    regular, bold = doc.regular, doc.bold
    reg_name, bold_name = doc.font_names
    out: list[bytes] = [b"BT 0 g 0 G "]
    x = layout.inset
    # Line 1: mark, meeting line, copy number on the right.
    label = regular.normalise(copy_label(stamp.copy_number, stamp.copy_total))
    label_width = regular.width(label, layout.size)
    label_x = layout.width - layout.inset - label_width
    out.append(b"2 Tr 0.25 w " + _show(reg_name, layout.size, label_x, layout.top1,
                                      regular.encode(label)) + b"0 Tr ")
    mark_box = b""
    mark = bold.normalise(stamp.confidentiality_mark.strip().upper())
    if mark:
        pad = 2.0
        mark_width = bold.width(mark, layout.mark_size)
        low, high = bold.vertical_extent(mark, layout.mark_size)
        low = min(low, bold.descent * layout.mark_size / 2000)
        out.append(b"%s rg " % _RED + _show(bold_name, layout.mark_size, x + pad, layout.top1,
                                            bold.encode(mark)) + b"0 g ")
        mark_box = b"%s RG 0.8 w %.2f %.2f %.2f %.2f re S\n" % (
            _RED, x, layout.top1 + low - pad, mark_width + 2 * pad, high - low + 2 * pad)
        x += mark_width + 2 * pad + 2 * _MM
    meeting, size = _fit(regular, regular.normalise(stamp.meeting_line), layout.size,
                         label_x - 4 * _MM - x, 6.0)
    if meeting:
        out.append(_show(reg_name, size, x, layout.top1, regular.encode(meeting)))
    # Line 2: the delegate, left of the centre ("Trang x/y" is in the page head).
    prefix = regular.normalise("Cấp cho: ")
    name = regular.normalise(" ".join(stamp.delegate_name.split()))
    prefix_width = regular.width(prefix, layout.size)
    room = layout.left_limit - layout.inset - prefix_width
    if regular.width(name, 6.0) > room:
        # Never cut a name: give up the clear centre before that.
        room = layout.width - 2 * layout.inset - prefix_width - 4 * _MM - \
            regular.width("Trang 000/000", layout.size)
    name, size = _fit(regular, name, layout.size, room, 5.0)
    out.append(_show(reg_name, layout.size, layout.inset, layout.top2, regular.encode(prefix)))
    out.append(b"2 Tr 0.25 w " + _show(reg_name, size, layout.inset + prefix_width, layout.top2,
                                      regular.encode(name)) + b"0 Tr ")
    # Bottom line, small and grey: enough to trace a printout whose top was cut off.
    parts = [label, name] + ([f"Mã bản: {stamp.copy_id}"] if stamp.copy_id else [])
    trace, size = _fit(regular, regular.normalise(" · ".join(parts)), layout.small,
                       layout.bottom_limit - layout.inset, 5.0)
    out.append(b"%s g " % _GREY + _show(reg_name, size, layout.inset, layout.bottom,
                                        regular.encode(trace)))
    out.append(b"ET\n")
    out.append(mark_box)
    return b"".join(out)


def stamp_copy(writer: IncrementalPdfFileWriter, template: PreparedDocument,
               stamp: CopyStamp, forms: Sequence[tuple[int, int]] | None = None) -> None:
    """Make ``writer``, opened on the prepared bytes, the delegate's copy: ``stamp`` on
    every page. Issuing passes it to the signer, so a copy is read and written once.

    ``forms`` says where the stamp forms are when the document sits in a larger file
    (a packet body); by default, where :func:`prepare_document` put them."""
    places = template.placeholders if forms is None else forms
    for layout, (number, generation) in zip(template.layouts, places, strict=True):
        _fill_form(writer, number, generation, copy_block(template, layout, stamp))


def _fill_form(writer: IncrementalPdfFileWriter, number: int, generation: int,
              content: bytes) -> None:
    """Replace an empty stamp form's content, keeping its dictionary (box, fonts).

    pyHanko has no setter for a stream's data: the new stream goes where
    ``mark_update`` puts a changed object, the writer's table of objects to write."""
    reference = generic.Reference(number, generation, writer.prev)
    empty = reference.get_object()
    if not isinstance(empty, generic.StreamObject):
        raise ValueError(f"object {number} {generation} is not a stamp form")
    form = generic.StreamObject(
        {key: value for key, value in empty.items()
         if key not in ("/Filter", "/DecodeParms", "/Length")}, stream_data=content)
    form.compress()
    writer.objects[(generation, number)] = form


def personalise(template: PreparedDocument, stamp: CopyStamp) -> bytes:
    """The delegate's copy on its own, unsigned: the prepared document with ``stamp`` on
    every page, as one incremental update (the print run and tests; issuing stamps and
    signs in one pass, :func:`stamp_copy`)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(template.pdf))
    stamp_copy(writer, template, stamp)
    # pyHanko numbers new objects from the old /Size plus one, so an update that adds
    # none declares one object too many (qpdf warns). A signature always adds some;
    # here one empty object does.
    writer.add_object(generic.NullObject())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
