"""One PDF per delegate: cover, agenda and every personalised copy, with bookmarks.

The merge is qpdf's foreign-object copy: each copy is parsed once and its pages
are appended, so a 600-page congress packet costs time in proportion to its
size. Bookmarks point where the agenda says (:func:`.packet_info.start_pages`
computes both).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pikepdf
from pikepdf import OutlineItem

from .packet_info import PacketItem, start_pages

__all__ = ["assemble_packet"]


def _open_copy(data: bytes, expected_pages: int, label: str) -> pikepdf.Pdf:
    copy = pikepdf.open(io.BytesIO(data))
    if len(copy.pages) != expected_pages:
        copy.close()
        raise ValueError(f"{label}: the copy has {len(copy.pages)} pages, "
                         f"the agenda counted {expected_pages}")
    if "/AcroForm" in copy.Root:
        # A signed copy's signature cannot survive the merge; keep its visible stamp
        # (with the QR code) as page content rather than as an orphaned form widget.
        copy.flatten_annotations("all")
        if "/AcroForm" in copy.Root:
            del copy.Root.AcroForm
    return copy


def assemble_packet(
    cover_and_agenda: bytes,
    items: Sequence[tuple[PacketItem, Sequence[bytes]]],
) -> bytes:
    """Cover and agenda, then each item's copies in agenda order, as one PDF.

    ``items`` pairs each agenda item with its merged documents' personalised copies, in
    the order of ``item.documents`` (a document listed with a note has none). The
    copies' page counts must match those the agenda printed, or the page numbers on
    it would lie: a mismatch raises ``ValueError``.
    """
    packet = pikepdf.open(io.BytesIO(cover_and_agenda))
    sources: list[pikepdf.Pdf] = []  # must stay open until the packet is saved
    try:
        front = len(packet.pages)
        for item, copies in items:
            merged = [document for document in item.documents if document.merged]
            if len(copies) != len(merged):
                raise ValueError(f"item {item.position}: {len(copies)} copies for "
                                 f"{len(merged)} documents")
            for document, data in zip(merged, copies, strict=True):
                source = _open_copy(data, document.page_count, document.symbol or document.title)
                sources.append(source)
                packet.pages.extend(source.pages)
        _outline(packet, front, [item for item, _ in items])
        out = io.BytesIO()
        packet.save(out, compress_streams=True, deterministic_id=True,
                    object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
    finally:
        for source in sources:
            source.close()
        packet.close()


def _outline(packet: pikepdf.Pdf, front: int, items: list[PacketItem]) -> None:
    """ "Bìa", "Chương trình", then one bookmark per item with its documents under it.

    An item with no pages here (its papers are read in the portal, on paper or
    recalled; or it has none) leads to the agenda, which says where its papers are;
    only documents the packet holds have a bookmark."""
    with packet.open_outline() as outline:
        outline.root.clear()
        outline.root.append(OutlineItem("Bìa", 0))
        if front > 1:
            outline.root.append(OutlineItem("Chương trình", 1))
        agenda_page = 1 if front > 1 else 0
        for item, (item_start, document_starts) in zip(items, start_pages(front, items),
                                                       strict=True):
            entry = OutlineItem(f"{item.position}. {item.title}",
                                (item_start or agenda_page + 1) - 1)
            for document, start in zip(item.documents, document_starts, strict=True):
                if start is None:
                    continue
                title = " — ".join(part for part in (document.symbol, document.title) if part)
                entry.children.append(OutlineItem(title, start - 1))
            outline.root.append(entry)
    packet.Root.PageMode = pikepdf.Name.UseOutlines
