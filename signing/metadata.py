# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""Copy metadata: str → str pairs written into the signed revision, and read back.

Each entry becomes a custom key ``/Meetingsvc_<key>`` of the document
information dictionary, written by :func:`write_copy_metadata` in the same
incremental update as the signature, so the signature covers it. A copy can
then be traced (copy id, document symbol, copy number) without any database.
:func:`read_copy_metadata` reads it from the revision the first signature
covers, so entries added by a later, unsigned update are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

__all__ = ["METADATA_PREFIX", "write_copy_metadata", "read_copy_metadata",
           "copy_metadata_of_revision"]

METADATA_PREFIX = "/Meetingsvc_"
"""Prefix of the information-dictionary keys that hold copy metadata."""


def write_copy_metadata(writer: IncrementalPdfFileWriter, metadata: Mapping[str, str]) -> None:
    """Put ``metadata`` into a fresh /Info dictionary of the writer's next revision.

    Existing /Info entries are carried over, except earlier copy metadata,
    which ``metadata`` replaces as a whole.
    """
    info = generic.DictionaryObject()
    try:
        old = writer.trailer["/Info"].get_object()
    except (KeyError, AttributeError):
        old = None
    if isinstance(old, generic.DictionaryObject):
        for key, value in old.items():
            if not str(key).startswith(METADATA_PREFIX):
                info[key] = value
    for key, value in sorted(metadata.items()):
        info[generic.NameObject(METADATA_PREFIX + key)] = generic.TextStringObject(value)
    writer.set_info(info)


def copy_metadata_of_revision(reader: PdfFileReader, revision: int) -> dict[str, str]:
    """Copy metadata as it stood in ``revision`` (0 is the original file)."""
    trailer = reader.get_historical_resolver(revision).trailer_view
    try:
        info = trailer["/Info"].get_object()
    except (KeyError, AttributeError):
        return {}
    if not isinstance(info, generic.DictionaryObject):
        return {}
    result: dict[str, str] = {}
    for key, value in info.items():
        name = str(key)
        if name.startswith(METADATA_PREFIX):
            obj = value.get_object()
            if isinstance(obj, generic.TextStringObject | generic.ByteStringObject):
                result[name[len(METADATA_PREFIX):]] = str(obj)
    return result


def read_copy_metadata(data: bytes) -> dict[str, str]:
    """The copy metadata covered by the file's first signature (``{}`` if unsigned).

    Raises the reader's error on a file that is not a PDF; for untrusted input
    use :func:`signing.verify.verify_pdf`, which reports the metadata safely.
    """
    reader = PdfFileReader(BytesIO(data), strict=False)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        return {}
    return copy_metadata_of_revision(reader, signatures[0].signed_revision)
