"""Tampered, re-signed and unsigned files: the verdicts an auditor must get."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from signing_helpers import PASSPHRASE, REQUEST

from signing.keys import Pkcs12KeySource
from signing.metadata import read_copy_metadata, write_copy_metadata
from signing.pki import DevPki, create_dev_pki, revoke_certificate
from signing.report import Indication, SubIndication
from signing.settings import PadesProfile, SignerSettings, TrustSettings
from signing.signer import DocumentSigner
from signing.verify import verify_pdf

Change = Callable[[IncrementalPdfFileWriter], None]


def _update(data: bytes, change: Change) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(data))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw_on_page(writer: IncrementalPdfFileWriter) -> None:
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 100 400 200 50 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))


def _add_page(writer: IncrementalPdfFileWriter) -> None:
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v)
                                                   for v in (0, 0, 595, 842)),
        pdf_name("/Resources"): generic.DictionaryObject(),
    })
    writer.insert_page(page)


def _edit_kids(edit: Callable[[generic.ArrayObject], None]) -> Change:
    def change(writer: IncrementalPdfFileWriter) -> None:
        pages = writer.root["/Pages"]
        kids = pages["/Kids"]
        edit(kids)
        pages[pdf_name("/Count")] = generic.NumberObject(len(kids))
        writer.update_container(pages)
        writer.update_container(kids)
    return change


def _remove_last_page(kids: generic.ArrayObject) -> None:
    del kids[-1]


def _swap_pages(kids: generic.ArrayObject) -> None:
    kids[0], kids[1] = kids[1], kids[0]


def _replace_metadata(writer: IncrementalPdfFileWriter) -> None:
    write_copy_metadata(writer, {"copy_id": "C-9999", "symbol": "15-NQ/TU"})


@pytest.mark.parametrize("profile", [PadesProfile.B_T, PadesProfile.B_LTA],
                         ids=lambda p: p.value)
def test_flipped_byte_inside_the_signed_range_fails(profile: PadesProfile,
                                                    signed: dict[PadesProfile, bytes],
                                                    trust: TrustSettings) -> None:
    data = bytearray(signed[profile])
    data[len(data) // 3] ^= 0x01  # inside page content, far from the /Contents hole
    report = verify_pdf(bytes(data), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication in (SubIndication.HASH_FAILURE, SubIndication.FORMAT_FAILURE)


@pytest.mark.parametrize("change", [_draw_on_page, _add_page,
                                    _edit_kids(_remove_last_page), _edit_kids(_swap_pages)],
                         ids=["content-changed", "page-added", "page-removed", "pages-swapped"])
@pytest.mark.parametrize("profile", [PadesProfile.B_B, PadesProfile.B_LTA],
                         ids=lambda p: p.value)
def test_later_revision_changing_pages_fails(change: Change, profile: PadesProfile,
                                             signed: dict[PadesProfile, bytes],
                                             trust: TrustSettings) -> None:
    report = verify_pdf(_update(signed[profile], change), trust)
    assert report.indication is Indication.TOTAL_FAILED, report.to_json()
    assert report.sub_indication is SubIndication.MODIFIED_AFTER_SIGNING
    first = report.signatures[0]
    assert first.coverage == "ENTIRE_REVISION"
    assert first.intact and first.valid  # the signed bytes themselves are untouched
    assert first.modifications_permitted is False or first.modification_level == "OTHER"


def test_later_metadata_change_is_not_believed(signed: dict[PadesProfile, bytes],
                                               trust: TrustSettings) -> None:
    data = _update(signed[PadesProfile.B_T], _replace_metadata)
    assert read_copy_metadata(data)["copy_id"] == "C-0007"
    report = verify_pdf(data, trust)
    assert report.copy_metadata["copy_id"] == "C-0007"
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.MODIFIED_AFTER_SIGNING


@pytest.mark.parametrize("tail", [b"\n1 0 obj (smuggled) endobj\n",
                                  b"\n1 0 obj (smuggled) endobj\n%%EOF\n"],
                         ids=["object", "object-and-eof"])
def test_bytes_appended_outside_any_revision_fail(signed: dict[PadesProfile, bytes],
                                                  trust: TrustSettings, tail: bytes) -> None:
    data = signed[PadesProfile.B_T] + tail
    report = verify_pdf(data, trust)
    assert report.indication is Indication.TOTAL_FAILED, report.to_json()
    assert all(s.coverage != "ENTIRE_FILE" for s in report.signatures)


def test_byte_range_that_skips_part_of_the_file_fails(signed: dict[PadesProfile, bytes],
                                                      trust: TrustSettings) -> None:
    data = signed[PadesProfile.B_B]
    start = data.rindex(b"/ByteRange")
    end = data.index(b"]", start)
    numbers = [int(v) for v in data[data.index(b"[", start) + 1:end].split()]
    numbers[3] -= 10  # stop signing 10 bytes before the end of the file
    new = b"/ByteRange [" + b" ".join(str(n).encode() for n in numbers) + b"]"
    tampered = data[:start] + new.ljust(end + 1 - start) + data[end + 1:]
    report = verify_pdf(tampered, trust)
    assert report.indication is Indication.TOTAL_FAILED, report.to_json()


def test_unsigned_file_says_no_signature(sample_pdf: bytes, trust: TrustSettings) -> None:
    report = verify_pdf(sample_pdf, trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.NO_SIGNATURE
    assert report.signatures == ()
    assert "không có chữ ký" in report.explanation_vi


def test_untrusted_signer_is_indeterminate(signed: dict[PadesProfile, bytes],
                                           pki: DevPki) -> None:
    report = verify_pdf(signed[PadesProfile.B_T], TrustSettings())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert report.signatures[0].intact and not report.signatures[0].trusted


def test_other_pki_is_not_trusted(tmp_path_factory: pytest.TempPathFactory,
                                  sample_pdf: bytes, trust: TrustSettings) -> None:
    rogue = create_dev_pki(tmp_path_factory.mktemp("rogue"), office_name="Văn phòng Tỉnh ủy",
                           passphrase=PASSPHRASE)
    settings = SignerSettings(key_source=Pkcs12KeySource(rogue.office_p12_path, PASSPHRASE),
                              profile=PadesProfile.B_B)
    with DocumentSigner(settings) as signer:
        data = signer.sign(sample_pdf, REQUEST)
    report = verify_pdf(data, trust)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_certificate_revoked_before_signing_fails(tmp_path_factory: pytest.TempPathFactory,
                                                  sample_pdf: bytes) -> None:
    import datetime as dt

    from cryptography.hazmat.primitives.serialization import Encoding
    directory = tmp_path_factory.mktemp("revoked")
    pki = create_dev_pki(directory, office_name="Văn phòng Tỉnh ủy", passphrase=PASSPHRASE)
    pki = revoke_certificate(directory, PASSPHRASE, pki.office_cert.serial_number,
                             when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    settings = SignerSettings(key_source=Pkcs12KeySource(pki.office_p12_path, PASSPHRASE),
                              profile=PadesProfile.B_B)
    with DocumentSigner(settings) as signer:
        data = signer.sign(sample_pdf, REQUEST)
    trust = TrustSettings(trust_roots=(pki.root_cert.public_bytes(Encoding.DER),),
                          crls=tuple(c.public_bytes(Encoding.DER) for c in pki.crls))
    report = verify_pdf(data, trust)
    assert report.indication is Indication.TOTAL_FAILED, report.to_json()
    assert report.sub_indication is SubIndication.REVOKED
    assert report.signatures[0].revocation == "revoked"
