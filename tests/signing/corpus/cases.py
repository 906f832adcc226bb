"""The corpus: one builder per file, each with where its convention or attack comes
from and the verdict an auditor must get.

Page geometry of the sample document (A4, 595 × 842 pt): body text runs from about
y = 780 down to y = 460; the lower third of the page is blank.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from asn1crypto import algos, cms, core
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import cms_embedder
from signing_helpers import PASSPHRASE, REQUEST

from signing.keys import Pkcs12KeySource
from signing.report import Indication, SubIndication
from signing.settings import PadesProfile, SignerSettings
from signing.signer import DocumentSigner

from .kit import (
    Kit,
    add_dss,
    add_text_field,
    document_timestamp,
    dss_refs,
    fill_field,
    free_objects,
    helvetica_form,
    opaque_text,
    sign,
    update,
    with_pikepdf,
)

OVER_TEXT = (60.0, 700.0, 320.0, 730.0)
"""A rectangle on page 1 lying over body text."""
BLANK = (60.0, 120.0, 320.0, 150.0)
"""A rectangle on page 1 over blank paper."""


@dataclass(frozen=True)
class Case:
    """One corpus file and the verdict it must get."""

    name: str
    build: Callable[[Kit], bytes]
    indication: Indication
    sub_indication: SubIndication | None


# --- legitimate files from other producers ------------------------------------------


def other_producer_lt(kit: Kit) -> bytes:
    """PAdES B-LT as EU DSS and national CAs' tools write it: an approval signature
    (ETSI.CAdES.detached, signature timestamp), then a separate DSS revision with
    /Certs, /CRLs, /OCSPs and a /VRI entry carrying /TU (ETSI EN 319 142-1, 5.4).
    Expected: TOTAL_PASSED."""
    return add_dss(kit, sign(kit, kit.document), ["Signature1"])


def other_producer_lta(kit: Kit) -> bytes:
    """B-LTA the EU DSS way: the B-LT above, a DocTimeStamp (ETSI.RFC3161), then a DSS
    revision for the timestamp that rewrites the signature's VRI entry and frees the old
    DSS objects it replaces. pyHanko's own change policy calls this "VRI key modified"
    and "freed objects". Expected: TOTAL_PASSED."""
    data = document_timestamp(kit, other_producer_lt(kit))
    old = dss_refs(data)
    data = add_dss(kit, data, ["Signature1"])
    return free_objects(data, old)


def renewed_lta(kit: Kit) -> bytes:
    """Our own B-LTA copy whose archive timestamp was renewed: a DSS update and a second
    document timestamp after the first (ETSI EN 319 142-1, 5.5). A revision after a
    document timestamp used to be rejected outright. Expected: TOTAL_PASSED."""
    settings = SignerSettings(key_source=Pkcs12KeySource(kit.pki.office_p12_path, PASSPHRASE),
                              profile=PadesProfile.B_LTA, tsa_url=kit.tsa_url,
                              trust_roots=(_der(kit.pki.root_cert),),
                              other_certs=(_der(kit.pki.issuing_cert),),
                              crls=tuple(_der(c) for c in kit.pki.crls))
    with DocumentSigner(settings) as signer:
        data = signer.sign(kit.document, REQUEST)
    return document_timestamp(kit, add_dss(kit, data, []))


def legacy_detached(kit: Kit) -> bytes:
    """The pre-PAdES ``adbe.pkcs7.detached`` sub-filter (ISO 32000-1, 12.8.3.3), still
    written by older Adobe and national tools. Expected: TOTAL_PASSED."""
    return sign(kit, kit.document, sub_filter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED)


def legacy_sha1(kit: Kit) -> bytes:
    """The legacy ``adbe.pkcs7.sha1`` sub-filter (ISO 32000-1, 12.8.3.3.1): the CMS signs
    the SHA-1 digest of the byte range, carried as its encapsulated content. pyHanko
    skips these, so the file used to be called unsigned. Expected: INDETERMINATE /
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE (SHA-1 no longer proves integrity)."""
    writer = IncrementalPdfFileWriter(BytesIO(kit.document), strict=False)
    embedder = cms_embedder.PdfCMSEmbedder().write_cms(field_name="Signature1", writer=writer)
    next(embedder)
    placeholder = signers.SignatureObject(bytes_reserved=8192)
    placeholder[pdf_name("/SubFilter")] = pdf_name("/adbe.pkcs7.sha1")
    embedder.send(cms_embedder.SigObjSetup(sig_placeholder=placeholder))
    digest, output = embedder.send(cms_embedder.SigIOSetup(md_algorithm="sha1",
                                                           in_place=False))
    embedder.send(_sha1_cms(kit, digest.document_digest))
    return bytes(output.getvalue())


def encrypted_signed(kit: Kit) -> bytes:
    """An AES-256 encrypted file with an empty user password and an owner password, then
    signed (B-T) — how some document systems protect copies against editing (ISO
    32000-2, 7.6.4). Readers open it without a password. Expected: TOTAL_PASSED."""
    encrypted = with_pikepdf(kit.document, lambda pdf: None, encryption=pikepdf.Encryption(
        owner="chu-so-huu", user="", R=6))
    return sign(kit, encrypted, owner_password="chu-so-huu")


def form_fill_legitimate(kit: Kit) -> bytes:
    """An approval signature over a form with an empty field on blank paper, then the
    field filled — ordinary form filling, the field lock leaves it open. Expected:
    TOTAL_PASSED (the page changed only inside the field, over nothing signed)."""
    data = with_pikepdf(kit.document, lambda pdf: add_text_field(pdf, "y_kien", BLANK))
    data = sign(kit, data, lock=fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE,
                                                    ["Signature1"]))
    return update(data, fill_field("y_kien", "Dong y", opaque_text(260, 30, "Dong y")))


# --- attacks ------------------------------------------------------------------------


def form_fill_replace(kit: Kit) -> bytes:
    """The "replace via overlay" shadow attack (Mainka, Mladenov, Rohlmann, Schwenk:
    "Shadow Attacks: Hiding and Replacing Content in Signed PDFs", NDSS 2021, class
    Replace, variant 1): an empty text field is placed over body text before signing;
    after an approval signature whose lock leaves it open, filling it paints an opaque
    box with other words over the signed text. pyHanko calls it FORM_FILLING.
    Expected: TOTAL_FAILED / MODIFIED_AFTER_SIGNING."""
    data = with_pikepdf(kit.document, lambda pdf: add_text_field(pdf, "ghi_chu", OVER_TEXT))
    data = sign(kit, data)
    return update(data, fill_field("ghi_chu", "x", opaque_text(260, 30, "KHONG DONG Y")))


def shadow_hide(kit: Kit) -> bytes:
    """The "hide via form field" shadow attack (Mainka et al. 2021, class Hide): the
    signed document shows a field whose opaque appearance covers body text; after
    signing, the field gets an empty appearance and the text it covered reappears.
    Expected: TOTAL_FAILED / MODIFIED_AFTER_SIGNING."""
    data = with_pikepdf(kit.document, lambda pdf: add_text_field(
        pdf, "che", OVER_TEXT, shown=opaque_text(260, 30, "DA DUYET")))
    data = sign(kit, data)
    return update(data, fill_field("che", "", b""))


def shadow_replace_overwrite(kit: Kit) -> bytes:
    """The "replace via overwrite" shadow attack (Mainka et al. 2021, class Replace,
    variant 2): the incremental update redefines an object of the signed page (here its
    content stream) under the same object number. Expected: TOTAL_FAILED /
    MODIFIED_AFTER_SIGNING."""
    def overwrite(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        contents = page.raw_get("/Contents")
        ref = contents if isinstance(contents, generic.IndirectObject) else contents[0]
        stream = ref.get_object()
        stream._data = b"BT /F1 14 Tf 72 770 Td (Noi dung da bi thay the) Tj ET"  # noqa: SLF001
        stream._encoded_data = None  # noqa: SLF001
        stream.pop(pdf_name("/Filter"), None)
        writer.mark_update(ref)
    return update(sign(kit, kit.document), overwrite)


def shadow_hide_and_replace(kit: Kit) -> bytes:
    """The "hide-and-replace" shadow attack (Mainka et al. 2021, class Hide-and-Replace):
    the signed file carries an unused content stream (the shadow); after signing, the
    update only points the page at it. Expected: TOTAL_FAILED / MODIFIED_AFTER_SIGNING."""
    def add_shadow(pdf: pikepdf.Pdf) -> None:
        shadow = pdf.make_stream(b"BT /Helv 14 Tf 72 770 Td (Noi dung khac) Tj ET")
        pdf.Root["/ShadowStore"] = pdf.make_indirect(pikepdf.Array([shadow]))

    data = sign(kit, with_pikepdf(kit.document, add_shadow))

    def point_at_shadow(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
        page = page_ref.get_object()
        page[pdf_name("/Contents")] = writer.root["/ShadowStore"].raw_get(0)
        writer.update_container(page)
    return update(data, point_at_shadow)


def _overlay(subtype: str) -> Callable[[Kit], bytes]:
    def build(kit: Kit) -> bytes:
        def annotate(writer: IncrementalPdfFileWriter) -> None:
            page = writer.root["/Pages"]["/Kids"][0].get_object()
            x1, y1, x2, y2 = OVER_TEXT
            content = opaque_text(x2 - x1, y2 - y1, "DA SUA" if subtype == "/FreeText" else "")
            stream = helvetica_form(x2 - x1, y2 - y1, content)
            annot = writer.add_object(generic.DictionaryObject({
                pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name(subtype),
                pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v)
                                                       for v in OVER_TEXT),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/IC"): generic.ArrayObject(generic.FloatObject(1) for _ in range(3)),
                pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
                pdf_name("/Contents"): generic.TextStringObject("ghi chú"),
                pdf_name("/AP"): generic.DictionaryObject(
                    {pdf_name("/N"): writer.add_object(stream)}),
            }))
            annots = page.get("/Annots")
            if annots is None:
                page[pdf_name("/Annots")] = generic.ArrayObject([annot])
            else:
                annots.get_object().append(annot)
            writer.update_container(page)
        return update(sign(kit, kit.document), annotate)
    build.__doc__ = (f"An annotation overlay: a {subtype[1:]} annotation with an opaque white "
                     "appearance added after an approval signature, hiding signed text (the "
                     "annotation variant of Mainka et al.'s hide attack; EU DSS flags it with "
                     "its visual comparison). pyHanko's policy already refuses the page "
                     "update; the comparison would catch a policy that allowed it. "
                     "Expected: TOTAL_FAILED / MODIFIED_AFTER_SIGNING.")
    return build


annotation_overlay_freetext = _overlay("/FreeText")
annotation_overlay_square = _overlay("/Square")


def freed_dss_hides_content(kit: Kit) -> bytes:
    """A shadow document whose DSS lists the page's own content stream among its
    certificates; after signing, a "DSS update" frees it, so a reader that honours the
    freeing shows a blank page (PDFium keeps the old object, so no rendering comparison
    sees it). Freeing DSS objects is allowed only when nothing else signed uses them.
    Expected: TOTAL_FAILED / MODIFIED_AFTER_SIGNING."""
    def plant(pdf: pikepdf.Pdf) -> None:
        contents = pdf.pages[0].obj["/Contents"]
        pdf.Root["/DSS"] = pdf.make_indirect(pikepdf.Dictionary(
            Certs=pdf.make_indirect(pikepdf.Array([contents])),
            CRLs=pdf.make_indirect(pikepdf.Array()),
            VRI=pdf.make_indirect(pikepdf.Dictionary())))

    data = sign(kit, with_pikepdf(kit.document, plant))
    from pyhanko.pdf_utils.reader import PdfFileReader
    page = PdfFileReader(BytesIO(data), strict=False).root["/Pages"]["/Kids"][0].get_object()
    contents = page.raw_get("/Contents").reference
    old = dss_refs(data)
    data = add_dss(kit, data, ["Signature1"], keep_vri=False)
    return free_objects(data, [*old, (contents.idnum, contents.generation)])


CASES = [
    Case("other-producer-lt", other_producer_lt, Indication.TOTAL_PASSED, None),
    Case("other-producer-lta", other_producer_lta, Indication.TOTAL_PASSED, None),
    Case("renewed-lta", renewed_lta, Indication.TOTAL_PASSED, None),
    Case("legacy-adbe-pkcs7-detached", legacy_detached, Indication.TOTAL_PASSED, None),
    Case("legacy-adbe-pkcs7-sha1", legacy_sha1, Indication.INDETERMINATE,
         SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE),
    Case("encrypted-empty-user-password", encrypted_signed, Indication.TOTAL_PASSED, None),
    Case("form-fill-legitimate", form_fill_legitimate, Indication.TOTAL_PASSED, None),
    Case("form-fill-replace", form_fill_replace, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("annotation-overlay-freetext", annotation_overlay_freetext, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("annotation-overlay-square", annotation_overlay_square, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("shadow-hide", shadow_hide, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("shadow-replace-overwrite", shadow_replace_overwrite, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("shadow-hide-and-replace", shadow_hide_and_replace, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
    Case("freed-dss-hides-content", freed_dss_hides_content, Indication.TOTAL_FAILED,
         SubIndication.MODIFIED_AFTER_SIGNING),
]


def _der(cert: object) -> bytes:
    from signing_helpers import der
    return der(cert)


def _sha1_cms(kit: Kit, document_digest: bytes) -> cms.ContentInfo:
    """A CMS SignedData whose encapsulated content is the document's SHA-1 digest."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import Encoding

    key, cert, _ = pkcs12.load_key_and_certificates(
        kit.pki.office_p12_path.read_bytes(), PASSPHRASE)
    assert key is not None and cert is not None
    from asn1crypto import x509 as asn1_x509
    signer_cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "message_digest",
                          "values": [hashlib.sha1(document_digest,
                                                  usedforsecurity=False).digest()]}),
    ])
    signature = key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 # type: ignore[call-arg, union-attr]
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": signer_cert.issuer, "serial_number": signer_cert.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
        "signature": signature,
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha1"})],
        "encap_content_info": cms.ContentInfo({
            "content_type": "data", "content": core.OctetString(document_digest)}),
        "certificates": [signer_cert],
        "signer_infos": [signer_info],
    })})
