"""Checking that an uploaded file is a PDF the service can personalise and sign."""

from __future__ import annotations

import base64
import mmap
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from ..errors import N_, DomainError

#: Leading bytes of formats people upload by mistake, to name them in the refusal.
_KNOWN_MAGIC = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"PK\x03\x04": "ZIP / DOCX / XLSX",
    b"\xd0\xcf\x11\xe0": "DOC / XLS",
    b"{\\rtf": "RTF",
}


class InvalidPdf(DomainError):
    """The file is refused; ``reason`` is a short code, the message a readable sentence."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.reason = reason


@dataclass(frozen=True)
class PdfFacts:
    page_count: int
    pdf_version: str


@dataclass(frozen=True)
class PdfLimits:
    """Bounds on what a small file may unfold into (``MAX_PDF_*`` settings)."""

    #: All streams together, decoded, in bytes; image codecs are not decoded.
    max_decompressed_bytes: int = 512 * 1024 * 1024
    #: Objects in the file, counting those packed in object streams and the trailer's /Size.
    max_objects: int = 500_000


def check_pdf(path: Path, limits: PdfLimits = PdfLimits()) -> PdfFacts:
    """Refuse anything but an unencrypted PDF that parses strictly, without repair.

    Decompression and object-count bombs are refused before the PDF library opens
    the file, since opening already inflates cross-reference and object streams.
    """
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 1024))
        tail = handle.read()
    if size == 0:
        raise InvalidPdf("empty", N_("The file is empty."))
    if b"%PDF-" not in head:
        kind = next((name for magic, name in _KNOWN_MAGIC.items() if head.startswith(magic)), None)
        if kind:
            raise InvalidPdf("not_pdf", N_("The file is not a PDF: it is a %(kind)s file."),
                             kind=kind)
        raise InvalidPdf("not_pdf", N_("The file is not a PDF."))
    if b"%%EOF" not in tail:
        raise InvalidPdf("truncated", N_("The PDF is incomplete (it has no end-of-file "
                                         "marker): it was probably cut off while copying."))
    check_bounds(path, limits)
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise InvalidPdf("encrypted", N_("The PDF is encrypted or password-protected."))
            size = pdf.trailer.get("/Size")
            if isinstance(size, int) and size > limits.max_objects:
                raise _too_many_objects(limits)
            page_count = len(pdf.pages)
            for page in pdf.pages:
                page.obj.get("/Contents")
            version = pdf.pdf_version
    except pikepdf.PasswordError as error:
        raise InvalidPdf("encrypted", N_("The PDF is encrypted or password-protected.")) from error
    except InvalidPdf:
        raise
    except Exception as error:  # pikepdf raises PdfError and others for damaged files
        raise InvalidPdf("damaged", N_("The PDF is damaged and cannot be read (%(detail)s)."),
                         detail=str(error)[:200]) from error
    if page_count == 0:
        raise InvalidPdf("no_pages", N_("The PDF has no pages."))
    return PdfFacts(page_count=page_count, pdf_version=version)


# --- decompression and object-count bombs ------------------------------------------------

#: Largest piece of decoded data held at once.
_CHUNK = 1024 * 1024
#: LZW is decoded in Python, slowly: a larger LZW stream is refused rather than measured.
MAX_LZW_STREAM_BYTES = 8 * 1024 * 1024

_OBJECT = re.compile(rb"(?<![0-9])\d+[ \t\r\n\f\0]+\d+[ \t\r\n\f\0]+obj\b")
_STREAM_OR_END = re.compile(rb"\bstream(?:\r\n|\n|\r)|\bendobj\b")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_NAME = re.compile(rb"/([^\s/\[\]<>()]+)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
_OBJECT_STREAM_COUNT = re.compile(rb"/N\s+(\d+)")
_SIZE = re.compile(rb"/Size\s+(\d+)")
_EARLY_CHANGE_OFF = re.compile(rb"/EarlyChange\s+0\b")
_WHITESPACE = re.compile(rb"\s+")
#: Filters whose output is an image: not decoded, their input is what is measured.
_IMAGE_CODECS = {b"DCTDecode", b"DCT", b"JPXDecode", b"JBIG2Decode", b"CCITTFaxDecode", b"CCF"}


def check_bounds(path: Path, limits: PdfLimits) -> None:
    """Refuse a file whose streams inflate beyond the budget or that holds too many objects.

    Reads the raw file: every stream is decoded piece by piece against what is left
    of the budget, so a 2 MB file that inflates to 2 GB is refused after decoding the
    budget's worth, holding a megabyte or two at a time. A /Length that lies is harmless:
    data runs to ``endstream``.
    """
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        sizes = [int(m.group(1)) for m in _SIZE.finditer(data)]
        if sizes and max(sizes) > limits.max_objects:
            raise _too_many_objects(limits)
        _check_streams(data, limits)


def _check_streams(data: mmap.mmap, limits: PdfLimits) -> None:
    budget = limits.max_decompressed_bytes
    objects = 0
    position = 0
    while header := _OBJECT.search(data, position):
        objects += 1
        if objects > limits.max_objects:
            raise _too_many_objects(limits)
        keyword = _STREAM_OR_END.search(data, header.end())
        if keyword is None:
            break
        position = keyword.end()
        if not keyword.group().startswith(b"stream"):
            continue
        dictionary = bytes(data[header.end():keyword.start()])
        start = keyword.end()
        end = _stream_end(data, dictionary, start)
        position = end
        if _OBJECT_STREAM.search(dictionary):
            packed = _OBJECT_STREAM_COUNT.search(dictionary)
            objects += int(packed.group(1)) if packed else 0
            if objects > limits.max_objects:
                raise _too_many_objects(limits)
        for chunk in _decoded(data, start, end, dictionary):
            budget -= len(chunk)
            if budget < 0:
                raise InvalidPdf("decompression_bomb",
                                 N_("The PDF decompresses to more than %(limit_mb)s MB; "
                                    "it may be a decompression bomb."),
                                 limit_mb=limits.max_decompressed_bytes // (1024 * 1024))


def _stream_end(data: mmap.mmap, dictionary: bytes, start: int) -> int:
    length = _LENGTH.search(dictionary)
    if length:
        end = start + int(length.group(1))
        if end <= len(data) and data[end:end + 12].lstrip().startswith(b"endstream"):
            return end
    found = data.find(b"endstream", start)
    return len(data) if found < 0 else found


def _decoded(data: mmap.mmap, start: int, end: int, dictionary: bytes) -> Iterator[bytes]:
    """The stream's data through its filters up to the first image codec, in pieces."""
    match = _FILTER.search(dictionary)
    filters = _NAME.findall(match.group(1)) if match else []
    pieces: Iterable[bytes] = (data[i:min(i + _CHUNK, end)] for i in range(start, end, _CHUNK))
    for name in filters:
        if name in (b"FlateDecode", b"Fl"):
            pieces = _inflate(pieces)
        elif name in (b"LZWDecode", b"LZW"):
            if end - start > MAX_LZW_STREAM_BYTES:
                raise InvalidPdf("lzw_too_large",
                                 N_("The PDF has an LZW-compressed stream too large to check "
                                    "(%(size_mb)s MB)."), size_mb=(end - start) // (1024 * 1024))
            pieces = _lzw(pieces, early=0 if _EARLY_CHANGE_OFF.search(dictionary) else 1)
        elif name in (b"ASCIIHexDecode", b"AHx"):
            pieces = _hex(pieces)
        elif name in (b"ASCII85Decode", b"A85"):
            pieces = _ascii85(pieces)
        elif name in (b"RunLengthDecode", b"RL"):
            pieces = _run_length(pieces)
        elif name == b"Crypt":
            continue
        else:  # an image codec, or a filter no reader knows: its input is what is stored
            break
    return iter(pieces)


def _inflate(pieces: Iterable[bytes]) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for piece in pieces:
            pending = piece
            while pending:
                out = inflater.decompress(pending, _CHUNK)
                if out:
                    yield out
                if inflater.eof:
                    return
                pending = inflater.unconsumed_tail
        while not inflater.eof and (out := inflater.decompress(b"", _CHUNK)):
            yield out
    except zlib.error:  # damaged data: what came out so far is what a reader would get
        return


def _lzw(pieces: Iterable[bytes], early: int) -> Iterator[bytes]:
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, count = 9, 0, 0
    previous: bytes | None = None
    out = bytearray()
    for piece in pieces:
        for byte in bytes(piece):
            bits = (bits << 8) | byte
            count += 8
            while count >= width:
                count -= width
                code = bits >> count
                bits &= (1 << count) - 1
                if code == 256:
                    del table[258:]
                    width, previous = 9, None
                    continue
                if code < len(table) and code != 257:
                    entry = table[code]
                elif code == len(table) and previous is not None:
                    entry = previous + previous[:1]
                else:  # end of data, or damaged
                    yield bytes(out)
                    return
                out += entry
                if previous is not None and len(table) < 4096:
                    table.append(previous + entry[:1])
                previous = entry
                if width < 12 and len(table) + early >= 1 << width:
                    width += 1
                if len(out) >= _CHUNK:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


def _hex(pieces: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for piece in pieces:
        text = pending + _WHITESPACE.sub(b"", bytes(piece))
        end = text.find(b">")
        if end >= 0:
            text = text[:end]
        usable = len(text) - len(text) % 2
        try:
            yield bytes.fromhex(text[:usable].decode("latin-1"))
        except ValueError:
            return
        pending = text[usable:]
        if end >= 0:
            return


def _ascii85(pieces: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    first = True
    for piece in pieces:
        text = _WHITESPACE.sub(b"", bytes(piece))
        if first and text.startswith(b"<~"):
            text = text[2:]
        first = False
        text = pending + text.replace(b"z", b"!!!!!")
        end = text.find(b"~")
        if end >= 0:
            text = text[:end]
        usable = len(text) - len(text) % 5
        try:
            yield base64.a85decode(text[:usable])
        except ValueError:
            return
        pending = text[usable:]
        if end >= 0:
            return


def _run_length(pieces: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    out = bytearray()
    for piece in pieces:
        data = pending + bytes(piece)
        index = 0
        while index < len(data):
            length = data[index]
            if length == 128:
                yield bytes(out)
                return
            if length < 128:
                if index + length + 2 > len(data):
                    break
                out += data[index + 1:index + length + 2]
                index += length + 2
            else:
                if index + 2 > len(data):
                    break
                out += data[index + 1:index + 2] * (257 - length)
                index += 2
            if len(out) >= _CHUNK:
                yield bytes(out)
                out.clear()
        pending = data[index:]
    yield bytes(out)


def _too_many_objects(limits: PdfLimits) -> InvalidPdf:
    return InvalidPdf("too_many_objects",
                      N_("The PDF has more than %(limit)s objects; it may be built to exhaust "
                         "the server."), limit=limits.max_objects)
