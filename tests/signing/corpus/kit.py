"""Tools the corpus builders share: signing the way other producers do, writing DSS
updates by hand, freeing objects, drawing form fields and annotations.

Everything is made at test time from the development PKI (``pki``, ``tsa_url``),
so nothing binary is committed and every file is signed by a key under the dev
root that the tests trust.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from signing_helpers import PASSPHRASE, der

from signing.pki import ISSUING_KEY_FILE, DevPki

Update = Callable[[IncrementalPdfFileWriter], None]


@dataclass(frozen=True)
class Kit:
    """The PKI, the TSA and a plain document to build corpus files from."""

    pki: DevPki
    tsa_url: str
    document: bytes

    def signer(self) -> signers.SimpleSigner:
        signer = signers.SimpleSigner.load_pkcs12(str(self.pki.office_p12_path),
                                                  passphrase=PASSPHRASE)
        assert signer is not None
        return signer

    def timestamper(self) -> HTTPTimeStamper:
        return HTTPTimeStamper(self.tsa_url)


def update(data: bytes, change: Update) -> bytes:
    """One incremental update made by ``change``."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def sign(kit: Kit, data: bytes, *, field_name: str = "Signature1",
         sub_filter: fields.SigSeedSubFilter = fields.SigSeedSubFilter.PADES,
         timestamp: bool = True, certify: bool = False,
         lock: fields.FieldMDPSpec | None = None, md_algorithm: str = "sha256",
         owner_password: str | None = None) -> bytes:
    """An invisible signature with the office key, as a second producer would make it."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    if owner_password is not None:
        writer.encrypt(owner_password)
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=sub_filter,
                                        md_algorithm=md_algorithm, certify=certify,
                                        reason="Phê duyệt")
    spec = fields.SigFieldSpec(field_name, field_mdp_spec=lock)
    pdf_signer = signers.PdfSigner(meta, kit.signer(),
                                   timestamper=kit.timestamper() if timestamp else None,
                                   new_field_spec=spec)
    out = BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def document_timestamp(kit: Kit, data: bytes) -> bytes:
    """A DocTimeStamp (``ETSI.RFC3161``) in its own revision, without validation data."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    out = BytesIO()
    signers.PdfTimeStamper(kit.timestamper()).timestamp_pdf(writer, "sha256", output=out)
    return out.getvalue()


def ocsp_response(kit: Kit, cert: x509.Certificate) -> bytes:
    """A "good" OCSP response for ``cert`` from the issuing CA (DSS stores OCSPs)."""
    key = serialization.load_pem_private_key(
        (kit.pki.directory / ISSUING_KEY_FILE).read_bytes(), PASSPHRASE)
    now = dt.datetime.now(dt.UTC)
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=kit.pki.issuing_cert, algorithm=hashes.SHA1(),  # noqa: S303 - OCSP CertID hash
        cert_status=ocsp.OCSPCertStatus.GOOD, this_update=now - dt.timedelta(minutes=5),
        next_update=now + dt.timedelta(days=7), revocation_time=None,
        revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH,
                                             kit.pki.issuing_cert)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def signature_contents(data: bytes, field_name: str) -> bytes:
    """The raw CMS bytes of a signature (a VRI key is their SHA-1)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(BytesIO(data), strict=False)
    for emb in reader.embedded_signatures:
        if emb.field_name == field_name:
            return bytes(emb.pkcs7_content)
    raise KeyError(field_name)


def _streams(writer: IncrementalPdfFileWriter, blobs: Sequence[bytes]) -> generic.ArrayObject:
    return generic.ArrayObject(writer.add_object(generic.StreamObject(stream_data=b))
                               for b in blobs)


def add_dss(kit: Kit, data: bytes, vri_for: Sequence[str], *, keep_vri: bool = True) -> bytes:
    """A DSS update the way EU DSS writes one: /Certs, /CRLs, /OCSPs, and a /VRI entry
    (key: SHA-1 of the signature, upper-case hex) with /Cert, /CRL, /OCSP and /TU for each
    signature in ``vri_for``. An existing VRI entry for the same signature is rewritten
    (a new /TU), and the old DSS object is replaced by a new one, as EU DSS does."""
    certs = [der(c) for c in (kit.pki.office_cert, kit.pki.issuing_cert, kit.pki.root_cert,
                              kit.pki.tsa_cert)]
    crls = [der(c) for c in kit.pki.crls]
    ocsps = [ocsp_response(kit, kit.pki.office_cert), ocsp_response(kit, kit.pki.tsa_cert)]
    keys = [hashlib.sha1(signature_contents(data, name), usedforsecurity=False).hexdigest()
            .upper() for name in vri_for]

    def change(writer: IncrementalPdfFileWriter) -> None:
        root = writer.root
        old_vri = generic.DictionaryObject()
        if keep_vri and "/DSS" in root and "/VRI" in root["/DSS"]:
            old_vri = root["/DSS"]["/VRI"]
        vri = generic.DictionaryObject({k: v for k, v in old_vri.items()})
        when = dt.datetime.now(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        for key in keys:
            vri[pdf_name("/" + key)] = writer.add_object(generic.DictionaryObject({
                pdf_name("/Type"): pdf_name("/VRI"),
                pdf_name("/Cert"): _streams(writer, certs[:2]),
                pdf_name("/CRL"): _streams(writer, crls),
                pdf_name("/OCSP"): _streams(writer, ocsps[:1]),
                pdf_name("/TU"): generic.TextStringObject(when),
            }))
        dss = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/DSS"),
            pdf_name("/Certs"): writer.add_object(_streams(writer, certs)),
            pdf_name("/CRLs"): writer.add_object(_streams(writer, crls)),
            pdf_name("/OCSPs"): writer.add_object(_streams(writer, ocsps)),
            pdf_name("/VRI"): writer.add_object(vri),
        })
        root[pdf_name("/DSS")] = writer.add_object(dss)
        writer.update_root()

    return update(data, change)


def free_objects(data: bytes, numbers: Sequence[tuple[int, int]]) -> bytes:
    """Mark objects ``(number, generation)`` free in the last revision's xref table, as
    producers that replace a DSS do."""
    start = data.rindex(b"\nxref\n") + len(b"\nxref\n")
    entries = b"".join(f"{n} 1\n0000000000 {g + 1:05d} f \n".encode() for n, g in numbers)
    return data[:start] + entries + data[start:]


def dss_refs(data: bytes) -> list[tuple[int, int]]:
    """The DSS dictionary and its arrays, as they stand in ``data``."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(BytesIO(data), strict=False)
    dss_ref = reader.root.raw_get("/DSS")
    dss = dss_ref.get_object()
    refs = [dss_ref.reference] + [dss.raw_get(k).reference for k in ("/Certs", "/CRLs", "/VRI")]
    return [(r.idnum, r.generation) for r in refs]


