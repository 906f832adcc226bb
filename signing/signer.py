# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""The per-process document signer: open the key once, sign many documents.

Usage::

    signer = DocumentSigner(settings)            # once per process: loads the key
    signed = signer.sign(pdf_bytes, SignRequest(qr_url=..., metadata={...}))

Everything that does not change between documents is prepared in the
constructor: the decoded private key (see :class:`~signing.keys.LoadedKeySigner`),
the timestamper with its kept-alive connection (:mod:`signing.tsa_client`), the
validation context holding the trust roots and CRLs for B-LT/B-LTA, the stamp
style and its font (:mod:`signing.font`). Each call then reads the PDF, writes one
incremental update holding the caller's changes (``update``), the copy metadata,
the visible stamp and the signature (certification, DocMDP "no changes"), with the signature size
reserved up front so pyHanko builds the CMS once instead of twice.

A :class:`DocumentSigner` is not thread-safe; use one per process (see
:mod:`signing.pool`) or per thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.stamp.base import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from .errors import DocumentSigningError, InvalidInputDocument
from .font import load_stamp_font
from .metadata import write_copy_metadata
from .settings import PadesProfile, SignerSettings, SignRequest
from .stamp import OfficeStampStyle, stamp_box, stamp_lines
from .tsa_client import KeepAliveTimeStamper

__all__ = ["DocumentSigner", "DIGEST_ALGORITHM"]

DIGEST_ALGORITHM = "sha256"
"""Message digest of every signature and timestamp request."""

_DSS_IN_SIGNATURE_REVISION = DSSContentSettings(
    include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE)
"""B-LT validation data goes into the signature's own revision, so the signature
still covers the whole file; for B-LTA the document timestamp comes after it."""


