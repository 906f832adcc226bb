"""One PDF per delegate: cover, agenda and every personalised copy, with bookmarks.

The documents of a packet are the same for every delegate who receives them;
only the copy stamps, the cover and the agenda differ. So a process merges the
prepared documents once (:func:`merge_documents`, qpdf's foreign-object copy,
each distinct font kept once by :mod:`.shared_fonts`), and each delegate's
packet is that body plus one incremental update (:func:`write_packet`,
pyHanko's writer, the update the signature closes): the
stamp forms filled with the delegate's copies, the cover and agenda pages put in
front, the bookmarks. The update holds only what changes, so making a 620-page
congress packet costs about what a 420-page one does, in time and in memory: the
body is copied, never parsed whole. Bookmarks point where the agenda says
(:func:`.packet_info.start_pages` computes both).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from .packet_info import PacketItem, start_pages
from .shared_fonts import share_identical_fonts
from .stamp import CopyStamp, PreparedDocument, stamp_copy

__all__ = ["PacketBody", "assemble_packet", "merge_documents", "write_packet"]

#: Documents merged into a packet body at a time: more hold more parsed sources at once.
MERGE_BATCH = 10
#: Page attributes a page may inherit from its page tree: the cover's pages keep them.
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


@dataclass(frozen=True, eq=False)
class PacketBody:
    """Prepared documents merged in packet order, every stamp form still empty.

    Plain bytes and numbers, made once per process for each set of documents.
    """

    pdf: bytes = field(repr=False)
    documents: tuple[PreparedDocument, ...] = field(repr=False)
    placeholders: tuple[tuple[tuple[int, int], ...], ...]
    """For each document, the object number and generation in :attr:`pdf` of each of
    its stamp forms, in the order of ``PreparedDocument.layouts``."""


def merge_documents(documents: Sequence[PreparedDocument]) -> PacketBody:
    """The body every packet holding ``documents`` (in this order) starts from.

    Merged ``MERGE_BATCH`` documents at a time, saving in between, so that qpdf never
    holds more than a few parsed sources beside the body. A document listed twice
    is merged twice, with stamp forms of its own each time.
    """
    data = b""
    slots: list[list[tuple[int, pikepdf.Name]]] = []
    for start in range(0, len(documents), MERGE_BATCH):
        data = _merge_batch(data, documents[start:start + MERGE_BATCH], slots)
    if not documents:
        data = _merge_batch(data, [], slots)
    # Saving renumbers objects: find each form again by the page that draws it.
    with pikepdf.open(io.BytesIO(data)) as saved:
        placeholders = tuple(
            tuple(saved.pages[page].resources.XObject[name].objgen for page, name in slot)
            for slot in slots)
    return PacketBody(pdf=data, documents=tuple(documents), placeholders=placeholders)


def _merge_batch(body_pdf: bytes, documents: Sequence[PreparedDocument],
                 slots: list[list[tuple[int, pikepdf.Name]]]) -> bytes:
    """``body_pdf`` (or nothing) with ``documents`` appended; their forms' places go to
    ``slots``."""
    body = pikepdf.open(io.BytesIO(body_pdf)) if body_pdf else pikepdf.new()
    sources: list[pikepdf.Pdf] = []  # must stay open until the body is saved
    try:
        for document in documents:
            source = pikepdf.open(io.BytesIO(document.pdf))
            sources.append(source)
            first = len(body.pages)
            body.pages.extend(source.pages)
            forms = [body.copy_foreign(source.get_object(objgen)).objgen
                     for objgen in document.placeholders]
            slots.append(_where_drawn(body, range(first, len(body.pages)), forms))
        share_identical_fonts(body)  # the stamp's fonts, at least, are in every document
        out = io.BytesIO()
        body.save(out, compress_streams=True, deterministic_id=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
    finally:
        for source in sources:
            source.close()
        body.close()


def _where_drawn(pdf: pikepdf.Pdf, pages: range, forms: list[tuple[int, int]]
                 ) -> list[tuple[int, pikepdf.Name]]:
    """For each form, the first of ``pages`` that draws it and its resource name there."""
    found: dict[tuple[int, int], tuple[int, pikepdf.Name]] = {}
    for number in pages:
        xobjects = pdf.pages[number].resources.get("/XObject")
        for name, xobject in (xobjects.items() if xobjects is not None else ()):
            if xobject.objgen in forms and xobject.objgen not in found:
                found[xobject.objgen] = (number, pikepdf.Name(name))
    return [found[form] for form in forms]


def assemble_packet(cover_and_agenda: bytes, items: Sequence[PacketItem], body: PacketBody,
                    stamps: Sequence[CopyStamp]) -> bytes:
    """The packet on its own, unsigned: :func:`write_packet` on the body, written out
    (tests; issuing passes ``write_packet`` to the signer, so the body is read once)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(body.pdf))
    write_packet(writer, cover_and_agenda, items, body, stamps)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_packet(writer: IncrementalPdfFileWriter, cover_and_agenda: bytes,
                 items: Sequence[PacketItem], body: PacketBody,
                 stamps: Sequence[CopyStamp]) -> None:
    """Make ``writer``, opened on ``body.pdf``, the delegate's packet: cover and agenda,
    then the body's documents stamped as the delegate's copies, and bookmarks.

    ``body`` holds the documents ``items`` merge, in agenda order, and ``stamps`` gives
    each its copy stamp. The documents' page counts must match those the agenda
    printed, or the page numbers on it would lie: a mismatch raises ``ValueError``.
    """
    merged = [document for item in items for document in item.documents if document.merged]
    if len(merged) != len(body.documents) or len(stamps) != len(body.documents):
        raise ValueError(f"{len(body.documents)} documents and {len(stamps)} stamps for "
                         f"{len(merged)} documents on the agenda")
    for listed, prepared in zip(merged, body.documents, strict=True):
        if listed.page_count != prepared.page_count:
            raise ValueError(f"{listed.symbol or listed.title}: the copy has "
                             f"{prepared.page_count} pages, the agenda counted "
                             f"{listed.page_count}")
    for prepared, forms, stamp in zip(body.documents, body.placeholders, stamps, strict=True):
        stamp_copy(writer, prepared, stamp, forms)
    front = _put_in_front(writer, cover_and_agenda)
    _outline(writer, front, items)