def with_pikepdf(data: bytes, change: Callable[[pikepdf.Pdf], None],
                 **save: object) -> bytes:
    """Rewrite a document with pikepdf (before signing: the "shadow document")."""
    with pikepdf.open(BytesIO(data)) as pdf:
        change(pdf)
        out = BytesIO()
        pdf.save(out, **save)  # type: ignore[arg-type]
        return out.getvalue()


HELVETICA = {"/Font": {"/Helv": {"/Type": "/Font", "/Subtype": "/Type1",
                                 "/BaseFont": "/Helvetica"}}}


def helvetica_form(width: float, height: float, content: bytes) -> generic.StreamObject:
    """An appearance (form XObject) of ``width`` × ``height`` with Helvetica as /Helv,
    for pyHanko's incremental writer."""
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(
            generic.FloatObject(v) for v in (0, 0, width, height)),
        pdf_name("/Resources"): generic.DictionaryObject({
            pdf_name("/Font"): generic.DictionaryObject({
                pdf_name("/Helv"): generic.DictionaryObject({
                    pdf_name("/Type"): pdf_name("/Font"),
                    pdf_name("/Subtype"): pdf_name("/Type1"),
                    pdf_name("/BaseFont"): pdf_name("/Helvetica")})})}),
    }, stream_data=content)


def appearance(pdf: pikepdf.Pdf, width: float, height: float, content: bytes
               ) -> pikepdf.Stream:
    """A form XObject to use as a widget's or annotation's normal appearance."""
    stream = pikepdf.Stream(pdf, content)
    stream["/Type"] = pikepdf.Name.XObject
    stream["/Subtype"] = pikepdf.Name.Form
    stream["/BBox"] = [0, 0, width, height]
    stream["/Resources"] = pikepdf.Object.parse(
        b"<< /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>")
    return stream


def opaque_text(width: float, height: float, text: str) -> bytes:
    """A white box with black text: what an overlay draws to hide and replace."""
    return (f"1 1 1 rg 0 0 {width} {height} re f 0 g BT /Helv 12 Tf 4 {height / 2 - 4} Td "
            f"({text}) Tj ET").encode()


def add_text_field(pdf: pikepdf.Pdf, name: str, rect: Sequence[float],
                   shown: bytes | None = None) -> None:
    """A text field on page 1 (optionally with an appearance already), in the AcroForm."""
    page = pdf.pages[0]
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    widget = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String(name), Rect=list(rect), F=4, P=page.obj,
        DA=pikepdf.String("/Helv 12 Tf 0 g")))
    if shown is not None:
        widget["/AP"] = pikepdf.Dictionary(N=appearance(pdf, width, height, shown))
    if "/Annots" not in page.obj:
        page.obj["/Annots"] = pikepdf.Array()
    page.obj["/Annots"].append(widget)
    if "/AcroForm" not in pdf.Root:
        pdf.Root["/AcroForm"] = pdf.make_indirect(pikepdf.Dictionary(
            Fields=pikepdf.Array(), DR=pikepdf.Object.parse(
                b"<< /Font << /Helv << /Type /Font /Subtype /Type1 "
                b"/BaseFont /Helvetica >> >> >>")))
    pdf.Root["/AcroForm"]["/Fields"].append(widget)


def fill_field(name: str, value: str, shown: bytes) -> Update:
    """Form filling as a viewer writes it: a new /V and a new appearance stream."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            field = ref.get_object()
            if field["/T"] != name:
                continue
            x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
            stream = helvetica_form(x2 - x1, y2 - y1, shown)
            field[pdf_name("/V")] = generic.TextStringObject(value)
            field[pdf_name("/AP")] = generic.DictionaryObject(
                {pdf_name("/N"): writer.add_object(stream)})
            writer.update_container(field)
    return change