class DocumentSigner:
    """Signs PDF documents with one key; create once per process, then call :meth:`sign`."""

    def __init__(self, settings: SignerSettings) -> None:
        """Open the key and prepare everything shared by all signatures."""
        profile = settings.profile
        if profile.needs_timestamp and not settings.tsa_url:
            raise DocumentSigningError(f"profile {profile.value} needs a TSA URL")
        if profile.embeds_validation_data and not settings.trust_roots:
            raise DocumentSigningError(f"profile {profile.value} needs the trust roots")
        self.settings = settings
        self._signer = settings.key_source.open_signer()
        cert = self._signer.signing_cert
        if cert is None:
            raise DocumentSigningError("the key source gave no signing certificate")
        subject = cert.subject.native
        self.common_name: str = subject.get("common_name", "")
        """The signing certificate's common name (the default "Ký số bởi")."""
        self.office_name: str = (settings.stamp.office_name if settings.stamp
                                 and settings.stamp.office_name else
                                 self.common_name or subject.get("organization_name", ""))
        """The stamp's first line: the configured office name, else the certificate's."""
        self._timestamper = (KeepAliveTimeStamper(settings.tsa_url, timeout=settings.tsa_timeout)
                             if settings.tsa_url and profile.needs_timestamp else None)
        self._validation_context = (self._new_validation_context()
                                    if profile.embeds_validation_data else None)
        self._style: OfficeStampStyle | None = None
        if settings.stamp is not None:
            # The stamp draws its own frame, around the text and not the QR code.
            self._style = OfficeStampStyle(font_path=settings.stamp.font_path, border_width=0)
            load_stamp_font(settings.stamp.font_path)  # subset the font now, not per document
        self._bytes_reserved = settings.reserved_size()
        self._signature_meta = self._signature_metadata()

    def _new_validation_context(self) -> ValidationContext:
        s = self.settings
        return ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(c) for c in s.trust_roots],
            other_certs=[asn1_x509.Certificate.load(c) for c in s.other_certs],
            crls=[asn1_crl.CertificateList.load(c) for c in s.crls],
            allow_fetching=False, revocation_mode="soft-fail")

    def _signature_metadata(self) -> PdfSignatureMetadata:
        s = self.settings
        lt = s.profile.embeds_validation_data
        return PdfSignatureMetadata(
            field_name=s.field_name, md_algorithm=DIGEST_ALGORITHM,
            subfilter=SigSeedSubFilter.PADES, reason=s.reason, location=s.location,
            certify=s.certify, docmdp_permissions=MDPPerm.NO_CHANGES,
            embed_validation_info=lt, use_pades_lta=s.profile is PadesProfile.B_LTA,
            validation_context=self._validation_context,
            dss_settings=_DSS_IN_SIGNATURE_REVISION if lt else DSSContentSettings(),
        )

    def sign(self, pdf: bytes | Path, request: SignRequest | None = None, *,
             update: Callable[[IncrementalPdfFileWriter], None] | None = None) -> bytes:
        """Sign one PDF (bytes or a path) and return the signed file's bytes.

        ``update``, if given, changes the document in the revision the signature
        closes (a copy's stamps, a packet's cover): the file is read and written once,
        not once to change it and again to sign it. The signature covers its changes.

        Raises :class:`InvalidInputDocument` for input that is not a signable PDF and
        :class:`DocumentSigningError` for any other failure (TSA down, …).
        """
        request = request or SignRequest()
        data = Path(pdf).read_bytes() if isinstance(pdf, Path) else pdf
        if len(data) > self.settings.max_input_bytes:
            raise InvalidInputDocument(f"the document is larger than "
                                       f"{self.settings.max_input_bytes} bytes")
        try:
            writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise InvalidInputDocument(f"not a readable PDF: {exc}") from exc
        if writer.prev.encrypted:
            raise InvalidInputDocument("the document is encrypted")
        if update is not None:
            update(writer)
        write_copy_metadata(writer, request.metadata)
        spec, params, style = self._appearance(writer, request)
        pdf_signer = PdfSigner(self._signature_meta, self._signer,
                               timestamper=self._timestamper, stamp_style=style,
                               new_field_spec=spec)
        out = BytesIO()
        try:
            pdf_signer.sign_pdf(writer, output=out, bytes_reserved=self._bytes_reserved,
                                appearance_text_params=params)
        except (PdfError, SigningError, ValueError, KeyError, TypeError, IndexError,
                OSError) as exc:
            raise DocumentSigningError(f"signing failed: {exc}") from exc
        return out.getvalue()

    def _appearance(self, writer: IncrementalPdfFileWriter, request: SignRequest
                    ) -> tuple[SigFieldSpec, dict[str, Any] | None, BaseStampStyle | None]:
        stamp = self.settings.stamp
        name = self.settings.field_name
        if stamp is None:
            return SigFieldSpec(name), None, None
        try:
            page_ref, _ = writer.find_page_for_modification(stamp.page)
            width, height = _page_size(page_ref.get_object())
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise InvalidInputDocument(f"cannot place the stamp on page {stamp.page + 1}: "
                                       f"{exc}") from exc
        box = stamp_box(stamp, width, height)
        lines = stamp_lines(office=self.office_name, signer=request.signer_name or self.common_name,
                            when=dt.datetime.now(dt.UTC), tz=stamp.timezone,
                            copy_label=request.copy_label)
        params = {"lines": lines, "url": request.qr_url}
        return SigFieldSpec(name, on_page=stamp.page, box=box), params, self._style

    def close(self) -> None:
        """Release the key source (closes a PKCS#11 session) and the TSA connection."""
        if self._timestamper is not None:
            self._timestamper.close()
        self.settings.key_source.close()

    def __enter__(self) -> DocumentSigner:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _page_size(page: DictionaryObject) -> tuple[float, float]:
    """Width and height of a page's media box, following inheritance."""
    node: DictionaryObject | None = page
    for _ in range(64):  # the page tree is shallow; a loop in it must not hang us
        if node is None:
            break
        if "/MediaBox" in node:
            box = node["/MediaBox"]
            if isinstance(box, ArrayObject) and len(box) == 4:
                x1, y1, x2, y2 = (float(v) for v in box)
                return abs(x2 - x1), abs(y2 - y1)
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return 595.0, 842.0  # A4, the PDF default when the box is missing
