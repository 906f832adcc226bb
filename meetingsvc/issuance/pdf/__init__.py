"""The PDF side of issuing packets: stamp each copy, cover sheet and agenda, merge, zip.

Plain functions on bytes and frozen dataclasses, with no Flask or database
import, so worker processes and benchmarks use them as they are. The work that
is the same for every delegate happens once (:func:`prepare_document`, the font
subsets, :func:`merge_documents` for a packet's documents); :func:`personalise`
does only the per-copy part, in a few milliseconds for 20 pages, and
:func:`assemble_packet` only the per-delegate part of a packet.
"""

from .archive import ManifestRow, ZipEntry, ascii_slug, build_zip, copy_file_name, write_zip
from .cover import render_cover_and_agenda
from .packet import PacketBody, assemble_packet, merge_documents
from .packet_info import (
    PORTAL_NOTE,
    Listing,
    PacketDocument,
    PacketInfo,
    PacketItem,
    highest_mark,
    meeting_line,
    paper_note,
    start_pages,
    vietnamese_date_line,
    vietnamese_datetime,
)
from .stamp import (
    CopyStamp,
    PreparedDocument,
    UnsuitableDocument,
    copy_label,
    personalise,
    prepare_document,
)

__all__ = [
    "PORTAL_NOTE",
    "CopyStamp",
    "Listing",
    "ManifestRow",
    "PacketBody",
    "PacketDocument",
    "PacketInfo",
    "PacketItem",
    "PreparedDocument",
    "UnsuitableDocument",
    "ZipEntry",
    "ascii_slug",
    "assemble_packet",
    "build_zip",
    "copy_file_name",
    "copy_label",
    "highest_mark",
    "merge_documents",
    "meeting_line",
    "paper_note",
    "personalise",
    "prepare_document",
    "render_cover_and_agenda",
    "start_pages",
    "vietnamese_date_line",
    "vietnamese_datetime",
    "write_zip",
]
