"""Checking that an uploaded file is a PDF the service can personalise and sign."""

from __future__ import annotations

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


def check_pdf(path: Path) -> PdfFacts:
    """Refuse anything but an unencrypted PDF that parses strictly, without repair."""
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
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise InvalidPdf("encrypted", N_("The PDF is encrypted or password-protected."))
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
