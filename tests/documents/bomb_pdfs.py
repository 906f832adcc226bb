"""Decompression and object-count bombs, written byte by byte.

Built by hand rather than with a PDF library, which would have to hold what the bomb
unfolds into. Each is a well-formed one-page PDF apart from its payload.
"""

from __future__ import annotations

import zlib

GIB = 1024 * 1024 * 1024
_BLOCK = 64 * 1024 * 1024


def zeros_deflated(size: int) -> bytes:
    """A zlib stream of ``size`` zero bytes, made without compressing them all.

    After a full flush deflate starts afresh, so every further 64 MiB block of zeros
    compresses to the same bytes; the Adler-32 of n zeros is (n mod 65521) << 16 | 1.
    """
    assert size % _BLOCK == 0
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    header, body = first[:2], first[2:]
    assert body == block
    ending = b"\x03\x00"  # an empty final fixed-Huffman block
    checksum = ((size % 65521) << 16 | 1).to_bytes(4, "big")
    return header + block * (size // _BLOCK) + ending + checksum


def _pdf(objects: list[bytes], root: int = 1, size: int | None = None) -> bytes:
    """A PDF with a classic cross-reference table; ``objects`` are numbered from 1."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size or len(objects) + 1, root, xref)
    return bytes(out)


def _page_objects(contents: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        contents,
    ]


def _stream(data: bytes, filters: bytes) -> bytes:
    return b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filters) + data + \
        b"\nendstream"


def flate_bomb(size: int = 2 * GIB) -> bytes:
    """About 2 MB that inflates to 2 GB of zeros: the page's content stream."""
    return _pdf(_page_objects(_stream(zeros_deflated(size), b"/FlateDecode")))


def nested_flate_bomb(size: int = 2 * GIB) -> bytes:
    """A few kilobytes: deflated twice, so the first pass gives 2 MB and the second 2 GB."""
    twice = zlib.compress(zeros_deflated(size), 9)
    return _pdf(_page_objects(_stream(twice, b"[/FlateDecode /FlateDecode]")))


def object_stream_bomb(count: int = 1_000_000, *, honest_size: bool = True) -> bytes:
    """One object stream packing ``count`` tiny objects (the integer 0).

    With ``honest_size`` the trailer's /Size says how many objects there are; without,
    it claims a handful and only the object stream's /N tells.
    """
    first = 5
    header = b" ".join(b"%d %d" % (first + i, 2 * i) for i in range(count))
    payload = header + b"\n" + b"0 " * count
    packed = zlib.compress(payload, 9)
    objstm = (b"<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
              % (count, len(header) + 1, len(packed)) + packed + b"\nendstream")
    objects = [*_page_objects(_stream(zlib.compress(b"BT ET"), b"/FlateDecode")), objstm]
    return _pdf(objects, size=(first + count) if honest_size else None)
