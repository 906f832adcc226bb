"""A large upload is copied to disk in chunks: it never sits whole in memory."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

from sqlalchemy import select

from meetingsvc.audit.services import Actor
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.models import Document
from meetingsvc.documents.services import DocumentDetails, Upload, create_document
from meetingsvc.meetings.services import add_agenda_item


class LargePdfStream(io.RawIOBase):
    """A valid one-page PDF with a big content stream, produced as it is read."""

    def __init__(self, stream_bytes: int) -> None:
        self.parts = self._parts(stream_bytes)
        self.pending = b""

    @staticmethod
    def _parts(stream_bytes: int):
        header = b"%PDF-1.7\n"
        objects = [
            b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Contents 4 0 R >>\nendobj\n",
        ]
        offsets, position = [], len(header)
        yield header
        for obj in objects:
            offsets.append(position)
            position += len(obj)
            yield obj
        offsets.append(position)
        start = f"4 0 obj\n<< /Length {stream_bytes} >>\nstream\n".encode()
        yield start
        chunk = b"% filler line of a large page content stream .......................\n"
        remaining = stream_bytes
        while remaining:
            piece = chunk[: min(len(chunk), remaining)]
            remaining -= len(piece)
            yield piece
        end = b"\nendstream\nendobj\n"
        yield end
        xref_at = position + len(start) + stream_bytes + len(end)
        table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
        yield (f"xref\n0 5\n0000000000 65535 f \n{table}"
               f"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n").encode()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        pieces = [self.pending]
        have = len(self.pending)
        while size < 0 or have < size:
            piece = next(self.parts, None)
            if piece is None:
                break
            pieces.append(piece)
            have += len(piece)
        data = b"".join(pieces)
        if size < 0:
            size = len(data)
        out, self.pending = data[:size], data[size:]
        return out


def test_a_60_mb_upload_is_stored_with_little_memory(app, session, make_body, make_meeting):
    size = 60 * 1024 * 1024
    meeting = make_meeting(make_body("bch"))
    item = add_agenda_item(session, meeting, "Báo cáo lớn", None, Actor())
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    tracemalloc.start()
    try:
        create_document(session, store, item,
                        DocumentDetails(symbol="1-BC/TU", kind="Báo cáo", title="Báo cáo lớn"),
                        Upload(LargePdfStream(size), "lon.pdf", 100 * 1024 * 1024), Actor())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    version = session.scalar(select(Document)).current_version
    assert version.blob.size > size
    assert store.path_for(version.blob_sha256).stat().st_size == version.blob.size
    assert peak < 16 * 1024 * 1024, f"peak Python memory {peak / 2**20:.1f} MB"