def _put_in_front(writer: IncrementalPdfFileWriter, cover_and_agenda: bytes) -> int:
    """Import the cover and agenda pages before the body's first page; how many there are."""
    cover = PdfFileReader(io.BytesIO(cover_and_agenda))
    tree = cover.root["/Pages"]
    pages = [reference.get_object() for reference in tree["/Kids"]]
    for page in pages:
        if page["/Type"] != "/Page":
            raise ValueError("the cover's page tree is not flat")
        for key in _INHERITED:
            if key not in page and key in tree:
                page[pdf_name(key)] = tree.raw_get(key)
        del page["/Parent"]  # imported alone, not with the cover's tree
    imported = writer.import_object(tree.raw_get("/Kids"))
    assert isinstance(imported, generic.ArrayObject)
    root_reference = writer.root.raw_get("/Pages")
    root = root_reference.get_object()
    for page_reference in imported:
        page_reference.get_object()[pdf_name("/Parent")] = root_reference
    kids = root["/Kids"]
    kids[0:0] = list(imported)
    root[pdf_name("/Count")] = generic.NumberObject(root["/Count"] + len(imported))
    writer.update_container(root)
    writer.update_container(kids)
    return len(imported)


def _outline(writer: IncrementalPdfFileWriter, front: int, items: Sequence[PacketItem]) -> None:
    """ "Bìa", "Chương trình", then one bookmark per item with its documents under it.

    An item with no pages here (its papers are read in the portal, on paper or
    recalled; or it has none) leads to the agenda, which says where its papers are;
    only documents the packet holds have a bookmark."""
    kids = writer.root["/Pages"]["/Kids"]
    entries: list[tuple[str, int, list[tuple[str, int]]]] = [("Bìa", 0, [])]
    if front > 1:
        entries.append(("Chương trình", 1, []))
    agenda_page = 1 if front > 1 else 0
    for item, (item_start, document_starts) in zip(items, start_pages(front, items),
                                                   strict=True):
        children = [
            (" — ".join(part for part in (document.symbol, document.title) if part), start - 1)
            for document, start in zip(item.documents, document_starts, strict=True)
            if start is not None]
        entries.append((f"{item.position}. {item.title}",
                        (item_start or agenda_page + 1) - 1, children))
    outlines = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/Outlines")})
    outlines_reference = writer.add_object(outlines)
    _link_level(writer, outlines, outlines_reference, kids, entries)
    writer.root[pdf_name("/Outlines")] = outlines_reference
    writer.root[pdf_name("/PageMode")] = pdf_name("/UseOutlines")
    writer.update_root()


def _link_level(writer: IncrementalPdfFileWriter, parent: generic.DictionaryObject,
                parent_reference: generic.IndirectObject, kids: generic.ArrayObject,
                entries: Sequence[tuple[str, int, Sequence[tuple[str, int]]]]) -> int:
    """Add ``entries`` under ``parent`` as a linked list, each opening its page, all
    open; how many entries show, at every level."""
    references = []
    shown = len(entries)
    for title, page, children in entries:
        entry = generic.DictionaryObject({
            pdf_name("/Title"): generic.TextStringObject(title),
            pdf_name("/Parent"): parent_reference,
            pdf_name("/Dest"): generic.ArrayObject([kids.raw_get(page), pdf_name("/Fit")]),
        })
        reference = writer.add_object(entry)
        if children:
            shown += _link_level(writer, entry, reference, kids,
                                 [(child, child_page, ()) for child, child_page in children])
        references.append((entry, reference))
    for index, (entry, _reference) in enumerate(references):
        if index > 0:
            entry[pdf_name("/Prev")] = references[index - 1][1]
        if index + 1 < len(references):
            entry[pdf_name("/Next")] = references[index + 1][1]
    if references:
        parent[pdf_name("/First")] = references[0][1]
        parent[pdf_name("/Last")] = references[-1][1]
        parent[pdf_name("/Count")] = generic.NumberObject(shown)
    return shown
