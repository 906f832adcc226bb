"""The PDF side of issuing packets: stamp each copy, cover sheet and agenda, merge, zip.

Plain functions on bytes and frozen dataclasses, with no Flask or database
import, so worker processes and benchmarks use them as they are. The work that
is the same for every delegate happens once (:func:`prepare_document`, the font
subsets, :func:`merge_documents` for a packet's documents); :func:`stamp_copy`
does only the per-copy part and :func:`write_packet` only the per-delegate part
of a packet, each in the incremental update the signature then closes
(:func:`personalise` and :func:`assemble_packet` write them out unsigned).
"""

from .archive import ManifestRow, ZipEntry, ascii_slug, build_zip, copy_file_name, write_zip
from .cover import render_cover_and_agenda
from .packet import PacketBody, assemble_packet, merge_documents, write_packet
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
    stamp_copy,
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
    "stamp_copy",
    "start_pages",
    "vietnamese_date_line",
    "vietnamese_datetime",
    "write_packet",
    "write_zip",
]
